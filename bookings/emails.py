"""E-mails about the diary, sent through the outbox (notifications):
reminders before confirmed bookings, confirmations, cancellations and
waitlist offers and their expiry.

Reminders: `reminders_sweep` (every five minutes) queues one outbox row per
(booking, offset, recipient, channel) that is due: an e-mail, a text message
and a push notification to each of the person's devices, as they chose on How
we contact you. The dedupe key holds the booking's start time, so a moved
booking gets reminders for its new time, and at sending a row whose booking
was cancelled or moved since is skipped.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from bookings import calendar
from bookings.models import Appointment, Booking, Service, WaitlistEntry
from bookings.permissions import booking_audience
from families.models import REMINDER_EMAIL as REMINDER
from families.models import AccessLevel, Caregiver, Child
from families.services import caregiver_reminders_restart, caregiver_reminders_stop
from notifications.emails import render_email
from notifications.models import Channel, OutboxMessage
from notifications.registry import Purpose, Rendered, Short, register
from notifications.services import (
    channel_messages,
    channel_messages_queue,
    dispatch,
    message_queue,
    messages_queue_many,
    push_devices_of,
    text_numbers_of,
)

CONFIRMED = "booking_confirmed"
CANCELLED = "booking_cancelled"
WAITLIST_OFFER = "waitlist_offer"
WAITLIST_EXPIRED = "waitlist_expired"

SWEEP_CHUNK = 2000


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


# --- Who hears about a booking --------------------------------------------------------


@dataclass(frozen=True)
class _Taker:
    user_id: int
    email: str
    by_email: bool
    by_text: bool
    by_push: bool


def _people(rows, *, reminders: bool) -> dict[int, list[_Taker]]:
    """Who hears about each booking, and how, from `booking_audience` rows:
    everyone who sees it by e-mail (for reminders, those who take them, by
    the channels they chose), and last the person bringing the child, who
    always hears by e-mail (and by the other channels they chose)."""
    people: dict[int, list[tuple[bool, str, _Taker]]] = defaultdict(list)
    for pk, caregiver_id, user_id, email, by_email, by_text, by_push, escort_id in rows:
        brings = caregiver_id == escort_id
        if not reminders:
            by_email, by_text, by_push = True, False, False
        elif brings:
            by_email = True
        if by_email or by_text or by_push:
            taker = _Taker(user_id, email, by_email, bool(by_text), bool(by_push))
            people[pk].append((brings, email, taker))
    return {
        pk: [taker for _brings, _email, taker in sorted(found, key=lambda p: (p[0], p[1]))]
        for pk, found in people.items()
    }


def _recipients(booking: Booking, *, reminders: bool = False) -> list[tuple[int, str]]:
    """(user id, e-mail) of the people who see the booking (for reminders:
    those who take them) and of the person bringing the child."""
    rows = booking_audience(Booking.objects.filter(pk=booking.pk))
    return [
        (taker.user_id, taker.email)
        for taker in _people(rows, reminders=reminders).get(booking.pk, [])
    ]


def booking_notify(*, booking: Booking, kind: str, by_id: int | None = None) -> None:
    """Queue a confirmation or cancellation for everyone who hears about the
    booking. Called inside the booking's transaction: nothing goes if it rolls back.
    `by_id`: who booked or cancelled. To them it is a receipt, sent whatever
    the family's consent to e-mails about therapy says; to the others it is
    about therapy (notifications.registry.Purpose.RECEIPT)."""
    for user_id, email in _recipients(booking):
        message_queue(
            kind=kind,
            recipient_email=email,
            recipient_id=user_id,
            dedupe_key=f"{kind}:{booking.pk}:{user_id}",
            object_type="booking",
            object_id=booking.pk,
            params={"family": booking.family_id, "by": by_id},
        )


def bookings_cancelled_notify(*, booking_ids: list[int], by_id: int | None = None) -> None:
    for booking in Booking.objects.filter(pk__in=booking_ids):
        booking_notify(booking=booking, kind=CANCELLED, by_id=by_id)


def waitlist_notify(*, entry: WaitlistEntry, kind: str) -> None:
    """An offer also goes to the devices of the primary caregivers who chose it."""
    primaries = list(
        Caregiver.objects.filter(
            family_id=entry.family_id, access_level=AccessLevel.PRIMARY
        ).values_list("user_id", "user__email", "offers_by_push")
    )
    stamp = _stamp(entry.offered_at) if entry.offered_at else "never"
    devices = (
        push_devices_of({user_id for user_id, _email, by_push in primaries if by_push})
        if kind == WAITLIST_OFFER
        else {}
    )
    for user_id, email, _by_push in primaries:
        fields = {
            "kind": kind,
            "recipient_email": email,
            "recipient_id": user_id,
            "dedupe_key": f"{kind}:{entry.pk}:{stamp}:{user_id}",
            "object_type": "waitlist_entry",
            "object_id": entry.pk,
            "params": {"family": entry.family_id},
        }
        message_queue(**fields)
        if devices.get(user_id):
            channel_messages_queue(OutboxMessage(**fields), by_text=False, devices=devices[user_id])


# --- Reminders --------------------------------------------------------------------------


def _due_offset(
    offsets: list, *, starts: datetime, created_at: datetime, now: datetime
) -> int | None:
    """The reminder to send now: the nearest one whose time has come. An
    earlier one missed (the sweep was down) is not sent late on top of it,
    and none whose time had passed when the booking was made (the
    confirmation said it all)."""
    due = [
        hours
        for hours in offsets
        if isinstance(hours, int) and created_at <= starts - timedelta(hours=hours) <= now
    ]
    return min(due) if due else None


def reminders_sweep(*, now: datetime | None = None) -> int:
    """Queue and send the reminders that are due. Harmless when run twice or
    by two beats at once: rows are keyed, and sending claims them."""
    now = now or timezone.now()
    longest = max(
        (
            hours
            for offsets in Service.objects.values_list("reminder_offsets_hours", flat=True)
            for hours in (offsets or [])
            if isinstance(hours, int)
        ),
        default=0,
    )
    if not longest:
        return 0
    bookings = (
        Booking.objects.filter(status=Booking.Status.CONFIRMED)
        .exclude(appointment__status=Appointment.Status.CANCELLED)
        .exclude(group_session__cancelled_at__isnull=False)
        .annotate(
            starts=Coalesce("appointment__starts_at", "group_session__starts_at"),
            offsets=Coalesce(
                "appointment__service__reminder_offsets_hours",
                "group_session__service__reminder_offsets_hours",
            ),
        )
        .filter(starts__gt=now, starts__lte=now + timedelta(hours=longest))
        .values_list("pk", "family_id", "created_at", "starts", "offsets")
        .order_by("pk")
    )
    queued = 0
    rows = list(bookings)
    for start in range(0, len(rows), SWEEP_CHUNK):
        queued += _queue_reminders(rows[start : start + SWEEP_CHUNK], now=now)
    return queued


def _queue_reminders(rows: list[tuple], *, now: datetime) -> int:
    due = []
    for pk, family_id, created_at, starts, offsets in rows:
        offset = _due_offset(offsets or [], starts=starts, created_at=created_at, now=now)
        if offset is not None:
            due.append((pk, family_id, starts, offset))
    if not due:
        return 0
    people_of = _people(
        booking_audience(Booking.objects.filter(pk__in=[row[0] for row in due])), reminders=True
    )
    everyone = [person for people in people_of.values() for person in people]
    numbers = text_numbers_of({person.user_id for person in everyone if person.by_text})
    devices = push_devices_of({person.user_id for person in everyone if person.by_push})
    messages = []
    for pk, family_id, starts, offset in due:
        for person in people_of.get(pk, []):
            email = OutboxMessage(
                kind=REMINDER,
                recipient_id=person.user_id,
                recipient_email=person.email,
                object_type="booking",
                object_id=pk,
                params={"offset": offset, "starts_at": starts.isoformat(), "family": family_id},
                dedupe_key=f"{REMINDER}:{pk}:{offset}h:{_stamp(starts)}:{person.user_id}",
            )
            if person.by_email:
                messages.append(email)
            messages.extend(
                channel_messages(
                    email,
                    by_text=person.by_text and person.user_id in numbers,
                    devices=devices.get(person.user_id, []) if person.by_push else [],
                )
            )
    messages_queue_many(messages)
    keys = [message.dedupe_key for message in messages]
    ids: list[int] = []
    for start in range(0, len(keys), 1000):
        ids.extend(
            OutboxMessage.objects.filter(
                dedupe_key__in=keys[start : start + 1000], status=OutboxMessage.Status.QUEUED
            ).values_list("pk", flat=True)
        )
    dispatch(ids)
    return len(ids)


# --- Rendering -------------------------------------------------------------------------


def _bookings(ids) -> dict[int, Booking]:
    return {
        booking.pk: booking
        for booking in Booking.objects.filter(pk__in=set(ids))
        .select_related(
            "family",
            "escort__user",
            "appointment__service",
            "appointment__therapist",
            "appointment__room",
            "appointment__series",
            "group_session__service",
            "group_session__therapist",
            "group_session__room",
        )
        .prefetch_related(Prefetch("children", queryset=Child.objects.order_by("first_name")))
    }


def _slot_cancelled(booking: Booking) -> bool:
    slot = booking.slot
    if booking.appointment_id:
        return slot.status == Appointment.Status.CANCELLED
    return slot.cancelled_at is not None


def _detailed(messages: list[OutboxMessage], bookings: dict[int, Booking]) -> set[int]:
    """The rows whose recipient's family chose the detailed wording (E-mail
    choices). The others say "Appointment at <the practice>" with the time
    and place: a shared inbox must not learn that a named child has therapy."""
    chosen = set(
        Caregiver.objects.filter(
            user_id__in={m.recipient_id for m in messages},
            family_id__in={b.family_id for b in bookings.values()},
            detailed_email_wording=True,
        ).values_list("user_id", "family_id")
    )
    return {
        m.pk
        for m in messages
        if m.object_id in bookings and (m.recipient_id, bookings[m.object_id].family_id) in chosen
    }


def _title(booking: Booking, *, detailed: bool) -> str:
    if detailed:
        return booking.slot.service.name
    return f"appointment at {settings.PRACTICE_NAME}"


def _series_visits(booking: Booking) -> list[datetime]:
    """The start of every visit of the booking's series still on (one query),
    for the one confirmation a series sends."""
    if booking.appointment_id is None or booking.appointment.series_id is None:
        return []
    return list(
        Appointment.objects.filter(series_id=booking.appointment.series_id)
        .exclude(status=Appointment.Status.CANCELLED)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )


def _booking_context(booking: Booking, *, detailed: bool) -> dict:
    slot = booking.slot
    return {
        "detailed": detailed,
        "booking": booking,
        "slot": slot,
        "service": slot.service,
        "children": list(booking.children.all()),
        "is_video": slot.service.location == Service.Location.VIDEO
        or getattr(slot, "by_video", False),
        "url": reverse("bookings:booking_detail", args=[booking.pk]),
        # The portal's address of the call (bookings.video): never the room's.
        "join_url": reverse("bookings:booking_video", args=[booking.pk])
        if getattr(slot, "by_video", False)
        else "",
    }


def render_reminders(messages: list[OutboxMessage]) -> dict[int, Rendered | str]:
    bookings = _bookings(m.object_id for m in messages)
    detailed = _detailed(messages, bookings)
    now = timezone.now()
    result: dict[int, Rendered | str] = {}
    for message in messages:
        booking = bookings.get(message.object_id)
        problem = _reminder_problem(message, booking, now)
        if problem:
            result[message.pk] = problem
            continue
        starts = booking.slot.starts_at
        full = message.pk in detailed
        result[message.pk] = render_email(
            message,
            template="bookings/email/reminder",
            subject=f"Reminder: {_title(booking, detailed=full)}, "
            f"{timezone.localtime(starts):%A %-d %B at %H:%M %Z}",
            context=_booking_context(booking, detailed=full),
        )
    return result


def _reminder_problem(message: OutboxMessage, booking: Booking | None, now: datetime) -> str:
    """Why a reminder is no longer to be sent, or "" (any channel)."""
    if booking is None or booking.status != Booking.Status.CONFIRMED or _slot_cancelled(booking):
        return "booking cancelled"
    starts = booking.slot.starts_at
    if starts.isoformat() != message.params.get("starts_at"):
        return "booking moved"
    if starts <= now:
        return "too late: it has started"
    return ""


REPLY_HINT = "Reply C to confirm or X to cancel."


def render_reminder_shorts(messages: list[OutboxMessage]) -> dict[int, Short | str]:
    """A reminder as a text message or a push notification. It shows on a
    locked phone, so like the e-mail's subject it never names a child: the
    title is the subject's wording, the body the time and the place."""
    bookings = _bookings(m.object_id for m in messages)
    detailed = _detailed(messages, bookings)
    now = timezone.now()
    result: dict[int, Short | str] = {}
    for message in messages:
        booking = bookings.get(message.object_id)
        problem = _reminder_problem(message, booking, now)
        if problem:
            result[message.pk] = problem
            continue
        slot = booking.slot
        when = f"{timezone.localtime(slot.starts_at):%A %-d %B at %H:%M %Z}"
        if slot.service.location == Service.Location.VIDEO or getattr(slot, "by_video", False):
            where = "by video call"
        elif slot.service.location == Service.Location.EITHER:
            where = "at the clinic"
        else:
            where = slot.service.get_location_display() + (f", {slot.room}" if slot.room else "")
        body = f"{when}, {where}."
        if message.channel == Channel.TEXT:
            body += f" {REPLY_HINT}"
        title = _title(booking, detailed=message.pk in detailed)
        result[message.pk] = Short(
            title=f"Reminder: {title}",
            body=body,
            url=reverse("bookings:booking_detail", args=[booking.pk]),
        )
    return result


def _with_ics(rendered: Rendered, booking: Booking, *, detailed: bool) -> Rendered:
    """The confirmation with the booking as a calendar file, worded as the
    e-mail is."""
    return replace(
        rendered,
        attachments=(
            *rendered.attachments,
            (
                "appointment.ics",
                calendar.booking_ics(booking, detailed=detailed),
                "text/calendar",
            ),
        ),
    )


def _render_booking_kind(template: str, subject: str, *, active: bool | None, ics: bool = False):
    def render(messages: list[OutboxMessage]) -> dict[int, Rendered | str]:
        bookings = _bookings(m.object_id for m in messages)
        detailed = _detailed(messages, bookings)
        result: dict[int, Rendered | str] = {}
        for message in messages:
            booking = bookings.get(message.object_id)
            full = message.pk in detailed
            if booking is None:
                result[message.pk] = "booking removed"
            elif active is True and not booking.is_active:
                result[message.pk] = "booking cancelled since"
            else:
                context = _booking_context(booking, detailed=full)
                if template.endswith("confirmed"):
                    context["series_visits"] = _series_visits(booking)
                    context["series"] = (
                        booking.appointment.series if context["series_visits"] else None
                    )
                rendered = render_email(
                    message,
                    template=template,
                    subject=subject.format(title=_title(booking, detailed=full)),
                    context=context,
                )
                if ics:
                    rendered = _with_ics(rendered, booking, detailed=full)
                result[message.pk] = rendered
        return result

    return render


def _render_waitlist(template: str, subject: str, status: str):
    def render(messages: list[OutboxMessage]) -> dict[int, Rendered | str]:
        entries = {
            entry.pk: entry
            for entry in WaitlistEntry.objects.filter(
                pk__in={m.object_id for m in messages}
            ).select_related("group_session__service", "family")
        }
        result: dict[int, Rendered | str] = {}
        for message in messages:
            entry = entries.get(message.object_id)
            if entry is None or entry.status != status:
                result[message.pk] = "no longer applies"
                continue
            result[message.pk] = render_email(
                message,
                template=template,
                subject=subject.format(topic=entry.group_session.topic),
                context={
                    "entry": entry,
                    "group": entry.group_session,
                    "url": reverse("bookings:waitlist_accept", args=[entry.pk]),
                    "groups_url": reverse("bookings:book_start"),
                },
            )
        return result

    return render


def render_offer_shorts(messages: list[OutboxMessage]) -> dict[int, Short | str]:
    """A waitlist offer as a push notification: the group's topic, as in the
    e-mail's subject, and nobody's name."""
    entries = {
        entry.pk: entry
        for entry in WaitlistEntry.objects.filter(
            pk__in={m.object_id for m in messages}
        ).select_related("group_session")
    }
    result: dict[int, Short | str] = {}
    for message in messages:
        entry = entries.get(message.object_id)
        if entry is None or entry.status != WaitlistEntry.Status.OFFERED:
            result[message.pk] = "no longer applies"
            continue
        until = (
            f" until {timezone.localtime(entry.offer_expires_at):%A %-d %B at %H:%M}"
            if entry.offer_expires_at
            else ""
        )
        result[message.pk] = Short(
            title=f"A place has come up: {entry.group_session.topic}",
            body=f"We are holding it for you{until}. Tap to take it.",
            url=reverse("bookings:waitlist_accept", args=[entry.pk]),
        )
    return result


def register_kinds() -> None:
    register(
        REMINDER,
        label="appointment reminders",
        render=render_reminders,
        purpose=Purpose.ABOUT_THERAPY,
        render_short=render_reminder_shorts,
        on_optout=caregiver_reminders_stop,
        on_optin=caregiver_reminders_restart,
    )
    register(
        CONFIRMED,
        label="booking confirmations",
        render=_render_booking_kind(
            "bookings/email/booking_confirmed", "Booked: {title}", active=True, ics=True
        ),
        # To the caregiver who booked: their receipt. Booked by the practice
        # (or by another caregiver): news about the child's therapy.
        purpose=Purpose.RECEIPT,
    )
    register(
        CANCELLED,
        label="cancellation notices",
        render=_render_booking_kind(
            "bookings/email/booking_cancelled", "Cancelled: {title}", active=None
        ),
        purpose=Purpose.RECEIPT,
    )
    register(
        WAITLIST_OFFER,
        label="waitlist offers",
        render=_render_waitlist(
            "bookings/email/waitlist_offer",
            "A place has come up: {topic}",
            WaitlistEntry.Status.OFFERED,
        ),
        # The family joined the list long before: the offer is news, not a receipt.
        purpose=Purpose.ABOUT_THERAPY,
        render_short=render_offer_shorts,
    )
    register(
        WAITLIST_EXPIRED,
        label="waitlist offer endings",
        render=_render_waitlist(
            "bookings/email/waitlist_expired",
            "The place we held has gone: {topic}",
            WaitlistEntry.Status.EXPIRED,
        ),
        purpose=Purpose.ABOUT_THERAPY,
    )
