"""Video consultations: the room of an appointment booked by video, and the
address to join it, for the person it is shown to.

Two providers, chosen by `VIDEO_PROVIDER`:

- `jitsi` (the default): each appointment gets a room of its own on the
  practice's Jitsi Meet (`JITSI_BASE_URL`), named by `secrets.token_urlsafe`
  (lower-cased, as Jitsi treats room names without case: 43 characters, over
  200 bits, so no one finds a room by guessing). With `JITSI_APP_SECRET` set,
  the address carries a JWT signed with it (HS256, PyJWT), made for the
  person shown it, for that room only and only from 15 minutes before the
  start until half an hour after the end: Jitsi's token authentication then
  lets in no one else.
- `fixed`: the therapist's standing address (Zoom, Teams…:
  `TherapistVideoLink`), or else the service's own video call address.

Who sees it: the booking's family (whoever may see the booking,
bookings.permissions.bookings_visible_to: callers check that) from 15 minutes
before the start until the end; the appointment's therapist at any time. An
address is never put in an e-mail subject or a calendar event's title.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

import jwt
from django.conf import settings
from django.utils import timezone

from accounts.models import Role, User
from bookings.models import Appointment, TherapistVideoLink

# When the family's link appears on their booking.
REVEAL_BEFORE = timedelta(minutes=15)
# How long after the end a token still lets someone in (a call that overruns).
OVERRUN = timedelta(minutes=30)
# Jitsi's token authentication checks this audience unless told otherwise.
JWT_AUDIENCE = "jitsi"


class Status:
    OPEN = "open"  # the address is shown
    NOT_YET = "not_yet"  # the family's link appears at `opens_at`
    OVER = "over"
    UNAVAILABLE = "unavailable"  # no provider address configured
    NOT_FOR_VIEWER = "not_for_viewer"  # the office: the family and therapist join


@dataclass(frozen=True)
class VideoCall:
    status: str
    opens_at: datetime
    url: str = ""


def new_room_name() -> str:
    return secrets.token_urlsafe(32).lower()


def room_for_new_appointment() -> str:
    """The room a new video appointment is given: its own with Jitsi, none
    with fixed addresses (the therapist's standing room is read when shown)."""
    return new_room_name() if settings.VIDEO_PROVIDER == "jitsi" else ""


def jitsi_token(
    *, room: str, viewer: User, moderator: bool, not_before: datetime, expires: datetime
) -> str:
    """A Jitsi Meet JWT for one person and one room, between two instants."""
    claims = {
        "aud": JWT_AUDIENCE,
        "iss": settings.JITSI_APP_ID,
        "sub": urlsplit(settings.JITSI_BASE_URL).hostname or "*",
        "room": room,
        "iat": int(timezone.now().timestamp()),
        "nbf": int(not_before.timestamp()),
        "exp": int(expires.timestamp()),
        "moderator": moderator,
        "context": {"user": {"name": viewer.full_name or "", "moderator": moderator}},
    }
    return jwt.encode(claims, settings.JITSI_APP_SECRET, algorithm="HS256")


def _address(appointment: Appointment, viewer: User, *, moderator: bool) -> str:
    opens_at = appointment.starts_at - REVEAL_BEFORE
    if settings.VIDEO_PROVIDER == "fixed":
        own = (
            TherapistVideoLink.objects.filter(therapist_id=appointment.therapist_id)
            .values_list("url", flat=True)
            .first()
        )
        return own or appointment.service.video_link
    if not settings.JITSI_BASE_URL or not appointment.video_room:
        return ""
    url = f"{settings.JITSI_BASE_URL}/{appointment.video_room}"
    if settings.JITSI_APP_SECRET:
        token = jitsi_token(
            room=appointment.video_room,
            viewer=viewer,
            moderator=moderator,
            not_before=min(opens_at, timezone.now()) if moderator else opens_at,
            expires=appointment.ends_at + OVERRUN,
        )
        url += "?" + urlencode({"jwt": token})
    return url


def video_call(*, appointment: Appointment, viewer: User) -> VideoCall | None:
    """What `viewer` is shown of an appointment's video call: None when it is
    not by video or is cancelled. The caller has checked that the viewer may
    see the appointment (its booking, or the therapist's own diary)."""
    if not appointment.by_video or appointment.is_cancelled:
        return None
    opens_at = appointment.starts_at - REVEAL_BEFORE
    now = timezone.now()
    therapist = viewer.pk == appointment.therapist_id
    if not therapist and viewer.role != Role.CAREGIVER:
        return VideoCall(Status.NOT_FOR_VIEWER, opens_at)
    if now >= appointment.ends_at + (OVERRUN if therapist else timedelta(0)):
        return VideoCall(Status.OVER, opens_at)
    if not therapist and now < opens_at:
        return VideoCall(Status.NOT_YET, opens_at)
    url = _address(appointment, viewer, moderator=therapist)
    if not url:
        return VideoCall(Status.UNAVAILABLE, opens_at)
    return VideoCall(Status.OPEN, opens_at, url)
