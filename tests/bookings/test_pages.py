"""The pages: families booking online, the practice's diary, and query counts
that stay flat however many bookings there are."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.forms import slot_choice
from bookings.models import Appointment, Booking, WaitlistEntry
from bookings.slots import Slot
from families.models import Caregiver
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    BookingFactory,
    GroupSessionFactory,
    ServiceFactory,
    in_days,
)
from tests.factories import CaregiverFactory, ChildFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timesweep]


@pytest.fixture
def consultation(world):
    service = ServiceFactory(name="Parent coaching consultation")
    for weekday in range(7):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday)
    return service


def _slot_value(world, starts_at):
    return slot_choice(world.therapist, Slot(starts_at, starts_at + timedelta(hours=1)))[0]


def test_parent_books_a_consultation_and_cancels_it(
    world, consultation, login, django_capture_on_commit_callbacks
):
    client = login(world.parent)
    response = client.get(reverse("bookings:book_start"))
    assert "Parent coaching consultation" in response.text
    day = timezone.localdate() + timedelta(days=3)
    page = client.get(
        reverse("bookings:book_service", args=[consultation.pk]), {"from": day.isoformat()}
    )
    assert page.status_code == 200
    starts_at = in_days(3, 10)
    value = _slot_value(world, starts_at)
    assert value in page.text.replace("%2B", "+").replace("%3A", ":").replace("%7C", "|")

    confirm = client.get(reverse("bookings:book_service", args=[consultation.pk]), {"slot": value})
    assert "Confirm booking" in confirm.text
    assert starts_at.strftime("%H:%M") in confirm.text

    escort = Caregiver.objects.get(user=world.supporting)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("bookings:book_service", args=[consultation.pk]),
            {"slot": value, "escort": escort.pk, "children": [world.child.pk]},
        )
    booking = Booking.objects.get(family=world.family)
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:booking_detail", args=[booking.pk])
    assert booking.appointment.starts_at == starts_at
    assert booking.booked_by == world.parent
    # One e-mail per person (each with its own unsubscribe link).
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.parent.email, world.supporting.email]
    )

    detail = client.get(response["Location"])
    assert "You're booked" in detail.text
    assert "BST" in detail.text or "GMT" in detail.text

    # The grandparent bringing them sees the time, not the cancel button.
    grandad = login(world.supporting).get(reverse("bookings:my_bookings"))
    assert "Parent coaching consultation" in grandad.text
    assert (
        "Cancel this booking" not in login(world.supporting).get(detail.request["PATH_INFO"]).text
    )

    client = login(world.parent)
    client.post(reverse("bookings:booking_cancel", args=[booking.pk]), {"reason": "Poorly"})
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.appointment.status == Appointment.Status.CANCELLED


def test_a_taken_slot_sends_the_parent_back_to_choose(world, consultation, login):
    starts_at = in_days(3, 10)
    BookingFactory(
        family=world.other_family,
        appointment=AppointmentFactory(
            therapist=world.therapist, service=consultation, starts_at=starts_at
        ),
    )
    response = login(world.parent).get(
        reverse("bookings:book_service", args=[consultation.pk]),
        {"slot": _slot_value(world, starts_at)},
        follow=True,
    )
    assert "no longer free" in response.text
    response = login(world.parent).post(
        reverse("bookings:book_service", args=[consultation.pk]),
        {"slot": _slot_value(world, starts_at)},
        follow=True,
    )
    assert "no longer free" in response.text
    assert not Booking.objects.filter(family=world.family).exists()


def test_late_cancellation_shows_the_practice_phone(world, consultation, login, settings):
    settings.PRACTICE_PHONE = "01632 999 000"
    soon = timezone.now() + timedelta(hours=2)
    booking = BookingFactory(
        family=world.family,
        appointment=AppointmentFactory(
            therapist=world.therapist,
            service=consultation,
            starts_at=soon,
            ends_at=soon + timedelta(hours=1),
        ),
    )
    response = login(world.parent).post(
        reverse("bookings:booking_cancel", args=[booking.pk]), follow=True
    )
    assert "01632 999 000" in response.text
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_parent_books_a_group_place_and_joins_a_waitlist_when_full(world, login):
    group = GroupSessionFactory(therapist=world.therapist, capacity=1, topic="Bedtime battles")
    client = login(world.parent)
    listing = client.get(reverse("bookings:book_service", args=[group.service.pk]))
    assert "Bedtime battles" in listing.text and "1 left" in listing.text
    response = client.post(reverse("bookings:group_place", args=[group.pk]), {})
    assert response.status_code == 302, response.text
    assert Booking.objects.filter(group_session=group, family=world.family).exists()

    other = login(world.other_parent)
    page = other.get(reverse("bookings:group_place", args=[group.pk]))
    assert "full — join the waitlist" in page.text
    other.post(reverse("bookings:waitlist_join", args=[group.pk]))
    assert WaitlistEntry.objects.get(group_session=group).family == world.other_family
    assert (
        "number 1 on the waitlist"
        in other.get(reverse("bookings:group_place", args=[group.pk])).text
    )


def test_supporting_caregivers_cannot_book(world, consultation, login):
    client = login(world.supporting)
    assert client.get(reverse("bookings:book_start")).status_code == 404
    assert client.get(reverse("bookings:book_service", args=[consultation.pk])).status_code == 404
    assert "Book</a>" not in client.get(reverse("bookings:my_bookings")).text


def test_admin_books_moves_cancels_and_records_attendance(world, consultation, login):
    client = login(world.admin)
    day = timezone.localdate() + timedelta(days=2)
    search = {
        "service": consultation.pk,
        "therapist": world.therapist.pk,
        "date": day.isoformat(),
        "family": world.family.pk,
    }
    page = client.get(reverse("bookings:appointment_new"), search)
    assert "Book</button>" in page.text
    starts_at = in_days(2, 11)
    url = (
        reverse("bookings:appointment_new") + "?" + "&".join(f"{k}={v}" for k, v in search.items())
    )
    response = client.post(
        url, {"start_time": "11:00", "children": [world.child.pk], "action": "book"}
    )
    appointment = Appointment.objects.get()
    assert response["Location"] == reverse("bookings:appointment_detail", args=[appointment.pk])
    assert appointment.starts_at == starts_at

    new_start = in_days(2, 15)
    client.post(
        reverse("bookings:appointment_move", args=[appointment.pk]),
        {"date": day.isoformat(), "start_time": "15:00"},
    )
    appointment.refresh_from_db()
    assert appointment.starts_at == new_start

    client.post(
        reverse("bookings:appointment_attendance", args=[appointment.pk]),
        {"outcome": "late_cancelled"},
    )
    assert appointment.bookings.get().status == Booking.Status.LATE_CANCELLED

    diary = client.get(reverse("bookings:diary"), {"date": day.isoformat(), "view": "day"})
    assert "Parent coaching consultation" in diary.text and "Free" in diary.text

    client.post(
        reverse("bookings:appointment_cancel", args=[appointment.pk]), {"reason": "Duplicate"}
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED


def test_therapist_sees_only_their_own_diary(world, login):
    mine = AppointmentFactory(therapist=world.therapist, starts_at=in_days(1, 10))
    theirs = AppointmentFactory(therapist=world.other_therapist, starts_at=in_days(1, 10))
    BookingFactory(appointment=mine, family=world.family)
    BookingFactory(appointment=theirs, family=world.other_family)
    response = login(world.therapist).get(
        reverse("bookings:diary"),
        {
            "date": (timezone.localdate() + timedelta(days=1)).isoformat(),
            "view": "day",
            "therapist": world.other_therapist.pk,
        },
    )
    assert world.family.name in response.text
    assert world.other_family.name not in response.text


def _add_bookings(world, count: int, offset: int) -> None:
    group = GroupSessionFactory(therapist=world.therapist, starts_at=in_days(2, 19), capacity=50)
    for n in range(count):
        child = ChildFactory(family=world.family)
        appointment = AppointmentFactory(
            therapist=world.therapist,
            starts_at=in_days(1 + n % 5, 8) + timedelta(hours=offset + n // 5),
        )
        BookingFactory(appointment=appointment, family=world.family, children=[child, world.child])
        family = CaregiverFactory().family
        BookingFactory(appointment=None, group_session=group, family=family)
    past = AppointmentFactory(
        therapist=world.therapist, starts_at=timezone.now() - timedelta(days=3 + offset)
    )
    BookingFactory(appointment=past, family=world.family, status=Booking.Status.ATTENDED)


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


def test_week_view_and_family_bookings_run_a_constant_number_of_queries(world, login):
    for weekday in range(7):
        AvailabilityFactory(
            therapist=world.therapist, weekday=weekday, starts_at="07:00", ends_at="21:00"
        )
    week = {"date": (timezone.localdate() + timedelta(days=1)).isoformat(), "view": "week"}
    admin, parent = login(world.admin), None
    _add_bookings(world, 2, offset=0)
    admin_few = _queries(admin, reverse("bookings:diary"), week)
    parent = login(world.parent)
    parent_few = _queries(parent, reverse("bookings:my_bookings"))
    _add_bookings(world, 10, offset=4)
    parent_many = _queries(parent, reverse("bookings:my_bookings"))
    admin = login(world.admin)
    admin_many = _queries(admin, reverse("bookings:diary"), week)
    assert admin_few == admin_many, (admin_few, admin_many)
    assert parent_few == parent_many, (parent_few, parent_many)
    assert admin_many <= 16
    assert parent_many <= 10


def test_admin_sets_up_services_rooms_hours_time_away_and_groups(world, login):
    client = login(world.admin)
    response = client.post(
        reverse("bookings:service_create"),
        {
            "name": "Review",
            "kind": "review",
            "duration_minutes": 45,
            "buffer_minutes": 10,
            "capacity": 3,
            "location": "clinic",
            "book_notice_hours": 24,
            "cancel_notice_hours": 24,
            "reminder_offsets_hours": "[2, 48]",
            "active": "on",
        },
    )
    # A 1:1 service with three places is refused, and what was typed stays.
    assert response.status_code == 200
    assert "Only group services" in response.text and 'value="Review"' in response.text
    data = {**response.context["form"].data.dict(), "capacity": 1}
    assert client.post(reverse("bookings:service_create"), data).status_code == 302
    from bookings.models import AvailabilityException, Room, Service, WeeklyAvailability

    assert Service.objects.get(name="Review").reminder_offsets_hours == [48, 2]

    client.post(reverse("bookings:room_list"), {"name": "Garden room", "active": "on"})
    room = Room.objects.get(name="Garden room")

    url = reverse("bookings:availability", args=[world.therapist.pk])
    bad = client.post(
        url,
        {"form": "hours", "hours-weekday": 0, "hours-starts_at": "12:00", "hours-ends_at": "09:00"},
    )
    assert "The end must be after the start" in bad.text
    client.post(
        url,
        {
            "form": "hours",
            "hours-weekday": 0,
            "hours-starts_at": "09:00",
            "hours-ends_at": "12:00",
            "hours-room": room.pk,
        },
    )
    assert WeeklyAvailability.objects.get(therapist=world.therapist).room == room
    client.post(
        url,
        {
            "form": "away",
            "away-starts_at": "2027-07-01T09:00",
            "away-ends_at": "2027-07-02T17:00",
            "away-reason": "Training",
        },
    )
    away = AvailabilityException.objects.get(therapist=world.therapist)
    assert timezone.localtime(away.starts_at).hour == 9

    group_service = ServiceFactory(kind="group", capacity=8, name="Parent group coaching")
    response = client.post(
        reverse("bookings:group_create"),
        {
            "service": group_service.pk,
            "therapist": world.therapist.pk,
            "starts_at": "2027-07-05T18:00",
            "topic": "Fussy eating",
        },
    )
    group = world.therapist.group_sessions.get()
    assert response["Location"] == reverse("bookings:group_detail", args=[group.pk])
    assert group.capacity == 8
    client.post(reverse("bookings:group_detail", args=[group.pk]), {"family": world.family.pk})
    assert group.bookings.get().family == world.family


def test_the_diary_shows_the_zone_either_side_of_the_clocks_changing(world, login):
    for weekday in (5, 6):
        AvailabilityFactory(
            therapist=world.therapist, weekday=weekday, starts_at="09:00", ends_at="12:00"
        )
    # The clocks go forward on Sunday 28 March 2027.
    response = login(world.admin).get(
        reverse("bookings:diary"), {"date": "2027-03-27", "therapist": world.therapist.pk}
    )
    text = response.text
    saturday, sunday = text.index("Saturday 27 March"), text.index("Sunday 28 March")
    assert "09:00 GMT\u201312:00 GMT" in text[saturday:sunday]
    assert "09:00 BST\u201312:00 BST" in text[sunday:]
