"""Texts families send back to a reminder: "C" confirms they are coming, "X"
cancels (Twilio keeps STOP, CANCEL and the like for itself: they stop every
text from us, at the provider). The reply is about the latest reminder texted
to that number for a booking still to come."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from bookings.emails import REMINDER
from bookings.models import Booking
from bookings.services import booking_cancel
from notifications.models import Channel, OutboxMessage
from notifications.registry import ReplyOutcome

CONFIRM = {"C", "YES", "Y"}
CANCEL = {"X"}


def _latest_reminder(user_ids: list[int]) -> tuple[Booking, User] | None:
    now = timezone.now()
    texted = (
        OutboxMessage.objects.filter(
            channel=Channel.TEXT,
            kind=REMINDER,
            status=OutboxMessage.Status.SENT,
            recipient_id__in=user_ids,
        )
        .order_by("-sent_at", "-id")
        .values_list("object_id", "recipient_id")[:20]
    )
    for booking_id, user_id in texted:
        booking = (
            Booking.objects.filter(pk=booking_id, status=Booking.Status.CONFIRMED)
            .select_related("appointment__service", "group_session__service")
            .first()
        )
        if booking is not None and booking.slot.starts_at > now:
            return booking, User.objects.get(pk=user_id)
    return None


def _when(booking: Booking) -> str:
    return f"{timezone.localtime(booking.slot.starts_at):%A %-d %B at %H:%M}"


def reminder_reply(*, user_ids: list[int], keyword: str) -> ReplyOutcome | None:
    if keyword not in CONFIRM | CANCEL:
        return None
    found = _latest_reminder(user_ids)
    if found is None:
        return ReplyOutcome(
            answer="We could not find an appointment to go with your reply. "
            f"Please call us on {settings.PRACTICE_PHONE}.",
            outcome="no upcoming reminded booking",
        )
    booking, user = found
    if keyword in CONFIRM:
        return ReplyOutcome(
            answer=f"Thank you. See you on {_when(booking)}.",
            outcome=f"confirmed booking {booking.pk}",
        )
    try:
        booking_cancel(booking=booking, by=user, reason="Cancelled by text message")
    except ValidationError as error:
        return ReplyOutcome(
            answer=f"{' '.join(error.messages)} Please call us on {settings.PRACTICE_PHONE}.",
            outcome=f"cancel refused for booking {booking.pk}",
        )
    return ReplyOutcome(
        answer=f"Your appointment on {_when(booking)} is cancelled. We'll e-mail to confirm.",
        outcome=f"cancelled booking {booking.pk}",
    )
