"""Today, the family's home: what needs them now first (unread messages, the
intake questionnaire before an assessment, a waitlist place offered until a
deadline, today's strategies not practised yet), then the week at home and
progress in words, in a number of queries that does not grow with the family."""

from datetime import timedelta
from itertools import count

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Service, WaitlistEntry
from intake.models import IntakeQuestionnaire
from messaging.models import Conversation, Message, ReadState
from tests import factories
from tests.bookings.factories import (
    AppointmentFactory,
    BookingFactory,
    GroupSessionFactory,
    ServiceFactory,
    in_days,
)

pytestmark = pytest.mark.timesweep


def _today(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _message_to_family(world, child, text="How did the morning go?"):
    conversation, _ = Conversation.objects.get_or_create(child=child, topic="therapy")
    return Message.objects.create(
        conversation=conversation, author=world.therapist, from_family=False, body=text
    )


def _assessment_for(world, child, days=4):
    service = ServiceFactory(kind=Service.Kind.ASSESSMENT, parent_only=False)
    appointment = AppointmentFactory(
        service=service, therapist=world.therapist, starts_at=in_days(days)
    )
    return BookingFactory(family=world.family, appointment=appointment, children=[child])


def _offer(world, hours=20):
    group = GroupSessionFactory(therapist=world.therapist, topic="Calmer mornings")
    return WaitlistEntry.objects.create(
        group_session=group,
        family=world.family,
        position=1,
        status=WaitlistEntry.Status.OFFERED,
        offered_at=timezone.now(),
        offer_expires_at=timezone.now() + timedelta(hours=hours),
    )


def test_nothing_to_do_says_so_kindly(world, client):
    html = _today(client, world.parent)
    assert "Nothing needs you right now" in html
    assert "<title>Today ·" in html


def test_what_needs_the_parent_comes_first(world, client):
    _message_to_family(world, world.child)
    _assessment_for(world, world.sibling)
    _offer(world)
    strategy = factories.HomeStrategyFactory(child=world.child, title="Shoe stair")
    goal = factories.GoalFactory(child=world.child, title="Puts on shoes")
    html = _today(client, world.parent)
    needs = html.index("Needs you now")
    assert "Nothing needs you right now" not in html
    assert needs < html.index(f"1 new message about {world.child.display_name}")
    assert needs < html.index(f"Tell us about {world.sibling.display_name} before the assessment")
    assert needs < html.index("A place is free")
    assert needs < html.index("Shoe stair") < html.index("This week at home")
    assert html.index("This week at home") < html.index("Progress") < html.index(goal.title)
    assert f'action="{reverse("goals:practice_quick", args=[strategy.pk])}"' in html
    assert 'name="back" value="today"' in html


def test_read_messages_a_sent_intake_and_a_lapsed_offer_no_longer_ask(world, client):
    message = _message_to_family(world, world.child)
    ReadState.objects.create(
        conversation=message.conversation,
        user=world.parent,
        last_read_at=timezone.now() + timedelta(seconds=1),
    )
    _assessment_for(world, world.sibling)
    IntakeQuestionnaire.objects.create(child=world.sibling, sent_at=timezone.now())
    _offer(world, hours=-1)
    html = _today(client, world.parent)
    assert "new message about" not in html
    assert "before the assessment" not in html
    assert "A place is free" not in html
    assert "Nothing needs you right now" in html


def test_a_practice_done_today_by_anyone_leaves_the_list(world, client):
    strategy = factories.HomeStrategyFactory(child=world.child, title="Shoe stair")
    factories.PracticeLogFactory(
        strategy=strategy,
        caregiver=world.supporting,
        practised_on=timezone.localdate(),
        created_at=timezone.now() - timedelta(hours=1),
    )
    html = _today(client, world.parent)
    assert "Still to try today" not in html
    assert "practised 1 time in the last 7 days" in html


def test_supporting_caregiver_sees_no_offer_intake_or_other_childs_strategy(world, client):
    _assessment_for(world, world.child)
    _offer(world)
    factories.HomeStrategyFactory(child=world.sibling, title="Sibling's idea")
    factories.HomeStrategyFactory(child=world.child, title="Shoe stair")
    html = _today(client, world.supporting)
    assert "A place is free" not in html
    assert "before the assessment" not in html
    assert "Sibling's idea" not in html
    assert "Shoe stair" in html


def test_progress_is_in_words_never_numbers(world, client):
    goal = factories.GoalFactory(child=world.child, level_plus_1="Shoes on with one reminder")
    factories.ProgressRatingFactory(goal=goal, level=1)
    html = _today(client, world.parent)
    progress = html[html.index('id="progress-heading"') :]
    assert "Better than expected — “Shoes on with one reminder”" in progress
    assert "+1" not in progress[: progress.index("</section>")]


_DAYS_AHEAD = count(3)


def _grow_family(world, n: int) -> None:
    for _ in range(n):
        child = factories.ChildFactory(family=world.family)
        strategy = factories.HomeStrategyFactory(child=child)
        factories.PracticeLogFactory(strategy=strategy, caregiver=world.parent)
        goal = factories.GoalFactory(child=child)
        factories.ProgressRatingFactory(goal=goal, level=0)
        _message_to_family(world, child)
        _assessment_for(world, child, days=next(_DAYS_AHEAD))
        _offer(world)


def test_today_runs_the_same_queries_however_big_the_family(
    world, client, django_assert_max_num_queries
):
    _grow_family(world, 1)
    client.force_login(world.parent)
    # Session and user, memberships, children, assessments ahead, intakes,
    # strategies, their practice, unread messages, offers, progress,
    # bookings and their children, wins; the menu's count of messages waiting.
    with django_assert_max_num_queries(16) as first:
        client.get(reverse("home"))
    _grow_family(world, 4)
    with django_assert_max_num_queries(len(first)):
        client.get(reverse("home"))


@pytest.mark.parametrize(
    ("when", "fold", "shown"),
    [
        ("2027-10-31 01:30", 0, "Sunday 31 October, 01:30 BST"),
        ("2027-10-31 01:30", 1, "Sunday 31 October, 01:30 GMT"),
        ("2027-10-31 03:30", 0, "Sunday 31 October, 03:30"),
        ("2027-07-06 10:00", 0, "Tuesday 6 July, 10:00"),
        ("2027-03-28 00:30", 0, "Sunday 28 March, 00:30"),
    ],
)
def test_times_name_their_zone_only_in_the_hour_that_happens_twice(when, fold, shown):
    from django.template import Context, Template

    from tests.clock import london

    rendered = Template('{{ at|uk_time:"l j F, H:i" }}').render(
        Context({"at": london(when, fold=fold)})
    )
    assert rendered == shown


def test_today_says_once_that_times_are_uk_time(world, client):
    _assessment_for(world, world.sibling)
    _offer(world)
    html = _today(client, world.parent)
    assert html.count("UK time") == 1
    main = html[html.index("<main") : html.index("</main>")]
    assert " GMT" not in main and " BST" not in main
