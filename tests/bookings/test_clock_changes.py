"""The nights the clocks change, from the practice's side: what a family and
the diary see, and what the background work sends, when 01:00-02:00 happens
twice (31 October 2027) or not at all (28 March 2027)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from bookings import selectors
from bookings.emails import REMINDER, reminders_sweep
from bookings.models import Booking
from families.models import SummaryFrequency
from notifications.models import OutboxMessage
from portal.summaries import last_completed_period
from tests.bookings.factories import AppointmentFactory, BookingFactory, ServiceFactory
from tests.clock import london

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
LONDON = ZoneInfo("Europe/London")
FIRST_0130 = london("2027-10-31 01:30", fold=0)  # BST, 00:30 UTC
SECOND_0130 = london("2027-10-31 01:30", fold=1)  # GMT, 01:30 UTC


def _booked(world, starts_at, **service):
    appointment = AppointmentFactory(
        therapist=world.therapist,
        service=ServiceFactory(duration_minutes=30, **service),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
    )
    return BookingFactory(appointment=appointment, family=world.family, children=[world.child])


@pytest.mark.now("2027-10-25 09:00")
def test_the_two_half_past_ones_are_told_apart_by_their_zone(world, login):
    first = _booked(world, FIRST_0130)
    second = _booked(world, SECOND_0130)
    client = login(world.parent)
    first_page = client.get(reverse("bookings:booking_detail", args=[first.pk])).text
    second_page = client.get(reverse("bookings:booking_detail", args=[second.pk])).text
    assert "Sunday 31 October 2027, 01:30 BST" in first_page
    assert "Sunday 31 October 2027, 01:30 GMT" in second_page
    listed = client.get(reverse("bookings:my_bookings")).text
    assert listed.index("01:30 BST") < listed.index("01:30 GMT")


@pytest.mark.now("2027-10-29 12:00")
def test_a_reminder_due_in_the_hour_that_happens_twice_goes_once(world):
    """A 2-hour reminder for 03:30 GMT is due at 01:30 GMT, the second pass of
    01:30. The beat sweeps every five minutes right through the night."""
    booking = _booked(world, london("2027-10-31 03:30"), reminder_offsets_hours=[2])
    Booking.objects.filter(pk=booking.pk).update(created_at=london("2027-10-20 12:00"))
    moment = london("2027-10-30 23:00")
    while moment <= london("2027-10-31 04:00"):
        reminders_sweep(now=moment)
        moment += timedelta(minutes=5)
    rows = OutboxMessage.objects.filter(kind=REMINDER, object_id=booking.pk)
    assert rows.count() == 1
    assert len(mail.outbox) == 1
    assert "Sunday 31 October 2027, 03:30 to 04:00 (GMT, UK time)" in mail.outbox[0].body


@pytest.mark.now("2027-10-31 01:10", fold=1)
def test_a_reminder_is_not_sent_an_hour_early_on_the_first_pass(world):
    """At 01:40 BST (the first pass) a booking at 03:30 GMT is still 2 h 50 min
    away: its 2-hour reminder must wait for the second pass."""
    booking = _booked(world, london("2027-10-31 03:30"), reminder_offsets_hours=[2])
    Booking.objects.filter(pk=booking.pk).update(created_at=london("2027-10-20 12:00"))
    assert reminders_sweep(now=london("2027-10-31 01:40", fold=0)) == 0
    assert reminders_sweep(now=london("2027-10-31 01:40", fold=1)) == 1


@pytest.mark.parametrize(
    ("monday", "hours"), [(date(2027, 3, 22), 7 * 24 - 1), (date(2027, 10, 25), 7 * 24 + 1)]
)
def test_a_weekly_summary_covers_the_whole_week_of_a_clock_change(monday, hours):
    period = last_completed_period(SummaryFrequency.WEEKLY, monday + timedelta(days=7))
    start = period.start.astimezone(LONDON)
    end = period.end.astimezone(LONDON)
    assert (start.date(), start.hour) == (monday, 0)
    assert (end.date(), end.hour) == (monday + timedelta(days=7), 0)
    # (Aware datetimes in one zone subtract as wall-clock times: compare in UTC.)
    assert period.end.astimezone(UTC) - period.start.astimezone(UTC) == timedelta(hours=hours)


@pytest.mark.parametrize("monday", [date(2027, 3, 22), date(2027, 10, 25)])
def test_a_diary_week_that_holds_a_clock_change_has_seven_days(world, login, monday):
    sunday = monday + timedelta(days=6)
    late = _booked(world, datetime(sunday.year, sunday.month, sunday.day, 23, 30, tzinfo=LONDON))
    early = _booked(world, datetime(monday.year, monday.month, monday.day, 0, 15, tzinfo=LONDON))
    days = selectors.diary(first_day=monday, days=7, therapist=world.therapist)
    assert [entry["day"] for entry in days] == [monday + timedelta(days=n) for n in range(7)]
    booked = {
        entry["day"]: [item["pk"] for item in entry["items"] if item["kind"] == "appointment"]
        for entry in days
    }
    assert booked[sunday] == [late.appointment_id]
    assert booked[monday] == [early.appointment_id]
    response = login(world.therapist).get(
        reverse("bookings:diary"), {"date": sunday.isoformat(), "view": "week"}
    )
    assert response.context["first_day"] == monday
    assert len(response.context["days"]) == 7
