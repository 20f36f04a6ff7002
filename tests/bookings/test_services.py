"""Booking, moving, cancelling, attendance and waitlists, through the services."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings import services
from bookings.models import Appointment, Booking, WaitlistEntry
from families.models import Caregiver
from tests.bookings.factories import (
    AvailabilityFactory,
    GroupSessionFactory,
    RoomFactory,
    ServiceFactory,
    in_days,
)
from tests.factories import CaregiverFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timesweep]


@pytest.fixture
def therapy(world):
    """A 1:1 therapy service and the world's therapist working every day 9-17."""
    service = ServiceFactory(
        kind="therapy", parent_only=False, bookable_online=False, buffer_minutes=15
    )
    for weekday in range(7):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday)
    return service


def _book(world, service, starts_at, **kwargs):
    kwargs.setdefault("family", world.family)
    kwargs.setdefault("children", [world.child])
    kwargs.setdefault("by", world.admin)
    return services.appointment_book(
        service=service, therapist=world.therapist, starts_at=starts_at, **kwargs
    )


def test_admin_books_siblings_into_one_family_visit_with_an_escort(
    world, therapy, django_capture_on_commit_callbacks
):
    nanny = Caregiver.objects.get(user=world.supporting_unlinked)
    nanny.children.add(world.child)
    with django_capture_on_commit_callbacks(execute=True):
        booking = _book(
            world, therapy, in_days(3), children=[world.child, world.sibling], escort=nanny
        )
    assert booking.status == Booking.Status.CONFIRMED
    assert set(booking.children.all()) == {world.child, world.sibling}
    assert booking.appointment.ends_at - booking.appointment.starts_at == timedelta(hours=1)
    # The parent and the nanny bringing the children hear about it.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.parent.email, world.supporting_unlinked.email]
    )
    assert all("needs" not in m.body for m in mail.outbox)


def test_escort_must_be_linked_to_the_children(world, therapy):
    nanny = Caregiver.objects.get(user=world.supporting_unlinked)  # linked to sibling only
    with pytest.raises(ValidationError) as error:
        _book(world, therapy, in_days(3), children=[world.child], escort=nanny)
    assert "escort" in error.value.message_dict
    other = CaregiverFactory(family=world.other_family)
    with pytest.raises(ValidationError):
        _book(world, therapy, in_days(3), escort=other)


def test_overlaps_and_buffers_are_refused(world, therapy):
    start = in_days(3, 10)
    _book(world, therapy, start)
    with pytest.raises(services.SlotTaken):
        _book(
            world,
            therapy,
            start + timedelta(minutes=30),
            family=world.other_family,
            children=[world.other_child],
        )
    # The 15-minute buffer after 10:00-11:00 keeps 11:00 free for tidying up.
    with pytest.raises(services.SlotTaken):
        _book(world, therapy, start + timedelta(hours=1), children=[world.sibling])
    _book(world, therapy, start + timedelta(minutes=75), children=[world.sibling])


def test_outside_working_hours_and_during_leave_are_refused(world, therapy):
    with pytest.raises(ValidationError, match="does not work"):
        _book(world, therapy, in_days(3, 20))
    start = in_days(4, 9)
    services.AvailabilityException.objects.create(
        therapist=world.therapist, starts_at=start, ends_at=start + timedelta(hours=8)
    )
    with pytest.raises(services.SlotTaken):
        _book(world, therapy, in_days(4, 11))


def test_a_room_is_not_double_used(world, therapy):
    room = RoomFactory()
    AvailabilityFactory(therapist=world.other_therapist, weekday=in_days(3).weekday())
    _book(world, therapy, in_days(3, 10), room=room)
    with pytest.raises(ValidationError, match="already in use"):
        services.appointment_book(
            service=therapy,
            therapist=world.other_therapist,
            starts_at=in_days(3, 10),
            family=world.other_family,
            children=[world.other_child],
            room=room,
            by=world.admin,
        )


def test_supporting_caregivers_cannot_book_and_families_only_book_online_services(world, therapy):
    with pytest.raises(ValidationError, match="Only a parent"):
        _book(world, therapy, in_days(3), by=world.supporting)
    with pytest.raises(ValidationError, match="call the practice"):
        _book(world, therapy, in_days(3), by=world.parent)
    with pytest.raises(ValidationError, match="Only a parent"):
        _book(world, therapy, in_days(3), by=world.other_parent)


def test_families_keep_to_the_notice_to_book_and_to_cancel(world, therapy, settings):
    settings.PRACTICE_PHONE = "01632 000 111"
    therapy.bookable_online = True
    therapy.save()
    soon = timezone.localtime() + timedelta(hours=3)
    with pytest.raises(services.TooLate):
        _book(world, therapy, soon, by=world.parent)
    booking = _book(world, therapy, in_days(2, 12), by=world.parent)
    Appointment.objects.filter(pk=booking.appointment_id).update(
        starts_at=timezone.now() + timedelta(hours=5),
        ends_at=timezone.now() + timedelta(hours=6),
    )
    booking.refresh_from_db()
    with pytest.raises(services.TooLate, match="01632 000 111"):
        services.booking_cancel(booking=booking, by=world.parent)
    # The practice can always cancel.
    services.booking_cancel(booking=booking, by=world.admin, reason="Therapist unwell")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.appointment.status == Appointment.Status.CANCELLED


def test_move_cancel_and_attendance(world, therapy):
    booking = _book(world, therapy, in_days(3, 10))
    appointment = booking.appointment
    services.appointment_move(appointment=appointment, starts_at=in_days(3, 14), by=world.admin)
    appointment.refresh_from_db()
    assert timezone.localtime(appointment.starts_at).hour == 14
    # The old time is free again.
    _book(world, therapy, in_days(3, 10), family=world.other_family, children=[world.other_child])
    with pytest.raises(ValidationError, match="once the appointment starts"):
        services.appointment_record_attendance(
            appointment=appointment, outcome="attended", by=world.admin
        )
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - timedelta(hours=2), ends_at=timezone.now() - timedelta(hours=1)
    )
    appointment.refresh_from_db()
    attendance = services.appointment_record_attendance(
        appointment=appointment, outcome="attended", by=world.therapist
    )
    assert attendance.appointment == appointment
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ATTENDED
    services.appointment_record_attendance(
        appointment=appointment, outcome="no_show", by=world.admin
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    services.appointment_cancel(appointment=appointment, reason="Entered twice", by=world.admin)
    with pytest.raises(ValidationError):
        services.appointment_cancel(appointment=appointment, reason="again", by=world.admin)


def _families(count):
    return [(c.family, c.user) for c in CaregiverFactory.create_batch(count)]


def test_a_full_group_offers_the_waitlist_in_turn(world, django_capture_on_commit_callbacks):
    group = GroupSessionFactory(capacity=1)
    (first, first_parent), (second, second_parent), (third, third_parent) = _families(3)
    taken = services.group_place_book(group_session=group, family=first, by=first_parent)
    with pytest.raises(services.GroupFull, match="full — join the waitlist"):
        services.group_place_book(group_session=group, family=second, by=second_parent)
    with pytest.raises(ValidationError, match="already has a place"):
        services.group_place_book(group_session=group, family=first, by=first_parent)
    second_entry = services.waitlist_join(group_session=group, family=second, by=second_parent)
    third_entry = services.waitlist_join(group_session=group, family=third, by=third_parent)
    assert (second_entry.position, third_entry.position) == (1, 2)
    with pytest.raises(ValidationError, match="already on the waitlist"):
        services.waitlist_join(group_session=group, family=third, by=third_parent)

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking=taken, by=first_parent)
    second_entry.refresh_from_db()
    assert second_entry.status == WaitlistEntry.Status.OFFERED
    assert second_entry.offer_expires_at > timezone.now() + timedelta(hours=23)
    offers = [m for m in mail.outbox if m.subject.startswith("A place has come up")]
    assert [m.to for m in offers] == [[second_parent.email]]
    assert "held for you until" in offers[0].body
    cancelled = [m for m in mail.outbox if m.subject.startswith("Cancelled")]
    assert [m.to for m in cancelled] == [[first_parent.email]]
    mail.outbox.clear()

    # The offered place is held: the third family cannot take it meanwhile.
    with pytest.raises(services.GroupFull):
        services.group_place_book(group_session=group, family=third, by=third_parent)

    # The offer lapses; the sweep passes it on to the next family, once.
    WaitlistEntry.objects.filter(pk=second_entry.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.waitlist_sweep() == 1
        assert services.waitlist_sweep() == 0
    second_entry.refresh_from_db()
    third_entry.refresh_from_db()
    assert second_entry.status == WaitlistEntry.Status.EXPIRED
    assert third_entry.status == WaitlistEntry.Status.OFFERED
    # The second family hears their offer ended, the third gets the place.
    assert sorted((m.to[0], m.subject.split(":")[0]) for m in mail.outbox) == sorted(
        [
            (second_parent.email, "The place we held has gone"),
            (third_parent.email, "A place has come up"),
        ]
    )

    with pytest.raises(ValidationError, match="offer has ended"):
        services.waitlist_accept(entry=second_entry, by=second_parent)
    booking = services.waitlist_accept(entry=third_entry, by=third_parent)
    third_entry.refresh_from_db()
    assert booking.group_session == group
    assert third_entry.status == WaitlistEntry.Status.ACCEPTED


def test_admin_reorders_the_waitlist(world):
    group = GroupSessionFactory(capacity=1)
    (first, first_parent), *others = _families(4)
    services.group_place_book(group_session=group, family=first, by=first_parent)
    entries = [
        services.waitlist_join(group_session=group, family=family, by=parent)
        for family, parent in others
    ]
    services.waitlist_move(entry=entries[2], up=True)
    services.waitlist_move(entry=entries[0], up=False)
    order = list(group.waitlist.order_by("position").values_list("pk", flat=True))
    assert order == [entries[2].pk, entries[0].pk, entries[1].pk]


def test_cannot_join_the_waitlist_while_places_are_free(world):
    group = GroupSessionFactory(capacity=2)
    with pytest.raises(ValidationError, match="place free"):
        services.waitlist_join(group_session=group, family=world.family, by=world.parent)


def test_group_session_create_checks_the_therapists_diary(world, therapy):
    from tests.bookings.factories import GroupServiceFactory

    booking = _book(world, therapy, in_days(3, 10))
    group_service = GroupServiceFactory()
    with pytest.raises(ValidationError, match="already busy"):
        services.group_session_create(
            service=group_service,
            therapist=world.therapist,
            starts_at=booking.appointment.starts_at,
            topic="Sleep",
            by=world.admin,
        )
    group = services.group_session_create(
        service=group_service,
        therapist=world.therapist,
        starts_at=in_days(3, 14),
        topic="Sleep",
        by=world.admin,
    )
    assert group.capacity == group_service.capacity
    # And the group now fills that time in the therapist's diary.
    with pytest.raises(services.SlotTaken):
        _book(world, therapy, in_days(3, 14))


def test_cancelling_a_group_cancels_every_place_and_closes_the_waitlist(world):
    group = GroupSessionFactory(capacity=1)
    services.group_place_book(group_session=group, family=world.family, by=world.parent)
    entry = services.waitlist_join(
        group_session=group, family=world.other_family, by=world.other_parent
    )
    services.group_session_cancel(group_session=group, reason="Therapist unwell", by=world.admin)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WITHDRAWN
    assert group.bookings.get().status == Booking.Status.CANCELLED
    with pytest.raises(ValidationError, match="cancelled"):
        services.group_place_book(group_session=group, family=world.other_family, by=world.admin)
    with pytest.raises(ValidationError, match="already cancelled"):
        services.group_session_cancel(group_session=group, reason="again", by=world.admin)


def test_place_in_line_closes_the_gaps(world):
    from bookings.selectors import waitlist_entry_for

    group = GroupSessionFactory(capacity=1)
    (first, first_parent), *others = _families(4)
    services.group_place_book(group_session=group, family=first, by=first_parent)
    entries = [
        services.waitlist_join(group_session=group, family=family, by=parent)
        for family, parent in others
    ]
    services.waitlist_leave(entry=entries[0], by=others[0][1])
    assert waitlist_entry_for(group, others[1][0]).place == 1
    assert waitlist_entry_for(group, others[2][0]).place == 2
    assert waitlist_entry_for(group, others[0][0]) is None


def test_reminders_go_to_primaries_who_want_them_and_to_the_escort(world, therapy):
    from bookings.selectors import reminder_recipients

    nanny = Caregiver.objects.get(user=world.supporting_unlinked)
    booking = _book(world, therapy, in_days(3), children=[world.sibling], escort=nanny)
    assert set(reminder_recipients(booking)) == {world.parent.email, nanny.user.email}
    Caregiver.objects.filter(user=world.parent).update(receives_reminders=False)
    assert reminder_recipients(booking) == [nanny.user.email]
