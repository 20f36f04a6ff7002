"""The unread-message nudge. Thin: take an id, call the service."""

from celery import shared_task


@shared_task(
    autoretry_for=(OSError,), retry_backoff=30, retry_kwargs={"max_retries": 5}, acks_late=True
)
def send_unread_nudge(*, message_id: int) -> int:
    from messaging.services import message_nudge

    return message_nudge(message_id=message_id)


@shared_task
def sweep_unread_nudges() -> int:
    """Periodic (every 5 minutes): catches nudges whose delayed task was lost."""
    from messaging.services import nudges_sweep

    return nudges_sweep()
