from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from families.models import Caregiver, SummaryFrequency, SupportingLink
from goals.models import GoalStatus
from notifications.models import OutboxMessage
from portal.summaries import SUMMARY, last_completed_period, summaries_sweep
from tests.factories import (
    GoalFactory,
    HomeStrategyFactory,
    PracticeLogFactory,
    ProgressRatingFactory,
    WinFactory,
)
from tests.sessions_app.factories import SessionFactory, signed_note

pytestmark = [pytest.mark.django_db, pytest.mark.timesweep]


def _next_week() -> date:
    """A day next week: "this week" is then the week just ended."""
    return timezone.localdate() + timedelta(days=7)


def _activity(world):
    """This week, for Yusuf (linked to the grandad) and his sister Maryam."""
    goal = GoalFactory(child=world.child, title="Puts on his shoes alone")
    ProgressRatingFactory(goal=goal, level=-1, rated_by=world.therapist)
    strategy = HomeStrategyFactory(child=world.child, title="Shoes on the bottom stair")
    PracticeLogFactory(strategy=strategy, caregiver=world.parent)
    PracticeLogFactory(strategy=strategy, caregiver=world.supporting)
    WinFactory(child=world.child, text="Both shoes on before breakfast!")
    sister = HomeStrategyFactory(child=world.sibling, title="Maryam's pencil grip game")
    PracticeLogFactory(strategy=sister)
    WinFactory(child=world.sibling, text="Maryam wrote her name")
    grandad = Caregiver.objects.get(user=world.supporting)
    parent = Caregiver.objects.get(user=world.parent)
    attended = SessionFactory(
        child=world.child, therapist=world.therapist, caregivers=[parent, grandad]
    )
    signed_note(session=attended, family_summary="Grandad and Yusuf built an obstacle course.")
    without_him = SessionFactory(child=world.child, therapist=world.therapist, caregivers=[parent])
    signed_note(session=without_him, family_summary="Yusuf tried the wobble board with Mum.")
    return goal


def _mail_to(email):
    return [m for m in mail.outbox if m.to == [email]]


def test_each_recipient_gets_only_what_they_may_see_once_per_period(world):
    _activity(world)
    summaries_sweep(today=_next_week())
    summaries_sweep(today=_next_week())  # the next hourly run, or a second beat

    [parent] = _mail_to(world.parent.email)
    for words in (
        "Puts on his shoes alone",
        "a little progress",
        "Shoes on the bottom stair",
        "Both shoes on before breakfast!",
        "Maryam wrote her name",
        "obstacle course",
        "wobble board",
    ):
        assert words in parent.body, words
    assert "How things went in the week of" in parent.subject

    [grandad] = _mail_to(world.supporting.email)
    assert "Both shoes on before breakfast!" in grandad.body
    # The family shares Yusuf's session summaries with him: every one.
    assert "obstacle course" in grandad.body and "wobble board" in grandad.body
    assert "Maryam" not in grandad.body  # not linked to him

    # Nani sees Yusuf's goals and strategies only: no session summary.
    [nani] = _mail_to(world.supporting_goals_only.email)
    assert "Both shoes on before breakfast!" in nani.body
    assert "obstacle course" not in nani.body and "wobble board" not in nani.body

    # The nanny is linked to Maryam only: her practice and win.
    [nanny] = _mail_to(world.supporting_unlinked.email)
    assert "Maryam wrote her name" in nanny.body and "Yusuf" not in nanny.body
    # Never clinical sections or the therapist's notes.
    for message in mail.outbox:
        assert "Motor planning" not in message.body
        assert "bilateral coordination" not in message.body
    assert OutboxMessage.objects.filter(kind=SUMMARY, status="sent").count() == 4
    assert len(mail.outbox) == 4


def test_session_summaries_go_to_a_supporting_caregiver_once_the_family_shares_them(world):
    _activity(world)
    nani = Caregiver.objects.get(user=world.supporting_goals_only)
    there = SessionFactory(child=world.child, therapist=world.therapist, caregivers=[nani])
    signed_note(session=there, family_summary="Nani watched the swing.")
    SupportingLink.objects.filter(caregiver=nani).update(sees_sessions=True)
    summaries_sweep(today=_next_week())
    [message] = _mail_to(world.supporting_goals_only.email)
    assert "Nani watched the swing." in message.body and "wobble board" in message.body


def test_being_at_a_session_does_not_share_its_summary(world):
    _activity(world)
    nani = Caregiver.objects.get(user=world.supporting_goals_only)
    there = SessionFactory(child=world.child, therapist=world.therapist, caregivers=[nani])
    signed_note(session=there, family_summary="Nani watched the swing.")
    summaries_sweep(today=_next_week())
    [message] = _mail_to(world.supporting_goals_only.email)
    assert "Nani watched the swing." not in message.body


def test_nothing_is_sent_when_nothing_happened(world):
    GoalFactory(child=world.child)  # a goal, but no news this week
    summaries_sweep(today=_next_week())
    assert mail.outbox == []
    rows = OutboxMessage.objects.filter(kind=SUMMARY)
    assert {row.skip_reason for row in rows} == {"nothing happened"}


def test_preferences_decide_the_period_and_off_means_never(world):
    _activity(world)
    Caregiver.objects.filter(user=world.parent).update(summary_frequency=SummaryFrequency.OFF)
    Caregiver.objects.filter(user=world.supporting).update(
        summary_frequency=SummaryFrequency.MONTHLY
    )
    summaries_sweep(today=_next_week())
    assert _mail_to(world.parent.email) == []
    monthly = OutboxMessage.objects.get(kind=SUMMARY, recipient=world.supporting)
    assert monthly.params["period"] == last_completed_period("monthly", _next_week()).key


def test_an_achieved_goal_is_celebrated(world):
    GoalFactory(child=world.child, title="Zips his coat", status=GoalStatus.ACHIEVED)
    summaries_sweep(today=_next_week())
    [parent] = _mail_to(world.parent.email)
    assert "Zips his coat: achieved" in parent.body


def test_upcoming_bookings_for_the_parent_and_only_escorted_ones_for_others(world):
    from tests.notifications.helpers import due_booking, escort_of

    _activity(world)
    due_booking(world, hours_ahead=50)
    due_booking(world, hours_ahead=74, escort=escort_of(world))
    summaries_sweep(today=_next_week())
    [parent] = _mail_to(world.parent.email)
    [grandad] = _mail_to(world.supporting.email)
    assert parent.body.count("Parent coaching consultation") == 2
    assert grandad.body.count("Parent coaching consultation") == 1


def test_periods_follow_the_calendar():
    monday = date(2026, 11, 23)
    weekly = last_completed_period("weekly", monday + timedelta(days=2))
    assert weekly.key == "2026-W47"
    assert weekly.start.date() == date(2026, 11, 16) and weekly.end.date() == monday
    monthly = last_completed_period("monthly", monday)
    assert monthly.key == "2026-10" and monthly.label == "in October 2026"
    fortnight = last_completed_period("fortnightly", monday)
    assert (fortnight.end - fortnight.start).days == 14
    assert last_completed_period("fortnightly", monday + timedelta(days=7)).key in {
        fortnight.key,
        last_completed_period("fortnightly", monday + timedelta(days=14)).key,
    }


def test_the_summary_sweep_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    from tests.factories import CaregiverFactory, ChildFactory

    _activity(world)
    with django_assert_max_num_queries(60) as few:
        summaries_sweep(today=_next_week())
    OutboxMessage.objects.all().delete()
    mail.outbox.clear()
    for _ in range(5):
        caregiver = CaregiverFactory()
        child = ChildFactory(family=caregiver.family)
        PracticeLogFactory(strategy=HomeStrategyFactory(child=child))
    with django_assert_max_num_queries(80) as many:
        summaries_sweep(today=_next_week())
    # Building grows by nothing; each e-mail costs its one "sent" update.
    assert len(many.captured_queries) - len(few.captured_queries) <= len(mail.outbox) - 3


# --- Preview, the send button and the command ---------------------------------------------


def test_the_parent_previews_their_own_summary(world, login):
    _activity(world)
    page = login(world.parent).get(reverse("summary_preview", args=[world.family.pk]))
    assert page.status_code == 200
    assert "Both shoes on before breakfast!" in page.text
    assert "Send the summary now" not in page.text


def test_the_therapist_previews_as_any_caregiver_and_sends(
    world, login, django_capture_on_commit_callbacks
):
    _activity(world)
    client = login(world.therapist)
    grandad = Caregiver.objects.get(user=world.supporting)
    page = client.get(reverse("summary_preview", args=[world.family.pk]), {"caregiver": grandad.pk})
    assert "obstacle course" in page.text and "wobble board" in page.text
    nani = Caregiver.objects.get(user=world.supporting_goals_only)
    page = client.get(reverse("summary_preview", args=[world.family.pk]), {"caregiver": nani.pk})
    assert "Both shoes on" in page.text and "obstacle course" not in page.text
    from accounts.models import AuditEvent

    assert AuditEvent.objects.filter(
        user=world.therapist, record_type="progress_summary", record_id=str(world.family.pk)
    ).exists()
    assert "Send the summary now" in page.text
    assert (
        client.get(
            reverse("summary_preview", args=[world.family.pk]), {"caregiver": 999999}
        ).status_code
        == 404
    )

    family_page = client.get(reverse("families:family_detail", args=[world.family.pk]))
    assert reverse("summary_send", args=[world.family.pk]) in family_page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("summary_send", args=[world.family.pk]), follow=True)
    assert "Progress summary on its way" in response.text
    assert len(mail.outbox) == 4
    # Pressed again at once: nothing new since, nothing sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("summary_send", args=[world.family.pk]))
    assert len(mail.outbox) == 4


def test_the_preview_runs_a_fixed_number_of_queries(
    world, login, django_assert_num_queries, django_assert_max_num_queries
):
    _activity(world)
    client = login(world.parent)
    url = reverse("summary_preview", args=[world.family.pk])
    client.get(url)
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    for _ in range(4):
        _activity(world)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_command_sends_now_or_previews(world, django_capture_on_commit_callbacks):
    _activity(world)
    out = StringIO()
    call_command("send_summary", "--family", world.family.pk, "--preview", stdout=out)
    assert "Both shoes on before breakfast!" in out.getvalue()
    assert mail.outbox == []
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_summary", "--family", world.family.pk, stdout=out)
    assert f"Summary queued for {world.parent.email}" in out.getvalue()
    assert len(mail.outbox) == 4


def test_the_timing_command_runs_and_keeps_nothing(world, settings):
    out = StringIO()
    call_command("time_background", "--reminders", "30", "--families", "5", "--force", stdout=out)
    text = out.getvalue()
    assert "Reminder sweep: 30 e-mails" in text
    assert "Progress summaries: 5 e-mails" in text
    assert "Rolled back" in text
    assert not OutboxMessage.objects.exists()
