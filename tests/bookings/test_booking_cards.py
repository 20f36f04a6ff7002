"""What the bookings page and the home page's "Coming up" show of each
booking, and whose bookings they are: coming up soonest first, the rest
newest first, with everything a card shows read in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, Service
from bookings.permissions import bookings_visible_to
from bookings.selectors import bookings_for_caregiver, upcoming_cards_for_home
from families.models import Caregiver
from tests.bookings.factories import (
    AppointmentFactory,
    BookingFactory,
    GroupSessionFactory,
    RoomFactory,
    ServiceFactory,
    in_days,
)

pytestmark = pytest.mark.timesweep


def test_cards_of_a_family_and_of_a_grandparent_bringing_a_child(
    world, django_assert_max_num_queries
):
    world.child.preferred_name = "Yusi"
    world.child.save()
    room = RoomFactory(name="Sensory room")
    therapy = ServiceFactory(name="Therapy", parent_only=False, location=Service.Location.CLINIC)
    grandad = Caregiver.objects.get(user=world.supporting, family=world.family)
    soon = BookingFactory(
        family=world.family,
        appointment=AppointmentFactory(
            therapist=world.therapist, service=therapy, room=room, starts_at=in_days(2)
        ),
        children=[world.child, world.sibling],
        escort=grandad,
    )
    group = GroupSessionFactory(
        therapist=world.therapist,
        starts_at=in_days(5, 18),
        topic="Calmer mornings",
        service=ServiceFactory(name="Group coaching", location=Service.Location.VIDEO),
    )
    later = BookingFactory(
        family=world.family,
        appointment=None,
        group_session=group,
        status=Booking.Status.REQUESTED,
    )
    called_off = BookingFactory(
        family=world.family,
        appointment=AppointmentFactory(therapist=world.therapist, starts_at=in_days(3)),
        status=Booking.Status.CANCELLED,
    )
    last_week = BookingFactory(
        family=world.family,
        appointment=AppointmentFactory(
            therapist=world.therapist, starts_at=timezone.now() - timedelta(days=7)
        ),
        status=Booking.Status.ATTENDED,
    )
    BookingFactory(
        family=world.other_family,
        appointment=AppointmentFactory(therapist=world.other_therapist, starts_at=in_days(1)),
    )

    # The memberships, the bookings coming up and the past ones (each with
    # their children), the waitlist.
    with django_assert_max_num_queries(6):
        found = bookings_for_caregiver(world.parent)
    assert [card.pk for card in found["upcoming"]] == [soon.pk, later.pk]
    # Past, and called off: the newest first.
    assert [card.pk for card in found["past"]] == [called_off.pk, last_week.pk]
    assert found["can_book"] is True
    with django_assert_max_num_queries(0):  # everything a card shows was read with it
        first, second = found["upcoming"]
        assert first.starts == in_days(2)
        assert first.slot.service.name == "Therapy"
        assert first.slot.service.get_location_display() == "At the clinic"
        assert first.slot.room.name == "Sensory room"
        assert [child.display_name for child in first.children.all()] == ["Maryam", "Yusi"]
        assert str(first.slot.therapist) == "Nia Thomas"
        assert str(first.escort.user) == "Tariq Ahmed"
        assert first.get_status_display() == "Confirmed"
        assert second.starts == in_days(5, 18)
        assert (second.slot.service.name, second.slot.topic) == (
            "Group coaching",
            "Calmer mornings",
        )
        assert second.slot.service.get_location_display() == "By video call"
        assert second.slot.room is None and second.escort is None
        assert list(second.children.all()) == []
        assert second.get_status_display() == "Requested"
    assert found["past"][0].get_status_display() == "Cancelled"

    assert [card.pk for card in upcoming_cards_for_home(world.parent, limit=1)] == [soon.pk]
    # The grandparent sees the visit they bring a child to, and may not book.
    grandad_view = bookings_for_caregiver(world.supporting)
    assert [card.pk for card in grandad_view["upcoming"]] == [soon.pk]
    assert grandad_view["past"] == [] and grandad_view["can_book"] is False
    # The nanny, with whom the family shares Maryam's bookings, sees the
    # visit (Maryam's too) and may not book either; Nani, with goals only, nothing.
    nanny_view = bookings_for_caregiver(world.supporting_unlinked)
    assert [card.pk for card in nanny_view["upcoming"]] == [soon.pk]
    assert nanny_view["can_book"] is False
    assert bookings_for_caregiver(world.supporting_goals_only)["upcoming"] == []


def test_cards_are_the_bookings_the_policy_shows_every_caregiver(world):
    """The cards are built on who sees a booking
    (bookings.permissions.bookings_visible_to), for every kind of caregiver."""
    grandad = Caregiver.objects.get(user=world.supporting, family=world.family)
    nanny = Caregiver.objects.get(user=world.supporting_unlinked, family=world.family)
    for days, escort in ((1, grandad), (2, None), (-3, nanny), (-9, None)):
        BookingFactory(
            family=world.family,
            appointment=AppointmentFactory(
                therapist=world.therapist,
                starts_at=in_days(days) if days > 0 else timezone.now() + timedelta(days=days),
            ),
            children=[world.child],
            escort=escort,
        )
    BookingFactory(
        family=world.other_family,
        appointment=AppointmentFactory(therapist=world.other_therapist, starts_at=in_days(4)),
    )
    for user in (world.parent, world.other_parent, world.supporting, world.supporting_unlinked):
        found = bookings_for_caregiver(user)
        cards = {card.pk for card in found["upcoming"] + found["past"]}
        assert cards == set(bookings_visible_to(user).values_list("pk", flat=True)), user
        assert cards, user
