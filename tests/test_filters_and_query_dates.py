"""Filters keep what is valid, and dates out of range never break a page.

Every page of the permission matrix is asked, by a persona who may open it,
with every date-like parameter set to a date at the ends of the calendar
(`/diary/?date=9999-12-31` once gave a 500). Filter forms keep each valid
part when another is invalid."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    BookingFactory,
    ServiceFactory,
    in_days,
)
from tests.matrix import all_routes

DATE_PARAMS = ("date", "from", "since", "until", "start", "end", "day", "week", "month")
HOSTILE_DATES = ["9999-12-31", "0001-01-01", "10000-01-01", "2027-02-29"]
# Who asks for a page, when more than one may: staff first, who see most.
ASKERS = ("admin", "therapist", "parent", "supporting")


def _get_routes():
    seen = {}
    for route in all_routes():
        if route.method == "get" and route.name not in seen:
            seen[route.name] = route
    return list(seen.values())


@pytest.mark.parametrize("hostile", HOSTILE_DATES)
def test_no_page_breaks_on_a_date_at_the_ends_of_the_calendar(hostile, world, client):
    broken = []
    for route in _get_routes():
        asker = next((name for name in ASKERS if name in route.allowed), None)
        if asker is None:
            continue
        client.force_login(world.persona(asker))
        url = reverse(route.name, kwargs=route.kwargs(world))
        response = client.get(url, dict.fromkeys(DATE_PARAMS, hostile))
        if response.status_code >= 500:
            broken.append(f"{url} as {asker}: {response.status_code}")
    assert broken == []


@pytest.mark.timesweep
def test_the_diary_far_in_the_future_shows_this_week_instead(world, login):
    response = login(world.admin).get(reverse("bookings:diary"), {"date": "9999-12-31"})
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["first_day"] == today - timedelta(days=today.weekday())
    assert "Please choose a date between 1 January 1900 and 31 December 2099." in response.text


@pytest.mark.timesweep
def test_a_therapist_asking_for_another_therapists_diary_gets_their_own_for_that_day(world, login):
    """The therapist id is not theirs to choose: it is ignored, and the date
    and view asked for are kept (they were dropped with it, so on a Sunday the
    diary showed the week just ending instead of Monday)."""
    day = timezone.localdate() + timedelta(days=1)
    mine = AppointmentFactory(therapist=world.therapist, starts_at=in_days(1, 10))
    theirs = AppointmentFactory(therapist=world.other_therapist, starts_at=in_days(1, 10))
    BookingFactory(appointment=mine, family=world.family)
    BookingFactory(appointment=theirs, family=world.other_family)
    response = login(world.therapist).get(
        reverse("bookings:diary"),
        {"date": day.isoformat(), "view": "day", "therapist": world.other_therapist.pk},
    )
    assert response.context["mode"] == "day"
    assert response.context["first_day"] == day
    assert world.family.name in response.text
    assert world.other_family.name not in response.text


def test_the_admins_diary_keeps_the_date_when_the_service_is_unknown(world, login):
    day = date(2027, 3, 3)
    response = login(world.admin).get(
        reverse("bookings:diary"), {"date": day.isoformat(), "view": "day", "service": "999999"}
    )
    assert response.context["first_day"] == day
    assert response.context["mode"] == "day"


def test_the_audit_search_keeps_its_valid_filters_when_one_is_out_of_range(world, login):
    AuditEvent.objects.create(
        user=world.therapist, action=AuditEvent.Action.VIEW, record_type="goal", record_id=1
    )
    AuditEvent.objects.create(
        user=world.admin, action=AuditEvent.Action.VIEW, record_type="goal", record_id=2
    )
    response = login(world.admin).get(
        reverse("accounts:audit_search"), {"user": "ot@example.org", "until": "9999-12-31"}
    )
    assert response.status_code == 200
    people = {event.user_id for event in response.context["page"]}
    assert people == {world.therapist.pk}
    assert "Please choose a date between" in response.text


@pytest.mark.timesweep
def test_booking_from_a_date_out_of_range_shows_the_coming_week(world, login):
    service = ServiceFactory()
    for weekday in range(7):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday)
    response = login(world.parent).get(
        reverse("bookings:book_service", args=[service.pk]), {"from": "9999-12-31"}
    )
    assert response.status_code == 200
    # The strip of days with a free time, from today: the first of them shown.
    times = response.context["times"]
    assert times.strip and times.day == times.strip[0][0]
    assert timezone.localdate() <= times.day <= timezone.localdate() + timedelta(days=2)
