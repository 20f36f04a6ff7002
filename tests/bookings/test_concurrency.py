"""Many families pressing "book" at the same moment, against PostgreSQL: the
row locks and constraints let exactly as many through as there are places."""

import threading
from datetime import time, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import User
from bookings import services
from bookings.models import Appointment, Booking
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    GroupSessionFactory,
    ServiceFactory,
    in_days,
)
from tests.factories import AdminFactory, CaregiverFactory, ChildFactory

THREADS = 20

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _parents(count: int):
    """Parents of `count` families, each family with a child to book for."""
    caregivers = CaregiverFactory.create_batch(count)
    for caregiver in caregivers:
        ChildFactory(family=caregiver.family)
    return [(c.family, c.user) for c in caregivers]


def _race(attempt, parents) -> list[str]:
    barrier = threading.Barrier(len(parents))
    results: list[str] = []
    lock = threading.Lock()

    def run(family, parent):
        try:
            barrier.wait(timeout=30)
            attempt(family, parent)
            outcome = "ok"
        except services.GroupFull:
            outcome = "full"
        except services.SlotTaken:
            outcome = "taken"
        except Exception as error:
            outcome = repr(error)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=pair) for pair in parents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_families_race_for_the_last_three_places_of_a_group():
    group = GroupSessionFactory(capacity=5)
    for family, parent in _parents(2):
        services.group_place_book(group_session=group, family=family, by=parent)

    results = _race(
        lambda family, parent: services.group_place_book(
            group_session=group, family=family, by=parent
        ),
        _parents(THREADS),
    )

    assert sorted(results) == sorted(["ok"] * 3 + ["full"] * (THREADS - 3)), results
    assert Booking.objects.filter(group_session=group, status="confirmed").count() == 5
    assert services.GROUP_FULL.startswith("This group is full — join the waitlist")


def test_twenty_families_race_for_one_slot():
    service = ServiceFactory()
    starts_at = in_days(4, 10)
    therapist = AvailabilityFactory(weekday=starts_at.weekday()).therapist

    results = _race(
        lambda family, parent: services.appointment_book(
            service=service,
            therapist=therapist,
            starts_at=starts_at,
            family=family,
            children=list(family.children.all()),
            by=parent,
        ),
        _parents(THREADS),
    )

    assert sorted(results) == sorted(["ok"] + ["taken"] * (THREADS - 1)), results
    assert Appointment.objects.filter(therapist=therapist, status="booked").count() == 1


def test_the_database_refuses_overlapping_appointments_for_a_therapist_or_room():
    first = AppointmentFactory(room=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            therapist=first.therapist,
            service=first.service,
            starts_at=first.starts_at + timedelta(minutes=30),
            ends_at=first.ends_at + timedelta(minutes=30),
        )
    from tests.bookings.factories import RoomFactory

    room = RoomFactory()
    AppointmentFactory(room=room, starts_at=first.starts_at, ends_at=first.ends_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(room=room, starts_at=first.starts_at, ends_at=first.ends_at)
    # Back to back is fine, and a cancelled appointment frees its time.
    AppointmentFactory(
        therapist=first.therapist,
        starts_at=first.ends_at,
        ends_at=first.ends_at + timedelta(hours=1),
    )
    Appointment.objects.filter(pk=first.pk).update(status=Appointment.Status.CANCELLED)
    AppointmentFactory(therapist=first.therapist, starts_at=first.starts_at, ends_at=first.ends_at)


def test_a_booking_that_waits_too_long_for_the_lock_is_told_to_try_again(monkeypatch):
    monkeypatch.setattr(services, "LOCK_TIMEOUT", "200ms")
    group = GroupSessionFactory(capacity=5)
    [(family, parent)] = _parents(1)
    locked, release = threading.Event(), threading.Event()

    def hold_the_group():
        try:
            with transaction.atomic():
                list(type(group).objects.select_for_update().filter(pk=group.pk))
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_group)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with pytest.raises(services.Busy, match="try again"):
            services.group_place_book(group_session=group, family=family, by=parent)
    finally:
        release.set()
        holder.join(timeout=10)
    assert not Booking.objects.filter(group_session=group).exists()


def test_two_series_for_the_same_times_never_double_book():
    """Two admins book a weekly series at the same times for two families at
    the same moment: one gets every visit, the other is told none is free."""
    service = ServiceFactory(duration_minutes=45)
    first = in_days(7).date()
    therapist = AvailabilityFactory(weekday=first.weekday()).therapist
    admins = AdminFactory.create_batch(2)
    families = [family for family, _ in _parents(2)]

    results = _race(
        lambda family, admin: services.series_book(
            service=service,
            therapist=therapist,
            family=family,
            children=list(family.children.all()),
            first_day=first,
            at=time(11),
            every_weeks=1,
            count=4,
            by=admin,
        ),
        list(zip(families, admins, strict=True)),
    )

    assert sorted(results) == sorted(
        ["ok", "ValidationError(['None of these visits can be booked: see the clashes.'])"]
    ), results
    assert Appointment.objects.filter(therapist=therapist, status="booked").count() == 4


def test_a_series_that_waits_too_long_for_the_diary_is_told_to_try_again(monkeypatch):
    monkeypatch.setattr(services, "LOCK_TIMEOUT", "200ms")
    service = ServiceFactory()
    first = in_days(7).date()
    therapist = AvailabilityFactory(weekday=first.weekday()).therapist
    [(family, _)] = _parents(1)
    admin = AdminFactory()
    locked, release = threading.Event(), threading.Event()

    def hold_the_diary():
        try:
            with transaction.atomic():
                list(User.objects.select_for_update().filter(pk=therapist.pk))
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_diary)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        with pytest.raises(services.Busy, match="try again"):
            services.series_book(
                service=service,
                therapist=therapist,
                family=family,
                children=list(family.children.all()),
                first_day=first,
                at=time(11),
                every_weeks=1,
                count=3,
                by=admin,
            )
    finally:
        release.set()
        holder.join(timeout=10)
    assert not Appointment.objects.filter(therapist=therapist).exists()
