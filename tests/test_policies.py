"""The policy querysets of each entity (`<things>_for(user)`), and their
answers for many memberships at once (`seen_through`), which the weekly
summaries use: both come from one rule per entity, so they must agree."""

import pytest

from bookings.models import Booking
from bookings.permissions import bookings_seen_through, bookings_visible_to
from families.models import Caregiver, Child, SupportingLink
from families.permissions import children_for, memberships_seeing_child, seen_through
from goals.permissions import goals_for, practice_logs_for, strategies_for, wins_for
from sessions_app.models import TherapySession
from sessions_app.permissions import sessions_for, sessions_seen_through
from tests.bookings.factories import BookingFactory
from tests.factories import GoalFactory, HomeStrategyFactory, PracticeLogFactory, WinFactory
from tests.sessions_app.factories import SessionFactory


def _membership(world, user):
    return Caregiver.objects.get(user=user, family=world.family)


@pytest.fixture
def sessions(world):
    grandad = _membership(world, world.supporting)
    return {
        "attended": SessionFactory(
            child=world.child,
            therapist=world.therapist,
            caregivers=[grandad, _membership(world, world.supporting_goals_only)],
        ),
        "not_attended": SessionFactory(child=world.child, therapist=world.therapist),
        "sibling": SessionFactory(child=world.sibling, therapist=world.therapist),
        "about_child": SessionFactory(
            child=None,
            family=world.family,
            therapist=world.therapist,
            child_attended=False,
            about=[world.child],
            caregivers=[grandad],
        ),
        "about_sibling": SessionFactory(
            child=None,
            family=world.family,
            therapist=world.therapist,
            child_attended=False,
            about=[world.sibling],
            caregivers=[grandad],
        ),
        "other_family": SessionFactory(child=world.other_child, therapist=world.other_therapist),
    }


def _seen(user, sessions) -> set[str]:
    ids = set(sessions_for(user).values_list("pk", flat=True))
    return {name for name, session in sessions.items() if session.pk in ids}


def test_sessions_for_each_persona(world, sessions):
    family = {"attended", "not_attended", "sibling", "about_child", "about_sibling"}
    assert _seen(world.parent, sessions) == family
    # Grandad: Yusuf's sessions are shared with him, all of them; never the
    # sibling's, even a consultation he sat in.
    assert _seen(world.supporting, sessions) == {"attended", "not_attended", "about_child"}
    # The nanny: Maryam's are shared with her.
    assert _seen(world.supporting_unlinked, sessions) == {"sibling", "about_sibling"}
    # Nani: goals and strategies only, whatever she attended.
    assert _seen(world.supporting_goals_only, sessions) == set()
    assert _seen(world.other_parent, sessions) == {"other_family"}
    # The caseload (Yusuf): not the sibling's session, nor a consultation about her.
    assert _seen(world.therapist, sessions) == {"attended", "not_attended", "about_child"}
    assert _seen(world.other_therapist, sessions) == {"other_family"}
    assert _seen(world.admin, sessions) == set(sessions)


def test_sessions_are_shared_per_child_and_at_once(world, sessions):
    nani = _membership(world, world.supporting_goals_only)
    SupportingLink.objects.filter(caregiver=nani).update(sees_sessions=True)
    assert _seen(world.supporting_goals_only, sessions) == {
        "attended",
        "not_attended",
        "about_child",
    }
    SupportingLink.objects.filter(caregiver=nani).update(sees_sessions=False)
    assert _seen(world.supporting_goals_only, sessions) == set()


def test_goals_strategies_practice_and_wins_follow_the_children_but_not_for_the_office(world):
    for child in (world.child, world.sibling, world.other_child):
        strategy = HomeStrategyFactory(child=child)
        GoalFactory(child=child)
        PracticeLogFactory(strategy=strategy, caregiver=world.parent)
        WinFactory(child=child)
    policies = (goals_for, strategies_for, practice_logs_for, wins_for)
    for user, children in [
        (world.parent, {world.child.pk, world.sibling.pk}),
        (world.supporting, {world.child.pk}),
        (world.supporting_unlinked, {world.sibling.pk}),
        (world.supporting_goals_only, {world.child.pk}),
        (world.persona("supporting_booker"), {world.child.pk}),
        (world.therapist, {world.child.pk}),
        (world.other_parent, {world.other_child.pk}),
        (world.admin, set()),
    ]:
        for policy in policies:
            assert set(policy(user).values_list("child_id", flat=True)) == children, (
                policy.__name__,
                user.email,
            )


def test_the_summaries_answers_agree_with_each_persons_pages(world, sessions):
    dana = world.persona("supporting_booker")  # books for Yusuf, so sees his bookings
    booking = BookingFactory(family=world.family, children=[world.child])
    escorted = BookingFactory(
        family=world.family,
        children=[world.child],
        escort=_membership(world, world.supporting),
    )
    for_maryam = BookingFactory(family=world.family, children=[world.sibling])
    BookingFactory(family=world.other_family, children=[world.other_child])
    memberships = list(Caregiver.objects.select_related("user"))
    ids = [m.pk for m in memberships]
    children = seen_through(Child.objects.all(), memberships_seeing_child(), ids)
    seen_sessions = sessions_seen_through(TherapySession.objects.all(), ids)
    seen_bookings = bookings_seen_through(Booking.objects.all(), ids)
    for membership in memberships:
        user = membership.user
        assert children.get(membership.pk, set()) == set(
            children_for(user).values_list("pk", flat=True)
        )
        assert seen_sessions.get(membership.pk, set()) == set(
            sessions_for(user).values_list("pk", flat=True)
        )
        assert seen_bookings.get(membership.pk, set()) == set(
            bookings_visible_to(user).values_list("pk", flat=True)
        )
    grandad = _membership(world, world.supporting)
    assert seen_bookings[grandad.pk] == {escorted.pk}
    # Maryam's bookings are shared with the nanny; nothing with Nani.
    assert seen_bookings[_membership(world, world.supporting_unlinked).pk] == {for_maryam.pk}
    assert _membership(world, world.supporting_goals_only).pk not in seen_bookings
    assert seen_bookings[_membership(world, dana).pk] == {booking.pk, escorted.pk}
    assert booking.pk in seen_bookings[_membership(world, world.parent).pk]


def test_many_memberships_cost_one_query(world, sessions, django_assert_num_queries):
    ids = list(Caregiver.objects.values_list("pk", flat=True))
    with django_assert_num_queries(1):
        sessions_seen_through(TherapySession.objects.all(), ids)
