"""The diary as a time grid: where each block is drawn (five-minute rows from
the top of its day, in real time, so the days the clocks change are 23 and 25
hours long), today's line, free time that starts a booking there, the toggle
to the list, the filters, who sees what, and the page's queries."""

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings import grid, selectors
from bookings.slots import LONDON, Hours
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    BookingFactory,
    GroupSessionFactory,
    ServiceFactory,
)
from tests.factories import TherapistFactory

pytestmark = pytest.mark.django_db

# A Wednesday in term time, away from the clocks changing.
DAY = date(2027, 3, 10)
SPRING_FORWARD = date(2027, 3, 28)  # 01:00 GMT becomes 02:00 BST: 23 hours
FALL_BACK = date(2027, 10, 31)  # 02:00 BST becomes 01:00 GMT: 25 hours


def _at(day: date, hour: int, minute: int = 0, *, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON, fold=fold)


def _appointment(therapist, starts_at, ends_at, **kwargs):
    return AppointmentFactory(
        therapist=therapist,
        starts_at=starts_at,
        ends_at=ends_at,
        service=kwargs.pop("service", None) or ServiceFactory(name="Therapy", parent_only=False),
        **kwargs,
    )


def _band(world, day: date, *, admin: bool = True, **kwargs) -> dict:
    drawn = selectors.diary_grid(
        first_day=day, days=1, therapist=world.therapist, admin=admin, **kwargs
    )
    [band] = drawn["bands"]
    assert band["day"] == day
    return band


def _blocks(band: dict) -> list[tuple[str, str, str]]:
    [column] = band["columns"]
    return [
        (b["kind"], b["time"], re.sub(r"^dg-b dg-\w+ ", "", b["css"])) for b in column["blocks"]
    ]


@pytest.mark.now("2027-03-10 10:30")
def test_a_day_is_drawn_to_scale_from_its_first_working_hour(world):
    AvailabilityFactory(
        therapist=world.therapist, weekday=DAY.weekday(), starts_at=time(9), ends_at=time(17)
    )
    therapy = _appointment(world.therapist, _at(DAY, 10), _at(DAY, 11))
    BookingFactory(appointment=therapy, family=world.family, children=[world.child])
    group = GroupSessionFactory(
        therapist=world.therapist, starts_at=_at(DAY, 14), ends_at=_at(DAY, 15, 30), capacity=6
    )

    band = _band(world, DAY)

    # 09:00 to 17:00: 96 rows of five minutes, an hour mark every 12.
    assert band["rows"] == 96
    assert band["css"] == "n96"
    assert [mark["label"] for mark in band["marks"]] == [f"{h:02}:00" for h in range(9, 17)]
    assert band["marks"][1]["css"] == "r12 s12"
    assert _blocks(band) == [
        ("free", "09:00 GMT\u201310:00 GMT", "r0 s12"),
        ("appointment", "10:00 GMT\u201311:00 GMT", "r12 s12"),
        ("free", "11:00 GMT\u201314:00 GMT", "r24 s36"),
        ("group", "14:00 GMT\u201315:30 GMT", "r60 s18"),
        ("free", "15:30 GMT\u201317:00 GMT", "r78 s18"),
    ]
    [column] = band["columns"]
    assert column["therapist"] == str(world.therapist)
    assert column["hours"] == ["r0 s96"]
    # Today's line, at 10:30: six rows past 10:00.
    assert column["now"] == "r18"
    therapy_block, group_block = column["blocks"][1], column["blocks"][3]
    assert therapy_block["text"] == "Therapy: The Ahmed family (Yusuf), Confirmed"
    assert therapy_block["extra"] == f" (with {world.therapist})"
    assert therapy_block["url"] == reverse("bookings:appointment_detail", args=[therapy.pk])
    assert group_block["text"].endswith("Calmer mornings · 0 of 6 booked")
    assert group_block["url"] == reverse("bookings:group_detail", args=[group.pk])


@pytest.mark.now("2027-03-09 10:30")
def test_today_s_line_is_drawn_only_on_today(world):
    AvailabilityFactory(therapist=world.therapist, weekday=DAY.weekday())
    assert _band(world, DAY)["columns"][0]["now"] is None


@pytest.mark.now("2027-03-28 03:40")
def test_the_day_the_clocks_go_forward_is_23_hours_long(world):
    AvailabilityFactory(
        therapist=world.therapist,
        weekday=SPRING_FORWARD.weekday(),
        starts_at=time(0),
        ends_at=time(5),
    )
    # Two real hours, across the hour that does not happen.
    _appointment(world.therapist, _at(SPRING_FORWARD, 0, 30), _at(SPRING_FORWARD, 3, 30))

    band = _band(world, SPRING_FORWARD)

    # 00:00 GMT to 05:00 BST is four real hours.
    assert band["rows"] == 48
    assert [mark["label"] for mark in band["marks"]] == [
        "00:00 GMT",
        "02:00 BST",
        "03:00 BST",
        "04:00 BST",
    ]
    assert _blocks(band) == [
        ("free", "00:00 GMT\u201300:30 GMT", "r0 s6"),
        ("appointment", "00:30 GMT\u201303:30 BST", "r6 s24"),
        ("free", "03:30 BST\u201305:00 BST", "r30 s18"),
    ]
    assert band["columns"][0]["hours"] == ["r0 s48"]
    assert band["columns"][0]["now"] == "r32"


@pytest.mark.now("2027-10-31 01:10", fold=1)
def test_the_day_the_clocks_go_back_is_25_hours_long(world):
    AvailabilityFactory(
        therapist=world.therapist, weekday=FALL_BACK.weekday(), starts_at=time(0), ends_at=time(4)
    )
    # 01:30 twice: once in summer time, then an hour later in winter time.
    _appointment(world.therapist, _at(FALL_BACK, 1, 30), _at(FALL_BACK, 1, 55))
    _appointment(world.therapist, _at(FALL_BACK, 1, 30, fold=1), _at(FALL_BACK, 1, 55, fold=1))

    band = _band(world, FALL_BACK)

    # 00:00 BST to 04:00 GMT is five real hours.
    assert band["rows"] == 60
    assert [mark["label"] for mark in band["marks"]] == [
        "00:00 BST",
        "01:00 BST",
        "01:00 GMT",
        "02:00 GMT",
        "03:00 GMT",
    ]
    assert _blocks(band) == [
        ("free", "00:00 BST\u201301:30 BST", "r0 s18"),
        ("appointment", "01:30 BST\u201301:55 BST", "r18 s5"),
        ("free", "01:55 BST\u201301:30 GMT", "r23 s7"),
        ("appointment", "01:30 GMT\u201301:55 GMT", "r30 s5"),
        ("free", "01:55 GMT\u201304:00 GMT", "r35 s25"),
    ]
    # 01:10 GMT, the second time the clocks show it.
    assert band["columns"][0]["now"] == "r26"


@pytest.mark.parametrize(
    ("monday", "changed"), [(date(2027, 3, 22), SPRING_FORWARD), (date(2027, 10, 25), FALL_BACK)]
)
def test_a_week_side_by_side_shows_its_own_hours_only_on_the_day_they_change(
    world, monday, changed
):
    for weekday in range(7):
        AvailabilityFactory(
            therapist=world.therapist, weekday=weekday, starts_at=time(0), ends_at=time(6)
        )
    drawn = selectors.diary_grid(first_day=monday, days=7, therapist=world.therapist)
    rows = {band["day"]: band["rows"] for band in drawn["bands"]}
    assert rows == {
        day: 72 + (-12 if day == changed and day.month == 3 else 12 if day == changed else 0)
        for day in rows
    }
    same = {band["day"] for band in drawn["bands"] if "dg-same" in band["css"]}
    assert same == set(rows) - {monday, changed}


def test_blocks_at_the_same_time_are_drawn_side_by_side(world):
    AvailabilityFactory(therapist=world.therapist, weekday=DAY.weekday())
    # A group over two appointments (the diary keeps a therapist's
    # appointments apart, not their groups from them).
    _appointment(world.therapist, _at(DAY, 10), _at(DAY, 11))
    GroupSessionFactory(therapist=world.therapist, starts_at=_at(DAY, 10, 30), ends_at=_at(DAY, 12))
    _appointment(world.therapist, _at(DAY, 11), _at(DAY, 12))
    band = _band(world, DAY)
    [column] = band["columns"]
    assert column["css"] == "lanes-2"
    lanes = [(b["time"][:5], b["css"].rsplit(" ", 1)[-1]) for b in column["blocks"]]
    assert lanes == [
        ("09:00", "s12"),  # free time, alone in its rows: the whole width
        ("10:00", "l1"),
        ("10:30", "l2"),
        ("11:00", "l1"),
        ("12:00", "s60"),  # free until 17:00
    ]


def test_a_quiet_day_is_drawn_over_office_hours(world):
    band = _band(world, DAY)
    assert band["rows"] == 120  # 08:00 to 18:00
    assert _blocks(band) == []


def test_every_position_a_day_can_take_has_its_class():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "diary.css").read_text()
    defined = set(re.findall(r"\.([rsnl]\d+)\s*\{", css))
    needed = {f"r{n}" for n in range(grid.MOST_ROWS)}
    needed |= {f"s{n}" for n in range(1, grid.MOST_ROWS + 1)}
    needed |= {f"n{n}" for n in range(1, grid.MOST_ROWS + 1)}
    needed |= {f"l{n}" for n in range(1, grid.MOST_LANES + 1)}
    assert needed <= defined
    # The grid's rules are written for the toggle's choice and for the
    # default from 768 px: the two copies agree.
    chosen, default = css.split("/* The time grid. */")[1].split("@media (min-width: 768px) {")
    default = default.split("\n}\n")[0]
    assert chosen.replace(".dg-grid", "X").strip() == default.replace(".dg-auto", "X").strip()


# --- The page ----------------------------------------------------------------------


def _diary(client, **params):
    return client.get(reverse("bookings:diary"), params)


@pytest.mark.now("2027-03-09 12:00")
def test_free_time_leads_to_booking_with_that_therapist_and_time(world, login):
    AvailabilityFactory(
        therapist=world.therapist, weekday=DAY.weekday(), starts_at=time(9), ends_at=time(17)
    )
    service = ServiceFactory(name="Therapy", duration_minutes=60)
    _appointment(world.therapist, _at(DAY, 9), _at(DAY, 10, 15), service=service)
    admin = login(world.admin)
    page = _diary(admin, view="day", date=DAY.isoformat(), therapist=world.therapist.pk)
    link = f"/diary/appointments/new/?therapist={world.therapist.pk}&amp;starts_at=2027-03-10T10:15"
    assert f'<a href="{link}">' in page.text
    assert f'Free<span class="visually-hidden"> to book with {world.therapist} from 10:15' in (
        page.text
    )

    # The booking form opens with the therapist and the day chosen, and no
    # complaint about what is still to choose.
    opened = admin.get(link.replace("&amp;", "&"))
    search = opened.context["search"]
    assert not search.is_bound
    assert search["therapist"].value() == world.therapist.pk
    assert search["date"].value() == DAY
    assert 'name="starts_at" value="2027-03-10T10:15"' in opened.text
    # Then, with the service and family, that time is the one chosen.
    chosen = admin.get(
        reverse("bookings:appointment_new"),
        {
            "service": service.pk,
            "therapist": world.therapist.pk,
            "family": world.family.pk,
            "starts_at": "2027-03-10T10:15",
        },
    )
    form = chosen.context["form"]
    assert chosen.context["search"].cleaned_data["date"] == DAY
    # The practice books any free start: the time clicked is the one filled in.
    assert form["start_time"].value() == "10:15"
    assert re.search(r'name="start_time"[^>]*value="10:15"', chosen.text)
    # A time someone edited into nonsense opens the form all the same.
    edited = admin.get(reverse("bookings:appointment_new"), {"starts_at": "soon", "therapist": "x"})
    assert edited.status_code == 200 and not edited.context["search"].is_bound


def test_a_therapist_sees_only_their_own_diary_and_books_nothing_from_it(world, login):
    AvailabilityFactory(therapist=world.therapist, weekday=DAY.weekday())
    AvailabilityFactory(therapist=world.other_therapist, weekday=DAY.weekday())
    mine = _appointment(world.therapist, _at(DAY, 10), _at(DAY, 11))
    theirs = _appointment(world.other_therapist, _at(DAY, 10), _at(DAY, 11))
    BookingFactory(appointment=mine, family=world.family)
    BookingFactory(appointment=theirs, family=world.other_family)
    group = GroupSessionFactory(therapist=world.therapist, starts_at=_at(DAY, 15))

    own = _diary(
        login(world.therapist), view="day", date=DAY.isoformat(), therapist=world.other_therapist.pk
    )
    assert [c["therapist"] for c in own.context["bands"][0]["columns"]] == [str(world.therapist)]
    assert world.family.name in own.text and world.other_family.name not in own.text
    assert reverse("bookings:appointment_new") not in own.text
    assert reverse("bookings:group_detail", args=[group.pk]) not in own.text
    assert 'Free<span class="visually-hidden"> time of' in own.text

    practice = _diary(login(world.admin), view="day", date=DAY.isoformat())
    columns = [c["therapist"] for c in practice.context["bands"][0]["columns"]]
    assert columns == sorted([str(world.therapist), str(world.other_therapist)])
    assert world.family.name in practice.text and world.other_family.name in practice.text


def test_the_layout_toggle_keeps_the_day_and_filters(world, login):
    admin = login(world.admin)
    default = _diary(admin, view="day", date=DAY.isoformat())
    # Neither chosen: the style sheet draws the grid from 768 px, the list below.
    assert 'class="dg dg-auto dg-day' in default.text
    assert "aria-current" not in default.text.split('aria-label="Diary layout"')[1][:400]
    listed = _diary(
        admin, **dict(p.split("=") for p in default.context["layouts"]["list"].split("&"))
    )
    assert listed.context["first_day"] == DAY and listed.context["mode"] == "day"
    assert 'class="dg dg-list dg-day' in listed.text
    assert re.search(r'class="[^"]*dg-to-list" href="[^"]*" aria-current="page">List<', listed.text)
    # The choice travels with the filters, the dates and the therapists' pages.
    assert '<input type="hidden" name="layout" value="list">' in listed.text
    assert "layout=list" in listed.context["following"]
    gridded = _diary(admin, view="day", date=DAY.isoformat(), layout="grid")
    assert 'class="dg dg-grid dg-day' in gridded.text
    assert 'class="dg dg-auto' in _diary(admin, layout="sideways").text


def test_a_filter_that_is_wrong_keeps_the_rest(world, login):
    response = _diary(
        login(world.admin),
        view="day",
        date=DAY.isoformat(),
        therapist="999999",
        service="nonsense",
        layout="list",
    )
    assert response.context["first_day"] == DAY and response.context["mode"] == "day"
    assert response.context["layout"] == "list"
    # Shown with crispy-bootstrap5: the ignored fields marked and explained.
    assert 'class="form-select is-invalid"' in response.text
    assert "The diary is shown without it." in response.text


def test_the_grid_runs_the_same_queries_for_a_busy_practice(world, login):
    for therapist in (world.therapist, world.other_therapist):
        for weekday in range(5):
            AvailabilityFactory(therapist=therapist, weekday=weekday)
    monday = DAY - timedelta(days=DAY.weekday())

    admin = login(world.admin)
    # Groups are counted only in weeks that hold one: both weeks do.
    GroupSessionFactory(therapist=world.therapist, starts_at=_at(monday, 18))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = _diary(admin, date=monday.isoformat())
        assert response.status_code == 200
        return len(captured)

    quiet = queries()
    # More therapists than a page holds, after these two in the order of names.
    for n in range(6):
        TherapistFactory(full_name=f"Zoe Zephyr {n}")
    for n in range(40):
        day = monday + timedelta(days=n % 5)
        therapist = (world.therapist, world.other_therapist)[n % 2]
        appointment = _appointment(therapist, _at(day, 9 + n % 8), _at(day, 9 + n % 8, 45))
        BookingFactory(appointment=appointment, family=world.family, children=[world.child])
    GroupSessionFactory(therapist=world.other_therapist, starts_at=_at(monday, 19))
    busy = queries()
    assert busy == quiet
    assert busy <= 16


def test_a_practice_without_therapists_says_so(world, login):
    from accounts.models import User

    User.objects.filter(role="therapist").update(is_active=False)
    response = _diary(login(world.admin))
    assert response.status_code == 200
    assert "No therapists in the diary yet" in response.text


def test_the_hour_that_never_happens_is_still_drawn_as_an_hour(world):
    """Working hours of 01:00-02:00 on the day the clocks go forward last no
    time at all; the day is drawn an hour long rather than not at all."""
    [band] = grid.bands(
        days=[{"day": SPRING_FORWARD, "items": []}],
        hours={world.therapist.pk: [Hours(SPRING_FORWARD.weekday(), time(1), time(2))]},
        people=[world.therapist],
        links=grid.Links(appointment=str),
        now=_at(DAY, 12),
    )
    assert band["rows"] == 12
    assert band["columns"][0]["hours"] == []
