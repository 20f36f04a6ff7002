"""Reports for a family: the progress report is generated on demand (nothing
stored); therapists upload other reports (PDF) to share with the family; a
record is kept of every report a family sent to their child's school.

Sits on top of goals and sessions_app (it reads both), beside messaging.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from families.models import Child


def document_path(instance: "SharedDocument", filename: str) -> str:
    return f"reports/{instance.child_id}/{instance.id}.pdf"


class SharedDocument(models.Model):
    """A report (PDF) a therapist shares with the family: a school report, a
    letter to the GP, an assessment write-up."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="shared_documents")
    title = models.CharField(max_length=150)
    file = models.FileField(upload_to=document_path, max_length=200)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ReportShare(models.Model):
    """A progress report a primary caregiver sent to their child's school or
    doctor, allowed by the family's consent for that recipient at that moment."""

    class Recipient(models.TextChoices):
        SCHOOL = "school", "School"
        DOCTOR = "doctor", "Doctor (GP or paediatrician)"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="report_shares")
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient_kind = models.CharField(
        "send it to", max_length=10, choices=Recipient.choices, default=Recipient.SCHOOL
    )
    recipient_email = models.EmailField("their e-mail address")
    period_start = models.DateField()
    period_end = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Report on {self.child} to {self.recipient_email}"
