"""A family's download, made in the background (portal.export): the request
records what was asked for, a Celery task builds the ZIP and says how far it
has got, and the file is kept for a few days behind a link only its requester
may open."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

# How long a finished download may be fetched before its file is deleted.
EXPORT_KEPT_FOR = timedelta(days=7)


def export_path(instance: "FamilyExport", filename: str) -> str:
    return f"exports/{instance.family_id}/{instance.id}.zip"


class FamilyExport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        BUILDING = "building", "Being put together"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be made"
        EXPIRED = "expired", "Expired"

    # A random id: it is part of the link sent by e-mail.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    family = models.ForeignKey("families.Family", on_delete=models.CASCADE, related_name="exports")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="family_exports"
    )
    # The practice's subject-access copy (everything held) rather than a
    # family's own download (what the requester may see).
    full = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    steps_done = models.PositiveIntegerField(default=0)
    steps_total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=export_path, max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="export_expiry_idx")]

    def __str__(self) -> str:
        return f"download of family {self.family_id} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        if not self.steps_total:
            return 0
        return min(99, self.steps_done * 100 // self.steps_total)

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.EXPIRED or (
            self.expires_at is not None and self.expires_at <= timezone.now()
        )

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.BUILDING)
