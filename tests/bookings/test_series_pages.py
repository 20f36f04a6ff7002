"""The practice's pages for regular visits, closures, truthful appointment
pages, group places and a new family's first visit."""

from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import selectors, services, slots
from bookings.models import (
    Appointment,
    AppointmentSeries,
    AvailabilityException,
    Booking,
    PracticeClosure,
    Service,
    WaitlistEntry,
)
from families.models import CaseloadAssignment
from sessions_app.models import TherapySession
from tests.bookings.factories import (
    AvailabilityFactory,
    BookingFactory,
    GroupSessionFactory,
    ServiceFactory,
)
from tests.factories import ChildFactory, FamilyFactory

pytestmark = [pytest.mark.django_db]

FIRST = date(2027, 1, 5)  # a Tuesday


@pytest.fixture
def therapy(world):
    service = ServiceFactory(
        name="1:1 therapy", kind=Service.Kind.THERAPY, parent_only=False, duration_minutes=45
    )
    for weekday in range(7):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday)
    return service


def _new_url(world, service, day=FIRST, **extra):
    query = {
        "service": service.pk,
        "therapist": world.therapist.pk,
        "date": day.isoformat(),
        "family": world.family.pk,
        **extra,
    }
    return (
        reverse("bookings:appointment_new") + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    )


def _series(world, service, count=10):
    return services.series_book(
        service=service,
        therapist=world.therapist,
        family=world.family,
        children=[world.child],
        first_day=FIRST,
        at=time(16),
        every_weeks=1,
        count=count,
        by=world.admin,
    )


@pytest.mark.now("2027-01-04 09:00")
def test_a_series_shows_its_dates_and_clashes_before_anything_is_booked(
    world, therapy, login, django_assert_max_num_queries
):
    PracticeClosure.objects.create(
        first_day=FIRST + timedelta(weeks=2), last_day=FIRST + timedelta(weeks=2), reason="Training"
    )
    client = login(world.admin)
    form = {
        "start_time": "16:05",
        "children": [world.child.pk],
        "repeat": "1",
        "count": "10",
        "action": "book",
    }
    # "Book" straight away still shows the dates first.
    with django_assert_max_num_queries(40):
        page = client.post(_new_url(world, therapy), form)
    assert page.status_code == 200
    assert not AppointmentSeries.objects.exists()
    assert "9 free, 1 with a clash (not booked)" in page.text
    assert "The practice is closed (Training)." in page.text
    assert 'value="16:05"' in page.text  # what was typed stays
    assert "Book 9 visits" in page.text

    checked = page.context["signature"]
    response = client.post(_new_url(world, therapy), {**form, "checked": checked})
    series = AppointmentSeries.objects.get()
    first = series.visits.order_by("starts_at").first()
    assert response["Location"] == reverse("bookings:appointment_detail", args=[first.pk])
    assert series.visits.count() == 9
    assert {timezone.localtime(v.starts_at).strftime("%H:%M") for v in series.visits.all()} == {
        "16:05"
    }
    detail = client.get(response["Location"])
    assert "Weekly on Tuesdays at 16:05, 9 visits, 9 to go" in detail.text


@pytest.mark.now("2027-01-04 09:00")
def test_changing_the_pattern_after_seeing_the_dates_shows_them_again(world, therapy, login):
    client = login(world.admin)
    form = {"start_time": "16:00", "children": [world.child.pk], "repeat": "1", "count": "3"}
    page = client.post(_new_url(world, therapy), {**form, "action": "check"})
    form["count"] = "4"
    again = client.post(
        _new_url(world, therapy), {**form, "action": "book", "checked": page.context["signature"]}
    )
    assert again.status_code == 200 and not AppointmentSeries.objects.exists()
    assert "4 free" in again.text


@pytest.mark.now("2027-01-04 09:00")
def test_staff_book_any_free_five_minutes_but_not_between(world, therapy, login):
    client = login(world.admin)
    page = client.get(_new_url(world, therapy))
    assert "Free time for" in page.text and 'step="300"' in page.text
    wrong = client.post(
        _new_url(world, therapy),
        {"start_time": "10:07", "children": [world.child.pk], "action": "book"},
    )
    assert "five-minute step" in wrong.text and 'value="10:07"' in wrong.text
    client.post(
        _new_url(world, therapy),
        {"start_time": "10:05", "children": [world.child.pk], "action": "book"},
    )
    appointment = Appointment.objects.get()
    assert timezone.localtime(appointment.starts_at).strftime("%H:%M") == "10:05"
    assert appointment.series is None
    outside = client.post(
        _new_url(world, therapy),
        {"start_time": "16:30", "children": [world.child.pk], "action": "book"},
    )
    assert "does not work at that time" in outside.text


@pytest.mark.now("2027-01-04 09:00")
def test_cancel_and_move_this_and_the_following_visits_on_the_pages(world, therapy, login):
    booked = _series(world, therapy)
    visits = list(booked.series.visits.order_by("starts_at"))
    client = login(world.admin)

    cancel = client.get(reverse("bookings:appointment_cancel", args=[visits[7].pk]))
    assert "This and the following visits" in cancel.text
    client.post(
        reverse("bookings:appointment_cancel", args=[visits[7].pk]),
        {"scope": "following", "reason": "Moving away"},
    )
    assert (
        list(
            Appointment.objects.filter(series=booked.series, status="cancelled").order_by(
                "starts_at"
            )
        )
        == visits[7:]
    )

    third_day = timezone.localtime(visits[2].starts_at).date()
    response = client.post(
        reverse("bookings:appointment_move", args=[visits[2].pk]),
        {
            "date": (third_day + timedelta(days=1)).isoformat(),
            "start_time": "09:30",
            "scope": "this",
        },
    )
    assert response.status_code == 302
    visits[2].refresh_from_db()
    assert timezone.localtime(visits[2].starts_at).strftime("%a %H:%M") == "Wed 09:30"
    assert visits[2].series_id == booked.series.pk  # one visit moved stays in its series

    PracticeClosure.objects.create(
        first_day=third_day + timedelta(weeks=2, days=1),
        last_day=third_day + timedelta(weeks=2, days=1),
        reason="Bank holiday",
    )
    refused = client.post(
        reverse("bookings:appointment_move", args=[visits[3].pk]),
        {
            "date": (third_day + timedelta(weeks=1, days=1)).isoformat(),
            "start_time": "11:00",
            "scope": "following",
        },
    )
    assert refused.status_code == 200
    assert "Nothing was moved." in refused.text and "Bank holiday" in refused.text


@pytest.mark.now("2027-01-04 09:00")
def test_an_appointment_page_tells_the_truth_before_during_and_after(
    world, therapy, login, clock_at, django_assert_max_num_queries
):
    booked = _series(world, therapy, count=2)
    appointment = booked.bookings[0].appointment
    url = reverse("bookings:appointment_detail", args=[appointment.pk])
    client = login(world.admin)
    before = client.get(url)
    assert "Record a late cancellation" in before.text
    assert 'name="outcome" value="attended"' not in before.text
    assert "Move</a>" in before.text and "Cancel</a>" in before.text

    clock_at.move_to(appointment.starts_at + timedelta(minutes=5))
    client = login(world.admin)  # a day later: staff sessions end after 30 idle minutes
    started = client.get(url)
    assert "Attendance not recorded yet" in started.text
    assert 'value="attended"' in started.text
    assert "Move</a>" not in started.text and "Cancel</a>" not in started.text
    assert (
        client.get(reverse("bookings:appointment_move", args=[appointment.pk])).status_code == 302
    )

    client.post(
        reverse("bookings:appointment_attendance", args=[appointment.pk]), {"outcome": "attended"}
    )
    session = TherapySession.objects.get(booking_id=booked.bookings[0].pk)
    with django_assert_max_num_queries(12):
        after = client.get(url)
    assert '<dd class="col-sm-9">Attended</dd>' in after.text
    assert session.get_absolute_url() in after.text
    assert "Record attendance" not in after.text


@pytest.mark.now("2027-01-04 09:00")
def test_the_family_sees_the_series_on_their_booking(world, therapy, login):
    booked = _series(world, therapy)
    page = login(world.parent).get(reverse("bookings:booking_detail", args=[booked.bookings[3].pk]))
    assert "Regular visits" in page.text
    assert "Weekly on Tuesdays at 16:00, 10 visits, 10 to go" in page.text


@pytest.mark.now("2027-01-04 09:00")
def test_closures_are_added_listed_and_removed(world, login, django_assert_max_num_queries):
    client = login(world.admin)
    with django_assert_max_num_queries(8):
        empty = client.get(reverse("bookings:closure_list"))
    assert "No closures coming up" in empty.text
    wrong = client.post(
        reverse("bookings:closure_list"),
        {"first_day": "2027-12-27", "last_day": "2027-12-24", "reason": "Christmas"},
    )
    assert "cannot be before the first" in wrong.text and 'value="Christmas"' in wrong.text
    client.post(
        reverse("bookings:closure_list"),
        {"first_day": "2027-12-24", "last_day": "2027-12-27", "reason": "Christmas"},
    )
    closure = PracticeClosure.objects.get()
    for _ in range(3):
        day = date(2027, 8, 1) + timedelta(days=_)
        PracticeClosure.objects.create(first_day=day, last_day=day, reason=f"Day {_}")
    with django_assert_max_num_queries(8):
        listed = client.get(reverse("bookings:closure_list"))
    assert "Christmas" in listed.text and "Day 2" in listed.text
    client.post(reverse("bookings:closure_delete", args=[closure.pk]))
    assert not PracticeClosure.objects.filter(pk=closure.pk).exists()


@pytest.mark.now("2027-01-04 09:00")
def test_cancelling_a_familys_group_place_asks_for_a_reason_and_confirmation(world, login):
    group = GroupSessionFactory(therapist=world.therapist, capacity=1)
    booking = BookingFactory(family=world.family, appointment=None, group_session=group)
    waiting = WaitlistEntry.objects.create(
        group_session=group, family=world.other_family, position=1
    )
    client = login(world.admin)
    detail = client.get(reverse("bookings:group_detail", args=[group.pk]))
    assert reverse("bookings:group_place_cancel", args=[booking.pk]) in detail.text
    assert "Offer now" not in detail.text  # no place is free
    url = reverse("bookings:group_place_cancel", args=[booking.pk])
    unconfirmed = client.post(url, {"reason": "Asked to swap groups"})
    assert unconfirmed.status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    client.post(url, {"reason": "Asked to swap groups", "confirm": "on"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancellation_reason == "Asked to swap groups"
    waiting.refresh_from_db()
    assert waiting.status == WaitlistEntry.Status.OFFERED  # the freed place went on


@pytest.mark.now("2027-01-04 09:00")
def test_the_waitlist_offer_now_button(world, login):
    group = GroupSessionFactory(therapist=world.therapist, capacity=2)
    BookingFactory(family=world.family, appointment=None, group_session=group)
    entry = WaitlistEntry.objects.create(group_session=group, family=world.other_family, position=1)
    client = login(world.admin)
    assert "Offer now" in client.get(reverse("bookings:group_detail", args=[group.pk])).text
    client.post(reverse("bookings:waitlist_offer", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED


@pytest.mark.now("2027-01-04 09:00")
def test_the_overbooking_message_speaks_to_staff(world, login):
    group = GroupSessionFactory(therapist=world.therapist, capacity=1)
    BookingFactory(family=world.other_family, appointment=None, group_session=group)
    page = login(world.admin).post(
        reverse("bookings:group_detail", args=[group.pk]), {"family": world.family.pk}
    )
    assert "Add the family to the waitlist" in page.text
    assert "join the waitlist and we&#x27;ll e-mail you" not in page.text


@pytest.mark.now("2027-01-04 09:00")
def test_registering_leads_to_a_lead_therapist_and_the_assessment(
    world, login, django_assert_max_num_queries
):
    assessment = ServiceFactory(name="Initial assessment", kind=Service.Kind.ASSESSMENT)
    family = FamilyFactory(name="The Brown family")
    alfie = ChildFactory(family=family, first_name="Alfie")
    isla = ChildFactory(family=family, first_name="Isla")
    client = login(world.admin)
    url = reverse("bookings:first_visit", args=[family.pk])
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert "no lead therapist yet" in page.text
    assert 'data-searchable="Find a therapist"' in page.text
    assert "Assign a lead therapist first" in page.text

    missing = client.post(url, {"therapist": world.therapist.pk})
    assert "Choose at least one child." in missing.text
    client.post(url, {"therapist": world.therapist.pk, "children": [alfie.pk, isla.pk]})
    assert set(
        CaseloadAssignment.objects.filter(
            child__family=family, kind="lead", therapist=world.therapist
        ).values_list("child__first_name", flat=True)
    ) == {"Alfie", "Isla"}
    done = client.get(url)
    assert f"Book the initial assessment with {world.therapist}" in done.text
    book = done.context["book"]
    assert f"service={assessment.pk}" in book and f"family={family.pk}" in book
    assert f"therapist={world.therapist.pk}" in book
    booking_page = client.get(book)
    assert booking_page.status_code == 200 and "Free time for" in booking_page.text


def test_family_choices_are_searchable(world, login):
    page = login(world.admin).get(reverse("bookings:appointment_new"))
    assert 'data-searchable="Find a family"' in page.text
    assert "js/searchable_select.js" in page.text
    assert slots.series_days(first_day=FIRST, every_weeks=1, count=1) == [FIRST]


def test_a_child_with_no_therapist_links_the_admin_to_the_first_visit(world, login):
    family = FamilyFactory(name="The Brown family")
    ChildFactory(family=family, first_name="Alfie")
    page = login(world.admin).get(family.get_absolute_url())
    assert reverse("bookings:first_visit", args=[family.pk]) in page.text
    assert "Assign a lead therapist" in page.text


@pytest.mark.now("2027-01-04 09:00")
def test_the_dates_of_a_series_cost_the_same_queries_for_three_visits_or_thirty(
    world, therapy, login
):
    for weeks in (2, 9, 20):
        day = FIRST + timedelta(weeks=weeks)
        PracticeClosure.objects.create(first_day=day, last_day=day, reason="Closed")
    client = login(world.admin)
    counts = []
    for visits in ("3", "30"):
        form = {"start_time": "16:00", "children": [world.child.pk], "repeat": "1"}
        with CaptureQueriesContext(connection) as queries:
            page = client.post(
                _new_url(world, therapy), {**form, "count": visits, "action": "check"}
            )
        assert page.status_code == 200 and page.context["plan"]
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


@pytest.mark.now("2027-01-04 09:00")
def test_the_move_cancel_and_place_pages_stay_within_their_queries(
    world, therapy, login, django_assert_max_num_queries
):
    booked = _series(world, therapy)
    visit = booked.bookings[2].appointment
    group = GroupSessionFactory(therapist=world.therapist, capacity=3)
    place = BookingFactory(family=world.family, appointment=None, group_session=group)
    client = login(world.admin)
    for url in (
        reverse("bookings:appointment_move", args=[visit.pk]),
        reverse("bookings:appointment_cancel", args=[visit.pk]),
        reverse("bookings:group_place_cancel", args=[place.pk]),
    ):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200


@pytest.mark.now("2027-01-04 09:00")
def test_families_are_not_offered_times_on_a_closed_day(world, login):
    consultation = ServiceFactory(bookable_online=True)
    for weekday in range(7):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday)
    PracticeClosure.objects.create(first_day=FIRST, last_day=FIRST, reason="Training")
    days = dict(
        selectors.service_slots(service=consultation, first_day=FIRST - timedelta(days=1), days=3)
    )
    assert days[FIRST] == []
    assert days[FIRST + timedelta(days=1)] and days[FIRST - timedelta(days=1)]


@pytest.mark.now("2027-01-04 09:00")
def test_visits_booked_on_a_new_closure_or_leave_are_listed_to_move(world, therapy, login):
    booked = _series(world, therapy, count=3)
    second = booked.bookings[1].appointment
    PracticeClosure.objects.create(
        first_day=FIRST + timedelta(weeks=1), last_day=FIRST + timedelta(weeks=1), reason="Snow"
    )
    client = login(world.admin)
    closures = client.get(reverse("bookings:closure_list"))
    assert "Still booked on a closed day" in closures.text
    assert reverse("bookings:appointment_detail", args=[second.pk]) in closures.text
    first = booked.bookings[0].appointment
    assert reverse("bookings:appointment_detail", args=[first.pk]) not in closures.text

    AvailabilityException.objects.create(
        therapist=world.therapist,
        starts_at=slots.local_to_utc(FIRST + timedelta(weeks=2), time(0)),
        ends_at=slots.local_to_utc(FIRST + timedelta(weeks=2, days=1), time(0)),
        reason="Leave",
    )
    hours = client.get(reverse("bookings:availability", args=[world.therapist.pk]))
    third = booked.bookings[2].appointment
    assert "Still booked during this leave" in hours.text
    assert reverse("bookings:appointment_detail", args=[third.pk]) in hours.text
