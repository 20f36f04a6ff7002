from celery import shared_task


@shared_task(
    autoretry_for=(OSError,), retry_backoff=30, retry_kwargs={"max_retries": 5}, acks_late=True
)
def send_report_share(*, share_id: int) -> bool:
    from reports.services import report_share_send

    return report_share_send(share_id=share_id)
