"""Booking on a phone: times on the service's grid, the strip of days that
have a free time, the child's own therapist first, in person or by video, and
the confirmation with its calendar file."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bookings import selectors, slots
from bookings.forms import slot_choice
from bookings.models import Booking, Service
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    BookingFactory,
    ServiceFactory,
    in_days,
)
from tests.clock import london
from tests.factories import CaseloadFactory, TherapistFactory

pytestmark = pytest.mark.timesweep

GRID = timedelta(minutes=30)


def _local(found: list[slots.Slot]) -> list[str]:
    return [slot.local_start.strftime("%H:%M %Z") for slot in found]


def _grid_slots(day: date, start: time, end: time, **kwargs) -> list[slots.Slot]:
    return slots.free_slots(
        windows=slots.windows_on(day, [slots.Hours(day.weekday(), start, end)]),
        busy=kwargs.pop("busy", []),
        duration=kwargs.pop("duration", timedelta(minutes=45)),
        grid=GRID,
        **kwargs,
    )


# --- The grid (pure functions) ------------------------------------------------------


def test_times_start_on_the_hour_and_half_hour_however_the_hours_and_bookings_fall():
    day = date(2027, 6, 9)
    # Hours from 09:15; a 45-minute call: 09:30, then 10:30 (not 10:15).
    assert _local(_grid_slots(day, time(9, 15), time(12))) == ["09:30 BST", "10:30 BST"]
    # Something busy until 10:20 moves the next time on to 10:30, not 10:20.
    busy = [(london("2027-06-09 09:00"), london("2027-06-09 10:20"))]
    assert _local(_grid_slots(day, time(9), time(12), busy=busy)) == ["10:30 BST"]
    # The notice to book ends at 09:07: the first time is 09:30.
    found = _grid_slots(day, time(9), time(12), not_before=london("2027-06-09 09:07"))
    assert _local(found)[0] == "09:30 BST"


def test_the_grid_holds_across_the_night_the_clocks_go_forward():
    # 28 March 2027: at 01:00 GMT the clocks jump to 02:00 BST.
    day = date(2027, 3, 28)
    found = _grid_slots(day, time(0), time(5), duration=timedelta(minutes=30))
    assert _local(found) == [
        "00:00 GMT",
        "00:30 GMT",
        "02:00 BST",
        "02:30 BST",
        "03:00 BST",
        "03:30 BST",
        "04:00 BST",
        "04:30 BST",
    ]
    # Every one lasts 30 real minutes, and none starts in the hour that is skipped.
    assert all(slot.ends_at - slot.starts_at == timedelta(minutes=30) for slot in found)
    # The Monday after, in BST, the grid is still on the local hour.
    monday = date(2027, 3, 29)
    assert _local(_grid_slots(monday, time(9), time(11)))[:2] == ["09:00 BST", "10:00 BST"]


def test_on_grid_leaves_a_time_on_the_grid_where_it_is():
    moment = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 02:30 BST
    assert slots.on_grid(moment, GRID) == moment
    assert slots.on_grid(moment + timedelta(seconds=1), GRID) == moment + GRID


# --- The day strip and the therapist filter (selectors) ------------------------------------


@pytest.fixture
def coaching(world):
    """A consultation families may have either way, 45 minutes on the half
    hour; the world's therapist (the child's lead) works Sundays and Mondays
    09:00-12:00, another therapist every day."""
    service = ServiceFactory(
        name="Parent coaching consultation",
        duration_minutes=45,
        location=Service.Location.EITHER,
        slot_grid_minutes=30,
    )
    for weekday in (6, 0):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday, ends_at=time(12))
    for weekday in range(7):
        AvailabilityFactory(therapist=world.other_therapist, weekday=weekday)
    return service


@pytest.mark.django_db
@pytest.mark.now("2027-03-24 10:00")
def test_the_strip_shows_only_days_with_a_free_time_across_the_clock_change(world, coaching):
    # Monday 29 March is booked up.
    AppointmentFactory(
        therapist=world.therapist,
        service=coaching,
        starts_at=london("2027-03-29 09:00"),
        ends_at=london("2027-03-29 12:00"),
    )
    times = selectors.family_times(service=coaching, people=[world.therapist], day=None)
    days = [day for day, _ in times.strip]
    assert days[:4] == [date(2027, 3, 28), date(2027, 4, 4), date(2027, 4, 5), date(2027, 4, 11)]
    assert all(day.weekday() in (6, 0) for day in days)
    assert date(2027, 3, 29) not in days
    # The first day is shown: Sunday of the clock change, its times in BST.
    assert times.day == date(2027, 3, 28)
    assert _local([slot for _, slot in times.times]) == ["09:00 BST", "10:00 BST", "11:00 BST"]
    assert dict(times.strip)[date(2027, 3, 28)] == 3
    # A day with no free time asked for by its address shows the first that has one.
    asked = selectors.family_times(
        service=coaching, people=[world.therapist], day=date(2027, 3, 29)
    )
    assert asked.day == date(2027, 3, 28)


@pytest.mark.django_db
def test_the_strip_keeps_to_the_notice_to_book_and_four_weeks(world, coaching):
    times = selectors.family_times(service=coaching, people=[world.other_therapist], day=None)
    now = timezone.now()
    starts = [slot.starts_at for _, slot in times.times]
    assert starts and min(starts) >= now + timedelta(hours=coaching.book_notice_hours)
    assert len(times.strip) <= selectors.STRIP_DAYS
    assert all(slot.starts_at.minute in (0, 30) for _, slot in times.times)


@pytest.mark.django_db
def test_the_lead_therapist_of_each_child(world):
    covering = TherapistFactory()
    CaseloadFactory(therapist=covering, child=world.child, kind="covering")
    leads = selectors.lead_therapists(world.family)
    assert leads == {world.child.pk: world.therapist}


# --- The page ---------------------------------------------------------------------------


def _page(client, service, **query):
    return client.get(reverse("bookings:book_service", args=[service.pk]), query)


@pytest.mark.django_db
def test_the_page_starts_with_the_childs_own_therapist_and_can_show_everyone(
    world, coaching, login
):
    client = login(world.parent)
    page = _page(client, coaching)
    assert page.status_code == 200
    text = page.text
    assert 'class="day-strip' in text and 'aria-current="date"' in text
    assert f"{world.child.first_name}&#x27;s therapist, {world.therapist}" in text
    # Only the lead therapist's times: no "with" after each.
    assert str(world.other_therapist) not in text
    everyone = _page(client, coaching, therapist="all").text
    assert f"with {world.other_therapist}" in everyone
    # A link to every day of the strip, each a plain link (no script needed)
    # that opens the page at the day's times.
    days = re.findall(r'href="\?[^"]*day=(\d{4}-\d\d-\d\d)#times-heading"', text)
    assert days and len(days) == len(set(days))


@pytest.mark.django_db
def test_with_no_free_time_the_page_says_so_kindly(world, login):
    service = ServiceFactory()
    page = _page(login(world.parent), service)
    assert "No free times with this therapist in the next four weeks" in page.text
    assert "Any therapist" in page.text


@pytest.mark.django_db
def test_the_page_reads_the_same_number_of_queries_however_full_the_diary(
    world, coaching, login, django_assert_max_num_queries
):
    client = login(world.parent)
    _page(client, coaching, therapist="all")  # sessions, caches: warmed
    with CaptureQueriesContext(connection) as few:
        _page(client, coaching, therapist="all")
    # Four weeks of the other therapist's diary booked every other hour.
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    for n in range(28):
        for hour in (0, 2, 4, 6):
            starts = start + timedelta(days=n + 2, hours=hour)
            AppointmentFactory(
                therapist=world.other_therapist,
                service=coaching,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=45),
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = _page(client, coaching, therapist="all")
    assert page.status_code == 200
    # 13 with the practice's closures (one query: no times on a closed day),
    # and the menu's count of messages waiting.
    assert len(few.captured_queries) <= 14


@pytest.mark.django_db
def test_a_video_consultation_for_a_named_child_is_booked_from_the_strip(
    world, coaching, login, django_capture_on_commit_callbacks, settings
):
    settings.JITSI_BASE_URL = "https://meet.practice.example"
    client = login(world.parent)
    times = selectors.family_times(service=coaching, people=[world.therapist], day=None)
    therapist, slot = times.times[0]
    value = slot_choice(therapist, slot)[0]
    confirm = _page(client, coaching, slot=value)
    assert "Confirm your booking" in confirm.text
    assert "In person or by video?" in confirm.text
    assert "Which child is it about?" in confirm.text

    # Forgetting to say how: the page says so by the question, the child stays chosen.
    url = reverse("bookings:book_service", args=[coaching.pk]) + f"?slot={value}"
    again = client.post(url, {"slot": value, "children": [world.child.pk]})
    assert again.status_code == 200
    assert "Choose whether you&#x27;ll come in or join by video." in again.text
    assert re.search(rf'value="{world.child.pk}"[^>]*checked', again.text)

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"slot": value, "children": [world.child.pk], "where": "video"})
    booking = Booking.objects.get(family=world.family)
    assert done["Location"] == reverse("bookings:booking_detail", args=[booking.pk])
    appointment = booking.appointment
    assert appointment.by_video and appointment.room is None
    assert len(appointment.video_room) >= 40
    assert list(booking.children.all()) == [world.child]

    confirmation = next(m for m in mail.outbox if m.to == [world.parent.email])
    assert appointment.video_room not in confirmation.subject
    assert appointment.video_room not in confirmation.body
    join = reverse("bookings:booking_video", args=[booking.pk])
    assert join in confirmation.body
    [(name, data, mimetype)] = confirmation.attachments
    assert (name, mimetype) == ("appointment.ics", "text/calendar")
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    assert event.decoded("dtstart") == appointment.starts_at
    assert event.decoded("dtend") == appointment.ends_at
    # The plain wording (the family did not choose the detailed one), no room.
    assert str(event["summary"]) == f"Appointment at {settings.PRACTICE_NAME}"
    assert str(event["location"]) == "Video call"
    # Django hands a text/* attachment over as text.
    assert appointment.video_room not in (data if isinstance(data, str) else data.decode())
    assert join in str(event["description"])

    detail = client.get(done["Location"]).text
    assert "The link appears here 15 minutes before the start" in detail
    assert appointment.video_room not in detail
    ics = client.get(reverse("bookings:booking_ics", args=[booking.pk]))
    assert ics["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in ics.content


@pytest.mark.django_db
def test_in_person_takes_the_therapists_room_and_gets_no_call(
    world, coaching, login, django_capture_on_commit_callbacks
):
    client = login(world.parent)
    times = selectors.family_times(service=coaching, people=[world.therapist], day=None)
    value = slot_choice(*times.times[0])[0]
    url = reverse("bookings:book_service", args=[coaching.pk]) + f"?slot={value}"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"slot": value, "children": [world.child.pk], "where": "clinic"})
    appointment = Booking.objects.get(family=world.family).appointment
    assert not appointment.by_video and appointment.video_room == ""
    assert "Video call" not in client.get(reverse("bookings:my_bookings")).text


@pytest.mark.django_db
def test_a_clinic_only_service_asks_nothing_about_video(world, login):
    service = ServiceFactory(location=Service.Location.CLINIC)
    AvailabilityFactory(therapist=world.therapist, weekday=0)
    AvailabilityFactory(therapist=world.therapist, weekday=3)
    times = selectors.family_times(service=service, people=[world.therapist], day=None)
    value = slot_choice(*times.times[0])[0]
    confirm = _page(login(world.parent), service, slot=value)
    assert "In person or by video?" not in confirm.text


@pytest.mark.django_db
def test_a_time_off_the_grid_is_refused(world, coaching, login):
    times = selectors.family_times(service=coaching, people=[world.therapist], day=None)
    therapist, slot = times.times[0]
    off = slots.Slot(slot.starts_at + timedelta(minutes=10), slot.ends_at)
    response = _page(login(world.parent), coaching, slot=slot_choice(therapist, off)[0])
    assert "no longer free" in response.text
    assert "Confirm your booking" not in response.text


@pytest.mark.django_db
def test_cards_and_the_booking_page_say_how_the_family_chose_to_come(
    world, coaching, login, django_assert_max_num_queries, settings
):
    settings.JITSI_BASE_URL = "https://meet.practice.example"
    by_video = BookingFactory(
        family=world.family,
        children=[world.child],
        appointment=AppointmentFactory(
            therapist=world.therapist,
            service=coaching,
            starts_at=in_days(3, 10),
            ends_at=in_days(3, 10) + timedelta(minutes=45),
            by_video=True,
            video_room="a" * 43,
        ),
    )
    BookingFactory(
        family=world.family,
        children=[world.child],
        appointment=AppointmentFactory(
            therapist=world.therapist,
            service=coaching,
            starts_at=in_days(4, 10),
            ends_at=in_days(4, 10) + timedelta(minutes=45),
        ),
    )
    found = selectors.bookings_for_caregiver(world.parent)
    with django_assert_max_num_queries(0):  # read with the cards
        assert [card.slot.by_video for card in found["upcoming"]] == [True, False]
    client = login(world.parent)
    cards = client.get(reverse("bookings:my_bookings")).text
    assert "By video call" in cards and "At the clinic" in cards
    assert "At the clinic or by video call" not in cards
    # The booking's page: the same queries whatever it shows of the call.
    detail = reverse("bookings:booking_detail", args=[by_video.pk])
    client.get(detail)
    with django_assert_max_num_queries(9):
        page = client.get(detail)
    assert "Video call" in page.text and "a" * 43 not in page.text
