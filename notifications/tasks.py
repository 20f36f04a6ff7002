"""Thin tasks around notifications.services."""

from celery import shared_task

from notifications import services

# A deliver task that fails for a reason other than e-mail (which the outbox
# retries itself) is retried by Celery; each run sends only the rows left.
RETRY_COUNTDOWN = 30


@shared_task(bind=True, acks_late=True, max_retries=5, ignore_result=True)
def deliver(self, *, message_ids: list[int]) -> dict:
    try:
        result = services.outbox_deliver(message_ids=message_ids)
    except Exception as error:
        raise self.retry(
            exc=error, countdown=RETRY_COUNTDOWN * (self.request.retries + 1)
        ) from error
    return {"sent": len(result.sent), "failed": len(result.failed), "skipped": len(result.skipped)}


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    """Periodic (every minute): send what is queued or due for another try,
    including rows whose hand-over to the broker failed."""
    return services.outbox_sweep()
