"""The diary on a day the practice is closed and over a therapist's leave:
neither offers free time, each is drawn as a block that says so (in the time
grid and in the list, which are the same markup), and the page reads the
same number of queries however many closures and leave there are."""

import re
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings import selectors, services
from bookings.models import AvailabilityException, PracticeClosure
from bookings.slots import LONDON
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    BookingFactory,
    ServiceFactory,
)
from tests.factories import TherapistFactory

pytestmark = [pytest.mark.django_db, pytest.mark.now("2027-03-08 09:00")]

# A week in term time, away from the clocks changing: Monday to Sunday.
MONDAY = date(2027, 3, 8)
WEDNESDAY = MONDAY + timedelta(days=2)
THURSDAY = MONDAY + timedelta(days=3)
FRIDAY = MONDAY + timedelta(days=4)
BOOK = reverse("bookings:appointment_new")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def _working_week(*therapists) -> None:
    for therapist in therapists:
        for weekday in range(5):
            AvailabilityFactory(
                therapist=therapist, weekday=weekday, starts_at=time(9), ends_at=time(17)
            )


def _leave(therapist, starts_at: datetime, ends_at: datetime, reason: str = ""):
    return AvailabilityException.objects.create(
        therapist=therapist, starts_at=starts_at, ends_at=ends_at, reason=reason
    )


def _week(world, **kwargs) -> dict:
    return selectors.diary_grid(first_day=MONDAY, days=7, admin=True, **kwargs)


def _column(drawn: dict, day: date, therapist) -> dict:
    [band] = [band for band in drawn["bands"] if band["day"] == day]
    [column] = [c for c in band["columns"] if c["therapist"] == str(therapist)]
    return column


def _blocks(column: dict) -> list[tuple[str, str, str, str]]:
    return [
        (b["kind"], b["time"], b["text"], re.sub(r"^dg-b dg-\w+ ", "", b["css"]))
        for b in column["blocks"]
    ]


def _diary_page(client, **params):
    return client.get(reverse("bookings:diary"), params).text


def _day_section(html: str, day: date) -> str:
    """The markup of one day of the diary page."""
    start = html.index(f'aria-labelledby="day-{day:%Y%m%d}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_a_closed_day_offers_no_free_time_and_says_why_in_every_column(world, login):
    _working_week(world.therapist, world.other_therapist)
    PracticeClosure.objects.create(first_day=WEDNESDAY, last_day=WEDNESDAY, reason="Staff training")
    # Booked before the closure was added: still in the diary, to be moved.
    stranded = AppointmentFactory(
        therapist=world.therapist,
        starts_at=_at(WEDNESDAY, 10),
        ends_at=_at(WEDNESDAY, 11),
        service=ServiceFactory(name="Therapy", parent_only=False),
    )
    BookingFactory(appointment=stranded, family=world.family, children=[world.child])

    days = {entry["day"]: entry for entry in selectors.diary(first_day=MONDAY, days=7)}
    assert days[WEDNESDAY]["closure"] == "Staff training"
    assert [item["kind"] for item in days[WEDNESDAY]["items"]] == ["appointment"]
    assert days[THURSDAY]["closure"] is None
    assert {item["kind"] for item in days[THURSDAY]["items"]} == {"free"}

    drawn = _week(world)
    mine = _column(drawn, WEDNESDAY, world.therapist)
    # 09:00 to 17:00 is 96 rows: the closure runs down the whole column, the
    # visit still booked is drawn beside it, and no working hours are drawn.
    assert _blocks(mine) == [
        ("closed", "All day", "Practice closed \u2014 Staff training", "r0 s96 l1"),
        (
            "appointment",
            "10:00 GMT\u201311:00 GMT",
            "Therapy: The Ahmed family (Yusuf), Confirmed",
            "r12 s12 l2",
        ),
    ]
    assert mine["blocks"][0]["url"] is None
    assert mine["blocks"][0]["extra"] == f" ({world.therapist})"
    assert mine["hours"] == []
    theirs = _column(drawn, WEDNESDAY, world.other_therapist)
    assert _blocks(theirs) == [
        ("closed", "All day", "Practice closed \u2014 Staff training", "r0 s96")
    ]
    # The days around it are open as before.
    assert [b["kind"] for b in _column(drawn, THURSDAY, world.other_therapist)["blocks"]] == [
        "free"
    ]

    # The page: the closed day leads to no booking, in the grid and in the list.
    admin = login(world.admin)
    for layout in ("grid", "list"):
        html = _diary_page(admin, date=MONDAY.isoformat(), layout=layout)
        wednesday, thursday = _day_section(html, WEDNESDAY), _day_section(html, THURSDAY)
        assert wednesday.count("Practice closed \u2014 Staff training") == 2
        assert BOOK not in wednesday
        assert reverse("bookings:appointment_detail", args=[stranded.pk]) in wednesday
        assert BOOK in thursday
    day = _diary_page(admin, view="day", date=WEDNESDAY.isoformat())
    assert 'class="dg-b dg-closed r0 s96 l1"><span class="dg-t">All day</span>' in day
    assert BOOK + "?" not in day


def test_a_closure_over_several_days_and_the_booking_rules_agree(world):
    """The diary reads closures as booking does: a day it shows closed is
    a day booking refuses, and the days either side are open."""
    _working_week(world.therapist)
    PracticeClosure.objects.create(
        first_day=THURSDAY, last_day=MONDAY + timedelta(days=11), reason="Easter"
    )
    closures = services.closures_by_day(MONDAY, MONDAY + timedelta(days=6))
    assert sorted(closures) == [MONDAY + timedelta(days=n) for n in range(3, 7)]
    days = {entry["day"]: entry["closure"] for entry in selectors.diary(first_day=MONDAY, days=7)}
    assert days == {day: ("Easter" if day in closures else None) for day in days}
    service = ServiceFactory(duration_minutes=60)
    assert selectors.free_time(service=service, therapist=world.therapist, day=THURSDAY) == []
    assert selectors.free_time(service=service, therapist=world.therapist, day=WEDNESDAY)


def test_leave_is_drawn_over_the_time_it_takes_and_none_of_it_is_free(world, login):
    _working_week(world.therapist, world.other_therapist)
    _leave(world.therapist, _at(MONDAY, 12), _at(MONDAY, 14, 30), "Dentist")
    # From Wednesday afternoon to Friday lunchtime, without a reason given.
    _leave(world.therapist, _at(WEDNESDAY, 13), _at(FRIDAY, 12, 30))

    drawn = _week(world)
    assert _blocks(_column(drawn, MONDAY, world.therapist)) == [
        ("free", "09:00 GMT\u201312:00 GMT", "Free", "r0 s36"),
        ("leave", "12:00 GMT\u201314:30 GMT", "On leave \u00b7 Dentist", "r36 s30"),
        ("free", "14:30 GMT\u201317:00 GMT", "Free", "r66 s30"),
    ]
    assert _blocks(_column(drawn, WEDNESDAY, world.therapist)) == [
        ("free", "09:00 GMT\u201313:00 GMT", "Free", "r0 s48"),
        ("leave", "From 13:00 GMT", "On leave", "r48 s48"),
    ]
    # A whole day away: down the whole column (its days are still drawn
    # from 09:00 to 17:00, not stretched to the leave's midnight).
    thursday = _column(drawn, THURSDAY, world.therapist)
    assert _blocks(thursday) == [("leave", "All day", "On leave", "r0 s96")]
    assert thursday["blocks"][0]["url"] is None
    assert thursday["blocks"][0]["extra"] == f" ({world.therapist})"
    assert _blocks(_column(drawn, FRIDAY, world.therapist)) == [
        ("leave", "Until 12:30 GMT", "On leave", "r0 s42"),
        ("free", "12:30 GMT\u201317:00 GMT", "Free", "r42 s54"),
    ]
    # Their colleague's days are their own.
    assert [b["kind"] for b in _column(drawn, THURSDAY, world.other_therapist)["blocks"]] == [
        "free"
    ]
    assert all(band["rows"] == 96 for band in drawn["bands"])

    # The page, as an admin: no booking into the leave, in the grid or the list.
    admin = login(world.admin)
    for layout in ("grid", "list"):
        html = _diary_page(
            admin, date=MONDAY.isoformat(), therapist=world.therapist.pk, layout=layout
        )
        assert 'class="dg-b dg-leave r0 s96"><span class="dg-t">All day</span> On leave' in html
        assert BOOK not in _day_section(html, THURSDAY)
        assert "starts_at=2027-03-10T13:" not in html and "starts_at=2027-03-10T14" not in html
        assert "starts_at=2027-03-12T12:30" in html
    # The therapist sees their own leave in their diary.
    own = _diary_page(login(world.therapist), date=MONDAY.isoformat())
    assert "On leave \u00b7 Dentist" in own


def test_leave_on_a_closed_day_is_the_closure_alone(world):
    _working_week(world.therapist)
    PracticeClosure.objects.create(first_day=THURSDAY, last_day=THURSDAY, reason="Bank holiday")
    _leave(world.therapist, _at(WEDNESDAY, 9), _at(FRIDAY, 17), "Annual leave")
    drawn = _week(world, therapist=world.therapist)
    assert [b["kind"] for b in _column(drawn, THURSDAY, world.therapist)["blocks"]] == ["closed"]
    assert [b["kind"] for b in _column(drawn, FRIDAY, world.therapist)["blocks"]] == ["leave"]


def test_closures_and_leave_keep_the_diarys_queries_constant(world, login):
    _working_week(world.therapist, world.other_therapist)
    admin = login(world.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = admin.get(reverse("bookings:diary"), {"date": MONDAY.isoformat()})
        assert response.status_code == 200
        return len(captured)

    quiet = queries()
    for n in range(3):
        PracticeClosure.objects.create(
            first_day=MONDAY + timedelta(days=n * 2),
            last_day=MONDAY + timedelta(days=n * 2),
            reason=f"Closed {n}",
        )
    for n in range(6):
        TherapistFactory(full_name=f"Zoe Zephyr {n}")
    for therapist in (world.therapist, world.other_therapist):
        for day in (THURSDAY, FRIDAY):
            _leave(therapist, _at(day, 9), _at(day, 11), "Training")
            _leave(therapist, _at(day, 14), _at(day, 15))
    busy = queries()
    assert busy == quiet
