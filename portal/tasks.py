import time

from celery import shared_task
from django.conf import settings

BEAT_HEARTBEAT_KEY = "portal:beat:heartbeat"


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Scheduled by beat every minute; check_deployment reads the time back to
    tell whether beat is alive."""
    if not settings.REDIS_URL:
        return
    import redis

    redis.Redis.from_url(settings.REDIS_URL).set(BEAT_HEARTBEAT_KEY, str(time.time()), ex=3600)


@shared_task(ignore_result=True)
def send_progress_summaries() -> int:
    """Hourly in the daytime: summaries of the period just ended. Safe to run
    twice or from two beats: each (caregiver, period) is queued once."""
    from portal.summaries import summaries_sweep

    return summaries_sweep()


@shared_task(ignore_result=True)
def build_family_export(*, export_id: str) -> None:
    """A family's download: built once (a compare-and-swap claims it)."""
    from portal.services import family_export_build

    family_export_build(export_id=export_id)


@shared_task(ignore_result=True)
def sweep_family_exports() -> int:
    """Hourly: delete expired downloads; start any whose task was lost."""
    from portal.services import family_exports_sweep

    return family_exports_sweep()
