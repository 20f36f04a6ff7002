"""A note acts on the goals app when it is signed: GAS levels of the goals
worked on become progress ratings, and strategies are introduced, changed or
retired, always through the goals services. And what the caseload and the
timeline show of goals and home practice."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from goals.models import HomeStrategy, ProgressRating, RatingSource
from sessions_app.models import GoalAddressed, SessionNote, SignedRecordError, StrategyChange
from tests import factories
from tests.sessions_app.factories import NoteFactory, SessionFactory, sign, signed_note
from tests.sessions_app.test_notes import NOTE


@pytest.fixture
def plan(world):
    goal = factories.GoalFactory(child=world.child, title="Buttons his school shirt")
    other_goal = factories.GoalFactory(child=world.child, title="Ties his shoelaces")
    keep = factories.HomeStrategyFactory(child=world.child, title="Button board", goals=[goal])
    old = factories.HomeStrategyFactory(child=world.child, title="Big buttons", goals=[goal])
    session = SessionFactory(
        child=world.child,
        therapist=world.therapist,
        starts_at=timezone.now() - timedelta(days=3),
    )
    return {"goal": goal, "other_goal": other_goal, "keep": keep, "old": old, "session": session}


def _post(plan, **extra):
    goal, keep, old = plan["goal"], plan["keep"], plan["old"]
    return {
        **NOTE,
        f"gas-goal_{goal.pk}_level": "1",
        f"gas-goal_{goal.pk}_comment": "Four buttons alone",
        f"gas-strategy_{keep.pk}_action": "changed",
        f"gas-strategy_{keep.pk}_detail": "Now on his own shirt",
        f"gas-strategy_{old.pk}_action": "retired",
        f"gas-strategy_{old.pk}_detail": "No longer needed",
        "new-title": "Zip the coat",
        "new-goal": str(goal.pk),
        "new-routine": "school_run",
        "new-what_to_do": "Start the zip for him, he pulls it up.",
        **extra,
    }


def test_the_note_form_lists_goals_and_strategies(world, client, plan):
    client.force_login(world.therapist)
    html = client.get(reverse("sessions_app:note_edit", args=[plan["session"].pk])).content.decode()
    assert "Buttons his school shirt" in html and "Ties his shoelaces" in html
    assert "Button board" in html and "Big buttons" in html
    assert "+1: Puts shoes on and fastens the Velcro alone" in html


def test_a_draft_keeps_goals_and_strategies_without_touching_the_goals_app(world, client, plan):
    client.force_login(world.therapist)
    url = reverse("sessions_app:note_edit", args=[plan["session"].pk])
    assert client.post(url, _post(plan, action="save")).status_code == 302
    note = SessionNote.objects.get(session=plan["session"])
    assert note.goals_addressed.get().level == 1
    assert set(note.strategy_changes.values_list("action", flat=True)) == {
        "changed",
        "retired",
        "introduced",
    }
    assert not ProgressRating.objects.exists()
    plan["old"].refresh_from_db()
    assert plan["old"].is_active
    # Reopening the draft shows what was chosen.
    html = client.get(url).content.decode()
    assert 'value="Zip the coat"' in html and "Now on his own shirt" in html


def test_signing_turns_ratings_and_strategy_changes_into_goals_records(world, client, plan):
    client.force_login(world.therapist)
    url = reverse("sessions_app:note_edit", args=[plan["session"].pk])
    confirm = reverse("sessions_app:note_sign", args=[plan["session"].pk])
    assert client.post(url, _post(plan, action="sign"))["Location"] == confirm
    # The confirmation shows the rating to be frozen; nothing is rated yet.
    assert "Buttons his school shirt: +1" in client.get(confirm).content.decode()
    assert not ProgressRating.objects.exists()
    assert client.post(confirm).status_code == 302
    note = SessionNote.objects.get(session=plan["session"])
    assert note.is_signed
    rating = ProgressRating.objects.get()
    assert rating.goal == plan["goal"] and rating.level == 1
    assert rating.source == RatingSource.THERAPIST and rating.rated_by == world.therapist
    assert rating.rated_on == timezone.localdate(plan["session"].starts_at)
    assert note.goals_addressed.get().progress_rating == rating
    plan["old"].refresh_from_db()
    assert not plan["old"].is_active
    new = HomeStrategy.objects.get(title="Zip the coat")
    assert list(new.goals.all()) == [plan["goal"]] and new.child == world.child
    assert note.strategy_changes.get(action="introduced").strategy == new
    # The goals app audited its own records.
    assert AuditEvent.objects.filter(record_type="goals.progressrating").exists()
    # The signed note shows them.
    html = client.get(plan["session"].get_absolute_url()).content.decode()
    assert "Buttons his school shirt: +1" in html and "Retired: Big buttons" in html


def test_an_incomplete_new_strategy_is_shown_with_errors_and_the_text_is_kept(world, client, plan):
    client.force_login(world.therapist)
    url = reverse("sessions_app:note_edit", args=[plan["session"].pk])
    response = client.post(url, _post(plan, **{"new-what_to_do": "", "action": "sign"}))
    assert response.status_code == 200
    assert "Needed for a new strategy." in response.content.decode()
    note = SessionNote.objects.get(session=plan["session"])
    assert not note.is_signed and note.plan == NOTE["plan"]
    assert not ProgressRating.objects.exists()


def test_autosave_saves_goal_levels(world, client, plan):
    client.force_login(world.therapist)
    url = reverse("sessions_app:note_autosave", args=[plan["session"].pk])
    assert client.post(url, _post(plan)).status_code == 200
    assert GoalAddressed.objects.get().level == 1


def test_goals_of_another_child_are_refused(world, plan):
    from django.core.exceptions import ValidationError

    from sessions_app import services

    stranger = factories.GoalFactory(child=world.other_child)
    with pytest.raises(ValidationError):
        services.note_save_draft(
            session=plan["session"],
            by=world.therapist,
            fields=NOTE,
            goals_addressed=[{"goal": stranger, "level": 0, "comment": ""}],
        )


def test_goals_addressed_freeze_with_the_note(world, plan):
    note = NoteFactory(session=plan["session"])
    row = GoalAddressed.objects.create(note=note, goal=plan["goal"], level=0)
    change = StrategyChange.objects.create(note=note, action="changed", strategy=plan["keep"])
    SessionNote.objects.filter(pk=note.pk).update(status="signed")
    row.level = 2
    with pytest.raises(SignedRecordError):
        row.save()
    with pytest.raises(SignedRecordError):
        GoalAddressed.objects.filter(note=note).update(level=2)
    with pytest.raises(SignedRecordError):
        change.delete()
    with pytest.raises(SignedRecordError):
        GoalAddressed.objects.create(note=note, goal=plan["other_goal"], level=0)


@pytest.mark.postgres
def test_the_database_freezes_goals_addressed_of_a_signed_note(world, plan):
    note = signed_note(session=plan["session"])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sessions_app_goaladdressed (note_id, goal_id, level, comment) "
            "VALUES (%s, %s, 1, '')",
            [note.pk, plan["goal"].pk],
        )


def test_caseload_shows_practice_since_last_session_and_goals_due(world, client, plan):
    today = timezone.localdate()
    factories.PracticeLogFactory(strategy=plan["keep"], practised_on=today)
    factories.PracticeLogFactory(strategy=plan["keep"], practised_on=today - timedelta(days=1))
    factories.PracticeLogFactory(strategy=plan["keep"], practised_on=today - timedelta(days=20))
    plan["goal"].review_date = today + timedelta(days=3)
    plan["goal"].save()
    plan["other_goal"].review_date = today + timedelta(days=60)
    plan["other_goal"].save()
    client.force_login(world.therapist)
    html = client.get(reverse("home")).content.decode()
    row = html[html.index(f">{world.child.full_name}</a>") :].split("</tr>")[0]
    # Practice since the last session, then the goals due (linked).
    assert "<td>2</td>" in row
    assert (
        f'>1<span class="visually-hidden"> goals due for review, {world.child.display_name}' in row
    )
    # The goal due is listed first, with which review it is.
    due = html[html.index('id="review-heading"') :].split("</section>")[0]
    assert plan["goal"].title in due and plan["other_goal"].title not in due
    assert "review due" in due


def test_timeline_shows_ratings_practice_and_wins(world, client, plan):
    factories.ProgressRatingFactory(
        goal=plan["goal"], level=-1, note="Rated at review", rated_by=world.therapist
    )
    factories.ProgressRatingFactory(
        goal=plan["other_goal"], level=2, source=RatingSource.CAREGIVER, rated_by=world.parent
    )
    factories.PracticeLogFactory(strategy=plan["keep"], outcome="well", caregiver=world.parent)
    factories.PracticeLogFactory(strategy=plan["keep"], outcome="hard", caregiver=world.parent)
    factories.WinFactory(child=world.child, text="Coat on by himself!", author=world.supporting)
    factories.WinFactory(child=world.other_child, text="Not this child")
    client.force_login(world.therapist)
    html = client.get(reverse("sessions_app:timeline", args=[world.child.pk])).content.decode()
    # Each entry shows its own record's values and the people behind them.
    goal_link = reverse("goals:goal_detail", args=[plan["goal"].pk])
    assert (
        f'<a href="{goal_link}">Buttons his school shirt</a>: -1 (therapist, {world.therapist}). Rated at review'
        in html
    )
    assert f"Ties his shoelaces</a>: +2 (family at home, {world.parent})" in html
    # Practice is rolled up into the week, per strategy.
    assert "<li>Button board: 2 times, 1 went well, 1 hard</li>" in html
    assert f"Coat on by himself! ({world.supporting})" in html
    assert "Not this child" not in html


def test_timeline_and_caseload_queries_stay_constant_with_goals(
    world, client, plan, django_assert_max_num_queries
):
    from tests.sessions_app.test_pages import _queries

    client.force_login(world.therapist)
    urls = [
        reverse("sessions_app:timeline", args=[world.child.pk]),
        reverse("home"),
    ]

    def grow(n):
        for i in range(n):
            factories.ProgressRatingFactory(goal=plan["goal"], rated_on=timezone.localdate())
            factories.PracticeLogFactory(strategy=plan["keep"])
            factories.WinFactory(child=world.child)
            note = NoteFactory(session=SessionFactory(child=world.child, therapist=world.therapist))
            GoalAddressed.objects.create(note=note, goal=plan["goal"], level=i % 3 - 1)
            StrategyChange.objects.create(note=note, action="changed", strategy=plan["keep"])
            sign(note)

    grow(2)
    before = [_queries(client, url) for url in urls]
    grow(8)
    for url, count in zip(urls, before, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)
