"""iCalendar (RFC 5545) feeds: a person's upcoming appointments, for Google,
Apple and Outlook calendars. Events say when and where, never anything
clinical: calendars are synced to third parties. A family's events say
"Appointment at <the practice>" unless the family chose the detailed wording
(E-mail choices): a calendar shared with a partner or synced to a work
account must not learn that a named child has therapy."""

from datetime import timedelta

from django.conf import settings
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
    if slot.service.location == Service.Location.VIDEO:
        return "Video call"
    return f"{settings.PRACTICE_NAME}{f', {slot.room}' if slot.room else ''}"


def plain_title() -> str:
    return f"Appointment at {settings.PRACTICE_NAME}"


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
            if booking.family_id in detailed:
                names = ", ".join(child.display_name for child in booking.children.all())
                summary = f"{slot.service.name}{f' ({names})' if names else ''}"
            else:
                summary = plain_title()
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
