"""Writes of the top floor: a family's download, asked for in a request and
built by a Celery task (portal.tasks), with its e-mail and its expiry."""

import logging
import tempfile
from datetime import timedelta

from django.core.files import File
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from families.models import Family
from notifications.emails import render_email
from notifications.models import OutboxMessage
from notifications.registry import Purpose, Rendered, register
from notifications.services import message_queue
from portal import export
from portal.models import EXPORT_KEPT_FOR, FamilyExport

logger = logging.getLogger(__name__)

EXPORT_READY = "family_download"

Status = FamilyExport.Status


def family_export_request(
    *, family: Family, requester: User, full: bool, request: HttpRequest | None = None
) -> FamilyExport:
    """Record the request (and that it was made, in the access log) and have
    the ZIP built after commit. Asking again while one is being made returns
    that one rather than building twice."""
    with transaction.atomic():
        working = (
            FamilyExport.objects.select_for_update()
            .filter(family=family, requester=requester, status__in=[Status.QUEUED, Status.BUILDING])
            .first()
        )
        if working is not None:
            return working
        job = FamilyExport.objects.create(family=family, requester=requester, full=full)
        audit_record(
            request=request,
            user=requester,
            action=AuditEvent.Action.EXPORT,
            record_type="family",
            record_id=family.pk,
            detail="subject access request (full record)" if full else "family download",
        )
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(export_id) -> None:
    from portal import tasks

    try:
        tasks.build_family_export.delay(export_id=str(export_id))
    except Exception:  # the broker is down: the sweep starts it
        logger.warning("Could not hand download %s to a worker; the sweep will", export_id)


def family_export_build(*, export_id) -> FamilyExport | None:
    """Build the ZIP of a queued download, telling the page how far it has
    got. Claimed by a compare-and-swap, so a retried or doubled task builds
    it once."""
    claimed = FamilyExport.objects.filter(pk=export_id, status=Status.QUEUED).update(
        status=Status.BUILDING
    )
    if not claimed:
        return None
    job = FamilyExport.objects.select_related("family", "requester").get(pk=export_id)
    scope = export.export_scope(family=job.family, requester=job.requester)
    if scope is None or scope.full != job.full:
        # Their place in the family changed since they asked.
        FamilyExport.objects.filter(pk=job.pk).update(
            status=Status.FAILED, finished_at=timezone.now()
        )
        return None

    def progress(done: int, total: int) -> None:
        FamilyExport.objects.filter(pk=job.pk).update(steps_done=done, steps_total=total)

    try:
        with tempfile.TemporaryFile() as target:
            export.export_write(scope, target, progress=progress)
            size = target.tell()
            target.seek(0)
            job.file.save(f"{job.pk}.zip", File(target), save=False)
    except Exception:
        # The page offers to try again; a half-built file is never offered.
        FamilyExport.objects.filter(pk=job.pk).update(
            status=Status.FAILED, finished_at=timezone.now()
        )
        raise
    now = timezone.now()
    with transaction.atomic():
        FamilyExport.objects.filter(pk=job.pk).update(
            status=Status.READY,
            file=job.file.name,
            size=size,
            finished_at=now,
            expires_at=now + EXPORT_KEPT_FOR,
        )
        message_queue(
            kind=EXPORT_READY,
            recipient_email=job.requester.email,
            recipient_id=job.requester_id,
            dedupe_key=f"{EXPORT_READY}:{job.pk}",
            object_type="family_export",
            params={"export": str(job.pk)},
        )
    job.refresh_from_db()
    return job


def family_exports_sweep() -> int:
    """Periodic: delete the files of expired downloads, and start any whose
    hand-over to a worker failed. Harmless when run twice."""
    now = timezone.now()
    expired = 0
    for job in FamilyExport.objects.filter(status=Status.READY, expires_at__lte=now):
        if FamilyExport.objects.filter(pk=job.pk, status=Status.READY).update(
            status=Status.EXPIRED
        ):
            if job.file:
                job.file.delete(save=False)
            FamilyExport.objects.filter(pk=job.pk).update(file="", size=0)
            expired += 1
    # A download still queued a few minutes after it was asked for lost its task.
    stale = FamilyExport.objects.filter(
        status=Status.QUEUED, created_at__lte=now - timedelta(minutes=5)
    ).values_list("pk", flat=True)
    for export_id in stale:
        _enqueue(export_id)
    return expired


def render_export_ready(messages: list[OutboxMessage]) -> dict[int, Rendered | str]:
    jobs = {
        str(job.pk): job
        for job in FamilyExport.objects.filter(
            pk__in=[m.params.get("export") for m in messages]
        ).select_related("family", "requester")
    }
    result: dict[int, Rendered | str] = {}
    for message in messages:
        job = jobs.get(message.params.get("export", ""))
        if job is None or job.status != Status.READY or job.is_expired:
            result[message.pk] = "download no longer available"
            continue
        result[message.pk] = render_email(
            message,
            template="portal/email/family_download",
            subject="Your download is ready",
            context={
                "job": job,
                "family": job.family,
                "url": reverse("privacy:family_export_detail", args=[job.family_id, job.pk]),
            },
        )
    return result


def register_kinds() -> None:
    register(
        EXPORT_READY,
        label="download ready notices",
        render=render_export_ready,
        # The download the person asked for.
        purpose=Purpose.NECESSARY,
        transactional=True,
    )
