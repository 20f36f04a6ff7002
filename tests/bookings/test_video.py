"""Video consultations: a room of its own per appointment, a signed token in
the address when the practice's Jitsi asks for one, the family's link from 15
minutes before the start, and nobody else's."""

import re
import string
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import emails, services, video
from bookings.models import Booking, Service, TherapistVideoLink
from families.models import AccessLevel, Caregiver
from notifications.services import outbox_sweep
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    BookingFactory,
    ServiceFactory,
)
from tests.clock import london

pytestmark = [pytest.mark.django_db, pytest.mark.timesweep]

BASE = "https://meet.practice.example"
SECRET = "a-long-shared-secret-for-the-tests-only-0123456789"


@pytest.fixture
def jitsi(settings):
    settings.VIDEO_PROVIDER = "jitsi"
    settings.JITSI_BASE_URL = BASE
    settings.JITSI_APP_ID = "family-ot-portal"
    settings.JITSI_APP_SECRET = SECRET
    return settings


def _video_booking(world, *, starts, family=None, **kwargs) -> Booking:
    appointment = AppointmentFactory(
        therapist=world.therapist,
        service=ServiceFactory(location=Service.Location.EITHER, duration_minutes=45),
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        by_video=True,
        video_room=video.new_room_name(),
    )
    return BookingFactory(
        family=family or world.family,
        appointment=appointment,
        children=[world.child],
        booked_by=world.parent,
        **kwargs,
    )


def _token(url: str) -> str:
    [token] = parse_qs(urlsplit(url).query)["jwt"]
    return token


def test_room_names_are_long_random_and_never_repeat():
    names = {video.new_room_name() for _ in range(500)}
    assert len(names) == 500
    allowed = set(string.ascii_lowercase + string.digits + "-_")
    for name in names:
        assert len(name) >= 40
        assert set(name) <= allowed


def test_each_video_booking_gets_a_room_of_its_own(world, jitsi):
    service = ServiceFactory(location=Service.Location.EITHER, book_notice_hours=0)
    for weekday in range(7):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday)
    rooms = set()
    for days in (1, 2, 3):
        starts = (timezone.localtime() + timedelta(days=days)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        booking = services.appointment_book(
            service=service,
            therapist=world.therapist,
            starts_at=starts,
            family=world.family,
            children=[world.child],
            by_video=True,
            by=world.parent,
        )
        rooms.add(booking.appointment.video_room)
    assert len(rooms) == 3 and "" not in rooms


def test_the_token_names_the_room_the_person_and_the_time_it_is_good_for(world, jitsi, clock_at):
    starts = timezone.now() + timedelta(minutes=10)
    booking = _video_booking(world, starts=starts)
    appointment = booking.appointment
    call = video.video_call(appointment=appointment, viewer=world.parent)
    assert call.status == video.Status.OPEN
    assert call.url.startswith(f"{BASE}/{appointment.video_room}?jwt=")
    claims = jwt.decode(_token(call.url), SECRET, algorithms=["HS256"], audience=video.JWT_AUDIENCE)
    assert claims["iss"] == "family-ot-portal"
    assert claims["sub"] == "meet.practice.example"
    assert claims["room"] == appointment.video_room
    assert claims["nbf"] == int((starts - timedelta(minutes=15)).timestamp())
    assert claims["exp"] == int((appointment.ends_at + video.OVERRUN).timestamp())
    assert claims["context"]["user"] == {"name": world.parent.full_name, "moderator": False}
    assert claims["moderator"] is False
    # The therapist's own token makes them the call's moderator.
    theirs = video.video_call(appointment=appointment, viewer=world.therapist)
    therapist_claims = jwt.decode(
        _token(theirs.url), SECRET, algorithms=["HS256"], audience=video.JWT_AUDIENCE
    )
    assert therapist_claims["moderator"] is True
    assert therapist_claims["context"]["user"]["name"] == world.therapist.full_name
    # Signed with the practice's secret: a token made with another is refused.
    forged = jwt.encode(
        {**claims, "room": "*"},
        "another secret, just as long as the practice's one",
        algorithm="HS256",
    )
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, SECRET, algorithms=["HS256"], audience=video.JWT_AUDIENCE)


def test_without_a_secret_the_address_is_the_room_alone(world, jitsi):
    jitsi.JITSI_APP_SECRET = ""
    booking = _video_booking(world, starts=timezone.now() + timedelta(minutes=5))
    call = video.video_call(appointment=booking.appointment, viewer=world.parent)
    assert call.url == f"{BASE}/{booking.appointment.video_room}"


def test_without_a_jitsi_address_the_family_is_told_to_call(world, jitsi, login):
    jitsi.JITSI_BASE_URL = ""
    booking = _video_booking(world, starts=timezone.now() + timedelta(minutes=5))
    page = login(world.parent).get(reverse("bookings:booking_detail", args=[booking.pk]))
    assert "We couldn't make the link to the call" in page.text


@pytest.mark.now("2027-03-28 09:00")
def test_the_family_sees_the_link_from_15_minutes_before_the_start(world, jitsi, login, clock_at):
    # The morning the clocks have gone forward: 10:00 BST is 09:00 UTC.
    starts = london("2027-03-28 10:00")
    booking = _video_booking(world, starts=starts)
    room = booking.appointment.video_room
    client = login(world.parent)
    detail = reverse("bookings:booking_detail", args=[booking.pk])
    join = reverse("bookings:booking_video", args=[booking.pk])

    clock_at.move_to(starts - timedelta(minutes=16))
    page = client.get(detail).text
    assert "The link appears here 15 minutes before the start" in page
    assert "09:45" in page
    assert room not in page and join not in page
    early = client.get(join)
    assert early.status_code == 302 and early["Location"] == detail

    clock_at.move_to(starts - timedelta(minutes=14))
    page = client.get(detail).text
    assert join in page and "Join the video call" in page
    assert room not in page  # the page links to the portal's address, not the room
    response = client.get(join)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{BASE}/{room}?jwt=")
    assert "no-store" in response["Cache-Control"]

    clock_at.move_to(booking.appointment.ends_at + timedelta(minutes=1))
    assert "This call has ended" in client.get(detail).text
    assert client.get(join)["Location"] == detail


def test_the_therapist_has_the_link_at_any_time(world, jitsi, login):
    booking = _video_booking(world, starts=timezone.now() + timedelta(days=3))
    client = login(world.therapist)
    response = client.get(reverse("bookings:booking_video", args=[booking.pk]))
    assert response["Location"].startswith(f"{BASE}/{booking.appointment.video_room}?jwt=")
    page = client.get(reverse("bookings:appointment_detail", args=[booking.appointment_id]))
    assert reverse("bookings:booking_video", args=[booking.pk]) in page.text


def test_the_office_is_not_given_the_link(world, jitsi, login):
    booking = _video_booking(world, starts=timezone.now() + timedelta(minutes=5))
    client = login(world.admin)
    response = client.get(reverse("bookings:booking_video", args=[booking.pk]))
    assert response["Location"] == reverse("bookings:booking_detail", args=[booking.pk])
    page = client.get(reverse("bookings:booking_detail", args=[booking.pk])).text
    assert booking.appointment.video_room not in page


def test_another_family_and_a_caregiver_without_the_booking_get_nothing(world, jitsi, login):
    booking = _video_booking(world, starts=timezone.now() + timedelta(minutes=5))
    room = booking.appointment.video_room
    for persona in (world.other_parent, world.supporting_unlinked, world.other_therapist):
        client = login(persona)
        for name in ("booking_detail", "booking_video", "booking_ics"):
            assert client.get(reverse(f"bookings:{name}", args=[booking.pk])).status_code == 404
        assert room not in client.get(reverse("bookings:my_bookings")).text
    # The supporting caregiver linked to the child but not bringing them to
    # this call has no bookings access (bookings_visible_to): no link either.
    assert (
        login(world.supporting)
        .get(reverse("bookings:booking_video", args=[booking.pk]))
        .status_code
        == 404
    )


def test_the_caregiver_the_family_asked_to_join_has_the_link(world, jitsi, login):
    grandad = Caregiver.objects.get(user=world.supporting, family=world.family)
    assert grandad.access_level == AccessLevel.SUPPORTING
    booking = _video_booking(world, starts=timezone.now() + timedelta(minutes=5), escort=grandad)
    response = login(world.supporting).get(reverse("bookings:booking_video", args=[booking.pk]))
    assert response["Location"].startswith(f"{BASE}/{booking.appointment.video_room}")


def test_a_cancelled_video_booking_has_no_call(world, jitsi, login):
    booking = _video_booking(world, starts=timezone.now() + timedelta(minutes=5))
    services.booking_cancel(booking=booking, by=world.admin, reason="Unwell")
    client = login(world.parent)
    assert client.get(reverse("bookings:booking_video", args=[booking.pk])).status_code == 404
    assert (
        "Join the video call"
        not in client.get(reverse("bookings:booking_detail", args=[booking.pk])).text
    )


def test_with_fixed_addresses_the_therapists_own_room_is_used(world, settings, login):
    settings.VIDEO_PROVIDER = "fixed"
    booking = _video_booking(world, starts=timezone.now() + timedelta(minutes=5))
    booking.appointment.service.video_link = "https://video.example.org/practice"
    booking.appointment.service.save()
    # No room of the therapist's own: the service's address.
    call = video.video_call(appointment=booking.appointment, viewer=world.parent)
    assert call.url == "https://video.example.org/practice"
    TherapistVideoLink.objects.create(
        therapist=world.therapist, url="https://zoom.example.org/j/123456"
    )
    response = login(world.parent).get(reverse("bookings:booking_video", args=[booking.pk]))
    assert response["Location"] == "https://zoom.example.org/j/123456"
    assert video.room_for_new_appointment() == ""


def test_the_link_is_never_in_a_subject_or_a_calendar_title(
    world, jitsi, django_capture_on_commit_callbacks, mailoutbox
):
    booking = _video_booking(world, starts=timezone.now() + timedelta(days=3))
    Caregiver.objects.filter(user=world.parent).update(detailed_email_wording=True)
    with django_capture_on_commit_callbacks(execute=True):
        emails.booking_notify(booking=booking, kind=emails.CONFIRMED)
    outbox_sweep()
    [sent] = [m for m in mailoutbox if m.to == [world.parent.email]]
    room = booking.appointment.video_room
    assert room not in sent.subject and room not in sent.body
    assert BASE not in sent.body
    [(_, data, _)] = sent.attachments
    text = data if isinstance(data, str) else data.decode()
    assert room not in text and BASE not in text
    summary = re.search(r"^SUMMARY:(.*)$", text, re.MULTILINE).group(1)
    assert "jwt" not in summary and "http" not in summary
