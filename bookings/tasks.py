"""Periodic work for the diary. The e-mails themselves go through the outbox
(bookings.emails, notifications)."""

from celery import shared_task


@shared_task(ignore_result=True)
def send_due_reminders() -> int:
    """Every five minutes: queue and send the reminders now due. Safe to run
    twice or from two beats: each (booking, offset, recipient) is keyed."""
    from bookings.emails import reminders_sweep

    return reminders_sweep()


@shared_task(ignore_result=True)
def sweep_waitlists() -> int:
    """Every fifteen minutes: pass lapsed offers on to the next family. Safe to run twice."""
    from bookings.services import waitlist_sweep

    return waitlist_sweep()
