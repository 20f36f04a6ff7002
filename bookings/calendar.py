"""iCalendar (RFC 5545) feeds: a person's upcoming appointments, for Google,
Apple and Outlook calendars. Events say when and where, never anything
clinical: calendars are synced to third parties."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from accounts.models import Role, User
from bookings import selectors
from bookings.models import Service


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", f"-//{settings.PRACTICE_NAME}//Bookings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _event(*, uid: str, host: str, summary: str, starts_at, ends_at, location: str) -> Event:
    event = Event()
    event.add("uid", f"{uid}@{host}")
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
    if slot.service.location == Service.Location.VIDEO:
        return "Video call"
    return f"{settings.PRACTICE_NAME}{f', {slot.room}' if slot.room else ''}"


def feed_for(user: User, *, host: str) -> bytes:
    since = timezone.now() - timedelta(days=30)
    cal = _calendar(settings.PRACTICE_NAME)
    if user.role == Role.CAREGIVER:
        for booking in selectors.calendar_bookings(user, since=since):
            slot = booking.slot
            names = ", ".join(child.display_name for child in booking.children.all())
            summary = f"{slot.service.name}{f' ({names})' if names else ''}"
            cal.add_component(
                _event(
                    uid=f"booking-{booking.pk}",
                    host=host,
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
                    host=host,
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
                    host=host,
                    summary=f"{group.service.name}: {group.topic}",
                    starts_at=group.starts_at,
                    ends_at=group.ends_at,
                    location=_where(group),
                )
            )
    return cal.to_ical()
