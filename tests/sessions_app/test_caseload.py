"""The therapist's caseload as the home page shows it: who is on it today and
what each child's card says, read in one query."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from goals.models import GoalStatus
from sessions_app.selectors import caseload
from tests import factories
from tests.sessions_app.factories import SessionFactory, signed_note

pytestmark = pytest.mark.timesweep


def test_caseload_cards_read_what_each_child_needs(world, django_assert_num_queries):
    now, today = timezone.now(), timezone.localdate()
    world.child.preferred_name = "Yusi"
    world.child.date_of_birth = date(today.year - 7, 1, 1)
    world.child.save()
    # A past session still without a note, a later one signed, one to come.
    SessionFactory(child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=10))
    last = SessionFactory(
        child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=3)
    )
    signed_note(session=last)
    SessionFactory(child=world.child, therapist=world.therapist, starts_at=now + timedelta(days=1))
    strategy = factories.HomeStrategyFactory(child=world.child)
    local_day = timezone.localtime(last.starts_at).date()
    for day in (local_day - timedelta(days=2), local_day, today):
        factories.PracticeLogFactory(strategy=strategy, practised_on=day)
    factories.GoalFactory(child=world.child, review_date=today + timedelta(days=3))
    factories.GoalFactory(child=world.child, review_date=today + timedelta(days=30))
    factories.GoalFactory(
        child=world.child, review_date=today + timedelta(days=2), status=GoalStatus.ACHIEVED
    )
    # Not on the caseload today: an assignment that ended, one still to
    # start, and a child who has been discharged.
    factories.CaseloadFactory(
        therapist=world.therapist,
        child=world.sibling,
        starts_on=today - timedelta(days=60),
        ends_on=today - timedelta(days=1),
    )
    factories.CaseloadFactory(
        therapist=world.therapist,
        child=factories.ChildFactory(),
        starts_on=today + timedelta(days=1),
    )
    factories.CaseloadFactory(
        therapist=world.therapist, child=factories.ChildFactory(discharged_on=today)
    )
    newcomer = factories.ChildFactory(first_name="Alys")
    factories.CaseloadFactory(therapist=world.therapist, child=newcomer)

    with django_assert_num_queries(1):
        cards = caseload(world.therapist)

    assert [card.pk for card in cards] == [newcomer.pk, world.child.pk]  # by name
    with django_assert_num_queries(0):  # everything a card shows was read with it
        shown = [
            (
                card.full_name,
                card.display_name,
                card.family.name,
                card.age,
                card.last_session_at,
                card.notes_unsigned,
                card.practice_since_last,
                card.goals_due_review,
            )
            for card in cards
        ]
    assert shown == [
        (newcomer.full_name, "Alys", newcomer.family.name, newcomer.age, None, 0, 0, 0),
        ("Yusuf Ahmed", "Yusi", "The Ahmed family", 7, last.starts_at, 1, 2, 1),
    ]
    assert caseload(world.other_therapist)[0].pk == world.other_child.pk
