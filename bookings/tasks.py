"""E-mails about bookings. Thin tasks: take ids, load, render, send. Queued
after commit by bookings.services."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse


def _send(*, subject: str, template: str, context: dict, to: list[str]) -> None:
    if not to:
        return
    context = {
        **context,
        "practice_name": settings.PRACTICE_NAME,
        "practice_phone": settings.PRACTICE_PHONE,
        "site_url": settings.SITE_URL.rstrip("/"),
    }
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"bookings/email/{template}.txt", context), to=to
    )
    message.attach_alternative(
        render_to_string(f"bookings/email/{template}.html", context), "text/html"
    )
    message.send()


@shared_task(
    autoretry_for=(OSError,), retry_backoff=30, retry_kwargs={"max_retries": 5}, acks_late=True
)
def send_booking_confirmation(*, booking_id: int) -> None:
    from bookings.selectors import booking_recipients, booking_with_details

    booking = booking_with_details(booking_id)
    if booking is None or not booking.is_active:
        return
    _send(
        subject=f"Booked: {booking.slot.service.name}",
        template="booking_confirmed",
        context={
            "booking": booking,
            "slot": booking.slot,
            "url": reverse("bookings:booking_detail", args=[booking.pk]),
        },
        to=booking_recipients(booking),
    )


@shared_task(
    autoretry_for=(OSError,), retry_backoff=30, retry_kwargs={"max_retries": 5}, acks_late=True
)
def send_waitlist_offer(*, entry_id: int) -> None:
    from bookings.models import WaitlistEntry
    from bookings.selectors import family_primary_emails

    entry = (
        WaitlistEntry.objects.select_related("group_session__service", "family")
        .filter(pk=entry_id, status=WaitlistEntry.Status.OFFERED)
        .first()
    )
    if entry is None:
        return
    _send(
        subject=f"A place has come up: {entry.group_session.topic}",
        template="waitlist_offer",
        context={
            "entry": entry,
            "group": entry.group_session,
            "url": reverse("bookings:waitlist_accept", args=[entry.pk]),
        },
        to=family_primary_emails(entry.family_id),
    )


@shared_task
def sweep_waitlists() -> int:
    """Periodic: pass lapsed offers on to the next family. Safe to run twice."""
    from bookings.services import waitlist_sweep

    return waitlist_sweep()
