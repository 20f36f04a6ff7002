"""A day of the diary: what starts in it, and the free time around everything
that fills the therapist's hours, buffers and the evening before included."""

from datetime import date, time, timedelta

import pytest

from bookings.models import Appointment
from bookings.selectors import diary
from bookings.slots import local_to_utc
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    GroupSessionFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.timesweep

# A Wednesday in term time, away from the clocks changing.
DAY = date(2027, 3, 10)


def _at(hour: int, minute: int = 0, day: date = DAY):
    return local_to_utc(day, time(hour, minute))


def _items(world, *, service=None):
    [found] = diary(first_day=DAY, days=1, therapist=world.therapist, service=service)
    assert found["day"] == DAY
    return [
        (item["kind"], item["starts_at"], item["ends_at"], item.get("service"))
        for item in found["items"]
    ]


def test_free_time_is_what_appointments_groups_and_their_buffers_leave(world):
    AvailabilityFactory(
        therapist=world.therapist, weekday=DAY.weekday(), starts_at=time(8), ends_at=time(18)
    )
    therapy = ServiceFactory(name="Therapy", buffer_minutes=15, parent_only=False)
    coaching = ServiceFactory(name="Coaching", buffer_minutes=0)
    # Late the evening before, with a long buffer that runs into the morning.
    overnight = ServiceFactory(name="Home visit", buffer_minutes=10 * 60)
    AppointmentFactory(
        therapist=world.therapist,
        service=overnight,
        starts_at=_at(22, day=DAY - timedelta(days=1)),
        ends_at=_at(23, day=DAY - timedelta(days=1)),
    )
    AppointmentFactory(
        therapist=world.therapist, service=therapy, starts_at=_at(10), ends_at=_at(11)
    )
    AppointmentFactory(
        therapist=world.therapist, service=coaching, starts_at=_at(13), ends_at=_at(14)
    )
    AppointmentFactory(
        therapist=world.therapist,
        service=coaching,
        starts_at=_at(15),
        ends_at=_at(16),
        status=Appointment.Status.CANCELLED,
    )
    group = GroupSessionFactory(therapist=world.therapist, starts_at=_at(16), ends_at=_at(17))
    # Another therapist's day fills none of this one.
    AppointmentFactory(therapist=world.other_therapist, starts_at=_at(8), ends_at=_at(9))

    assert _items(world) == [
        ("free", _at(9), _at(10), None),  # from the end of last night's buffer
        ("appointment", _at(10), _at(11), "Therapy"),
        ("free", _at(11, 15), _at(13), None),  # after the 15 minutes' buffer
        ("appointment", _at(13), _at(14), "Coaching"),
        ("free", _at(14), _at(16), None),  # the cancelled visit frees its hour
        ("group", _at(16), _at(17), group.service.name),
        ("free", _at(17), _at(18), None),
    ]
    # One service shown: the others still fill the time around it.
    assert _items(world, service=coaching) == [
        ("free", _at(9), _at(10), None),
        ("free", _at(11, 15), _at(13), None),
        ("appointment", _at(13), _at(14), "Coaching"),
        ("free", _at(14), _at(16), None),
        ("free", _at(17), _at(18), None),
    ]
