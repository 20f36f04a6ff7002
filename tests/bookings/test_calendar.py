"""Private calendar feeds, parsed back with the icalendar library."""

from datetime import timedelta

import pytest
from django.urls import reverse
from icalendar import Calendar

from bookings.models import CalendarFeed
from families.models import Caregiver
from tests.bookings.factories import (
    AppointmentFactory,
    BookingFactory,
    GroupSessionFactory,
    ServiceFactory,
    in_days,
)

pytestmark = [pytest.mark.django_db, pytest.mark.timesweep]


def _feed(client, user):
    client.force_login(user)
    client.get(reverse("bookings:calendar_settings"))
    token = CalendarFeed.objects.get(user=user).token
    client.logout()
    response = client.get(reverse("bookings:calendar_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content), token


@pytest.fixture
def booked(world):
    world.child.needs = "Dyspraxia: finds buttons very hard"
    world.child.save()
    service = ServiceFactory(name="1:1 therapy", kind="therapy", parent_only=False)
    starts_at = in_days(3, 10)
    appointment = AppointmentFactory(
        therapist=world.therapist, service=service, starts_at=starts_at
    )
    booking = BookingFactory(
        family=world.family,
        appointment=appointment,
        children=[world.child],
        escort=Caregiver.objects.get(user=world.supporting_unlinked),
    )
    # Someone else's appointment, which nobody of the world's family may see.
    BookingFactory(
        family=world.other_family,
        appointment=AppointmentFactory(therapist=world.other_therapist, starts_at=starts_at),
    )
    return booking


def test_parent_feed_has_their_appointment_and_nothing_clinical(world, booked, client):
    cal, _ = _feed(client, world.parent)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == booked.appointment.starts_at
    assert event.decoded("dtend") == booked.appointment.ends_at
    # By default a calendar learns neither the service nor the child.
    assert str(event["summary"]) == "Appointment at Family OT Portal"
    text = cal.to_ical().decode()
    assert "Dyspraxia" not in text and "buttons" not in text
    assert "Yusuf" not in text and "therapy" not in text.lower().replace("ot portal", "")
    # The UID is on the site's domain, whatever host the feed was fetched by.
    assert str(event["uid"]) == f"booking-{booked.pk}@127.0.0.1"
    assert "testserver" not in text
    assert cal["version"] == "2.0"
    assert cal.decoded("refresh-interval") == timedelta(hours=1)
    assert cal["refresh-interval"].params["VALUE"] == "DURATION"
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text
    assert "\r\nX-PUBLISHED-TTL:PT1H\r\n" in text


def test_a_family_that_chose_detailed_wording_sees_it(world, booked, client, settings):
    settings.SITE_URL = "https://portal.example.org"
    Caregiver.objects.filter(user=world.parent).update(detailed_email_wording=True)
    cal, _ = _feed(client, world.parent)
    (event,) = cal.walk("VEVENT")
    assert str(event["summary"]) == "1:1 therapy (Yusuf)"
    assert str(event["uid"]) == f"booking-{booked.pk}@portal.example.org"
    # The choice is the family's, per person: the nanny's calendar stays plain.
    cal, _ = _feed(client, world.supporting_unlinked)
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ["Appointment at Family OT Portal"]


def test_the_escort_gets_the_appointment_in_their_feed(world, booked, client):
    cal, _ = _feed(client, world.supporting_unlinked)
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ["Appointment at Family OT Portal"]
    cal, _ = _feed(client, world.supporting)
    assert list(cal.walk("VEVENT")) == []


def test_therapist_feed_has_their_diary_without_names(world, booked, client):
    GroupSessionFactory(therapist=world.therapist, topic="Calmer mornings")
    cal, _ = _feed(client, world.therapist)
    summaries = sorted(str(e["summary"]) for e in cal.walk("VEVENT"))
    assert summaries[0] == "1:1 therapy"
    assert summaries[1].endswith("Calmer mornings")
    assert world.family.name not in cal.to_ical().decode()


def test_resetting_the_address_retires_the_old_one(world, booked, client):
    _, token = _feed(client, world.parent)
    client.force_login(world.parent)
    client.post(reverse("bookings:calendar_reset"))
    client.logout()
    assert client.get(reverse("bookings:calendar_feed", args=[token])).status_code == 404
    new_token = CalendarFeed.objects.get(user=world.parent).token
    assert new_token != token
    assert client.get(reverse("bookings:calendar_feed", args=[new_token])).status_code == 200


def test_cancelled_and_old_bookings_leave_the_feed(world, booked, client):
    booked.status = "cancelled"
    booked.save()
    old = AppointmentFactory(therapist=world.therapist, starts_at=in_days(-60, 10))
    BookingFactory(family=world.family, appointment=old)
    cal, _ = _feed(client, world.parent)
    assert list(cal.walk("VEVENT")) == []
    assert old.ends_at - old.starts_at == timedelta(hours=1)
