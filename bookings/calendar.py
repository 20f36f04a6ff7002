"""iCalendar (RFC 5545) feeds: a person's upcoming appointments, for Google,
Apple and Outlook calendars. Events say when and where, never anything
clinical: calendars are synced to third parties. A family's events say
"Appointment at <the practice>" unless the family chose the detailed wording
(E-mail choices): a calendar shared with a partner or synced to a work
account must not learn that a named child has therapy."""

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event, vDuration

from accounts.models import Role, User
from bookings import selectors
from bookings.models import Service
from families.models import Caregiver
from notifications.services import site_domain

# How often calendar apps should fetch the feed again (RFC 7986, and
# Outlook's older name for it).
REFRESH = timedelta(hours=1)


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", f"-//{settings.PRACTICE_NAME}//Bookings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    # An X- property has no type of its own: given as a duration (PT1H).
    cal.add("x-published-ttl", vDuration(REFRESH))
    return cal


def _event(*, uid: str, summary: str, starts_at, ends_at, location: str) -> Event:
    event = Event()
    # On the site's own domain: the same event keeps its UID whichever
    # address the feed was fetched by (never the request's host and port).
    event.add("uid", f"{uid}@{site_domain()}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("location", location)
    event.add(
        "description", f"Details in the portal. To change it, call {settings.PRACTICE_PHONE}."
    )
    return event


def _where(slot) -> str:
    if getattr(slot, "by_video", False) or slot.service.location == Service.Location.VIDEO:
        return "Video call"
    return f"{settings.PRACTICE_NAME}{f', {slot.room}' if slot.room else ''}"


def plain_title() -> str:
    return f"Appointment at {settings.PRACTICE_NAME}"


def family_title(booking, *, detailed: bool) -> str:
    """What a family's calendar calls a booking: the plain title unless the
    family chose the detailed wording. Never a video call's address."""
    if not detailed:
        return plain_title()
    names = ", ".join(child.display_name for child in booking.children.all())
    return f"{booking.slot.service.name}{f' ({names})' if names else ''}"


def booking_ics(booking, *, detailed: bool) -> bytes:
    """One booking as an .ics file (the confirmation e-mail's attachment and
    the booking page's "Add to your calendar"), the same event (UID) as in
    the feed. The call's room address is never in it, nor anything in the
    title: the description gives the portal's join address, which asks for a
    log-in and lets in only those who may see the booking, from 15 minutes
    before the start."""
    slot = booking.slot
    cal = _calendar(settings.PRACTICE_NAME)
    event = _event(
        uid=f"booking-{booking.pk}",
        summary=family_title(booking, detailed=detailed),
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        location=_where(slot),
    )
    page = settings.SITE_URL.rstrip("/") + reverse("bookings:booking_detail", args=[booking.pk])
    event.add("url", page)
    if booking.appointment_id is not None and booking.appointment.by_video:
        join = settings.SITE_URL.rstrip("/") + reverse("bookings:booking_video", args=[booking.pk])
        event["description"] = (
            f"By video call. Join from {join} (it opens 15 minutes before the start, "
            f"once you have logged in). To change it, call {settings.PRACTICE_PHONE}."
        )
    cal.add_component(event)
    return cal.to_ical()


def feed_for(user: User) -> bytes:
    since = timezone.now() - timedelta(days=30)
    cal = _calendar(settings.PRACTICE_NAME)
    if user.role == Role.CAREGIVER:
        detailed = set(
            Caregiver.objects.filter(user=user, detailed_email_wording=True).values_list(
                "family_id", flat=True
            )
        )
        for booking in selectors.calendar_bookings(user, since=since):
            slot = booking.slot
            summary = family_title(booking, detailed=booking.family_id in detailed)
            cal.add_component(
                _event(
                    uid=f"booking-{booking.pk}",
                    summary=summary,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    location=_where(slot),
                )
            )
    else:
        appointments, groups = selectors.calendar_staff_items(user, since=since)
        for appointment in appointments:
            cal.add_component(
                _event(
                    uid=f"appointment-{appointment.pk}",
                    summary=appointment.service.name,
                    starts_at=appointment.starts_at,
                    ends_at=appointment.ends_at,
                    location=_where(appointment),
                )
            )
        for group in groups:
            cal.add_component(
                _event(
                    uid=f"group-{group.pk}",
                    summary=f"{group.service.name}: {group.topic}",
                    starts_at=group.starts_at,
                    ends_at=group.ends_at,
                    location=_where(group),
                )
            )
    return cal.to_ical()
