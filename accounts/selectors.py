"""Reads for the security pages: the audit search and a child's access
history (the log-in lock-outs: accounts.lockouts). Each is a fixed number of
queries."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    user: str = ""  # part of the e-mail or name
    action: str = ""
    record_type: str = ""
    child_id: int | None = None
    since: date | None = None
    until: date | None = None


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_search(filters: AuditFilters) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("user")
    if filters.user:
        events = events.filter(
            Q(user__email__icontains=filters.user) | Q(user__full_name__icontains=filters.user)
        )
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.record_type:
        events = events.filter(record_type=filters.record_type)
    if filters.child_id is not None:
        events = events.filter(child_id=filters.child_id)
    if filters.since:
        events = events.filter(at__gte=_start_of(filters.since))
    if filters.until:
        events = events.filter(at__lt=_start_of(filters.until) + timedelta(days=1))
    return events.order_by("-at", "-id")


def audit_record_types() -> list[str]:
    return list(
        AuditEvent.objects.exclude(record_type="")
        .order_by("record_type")
        .values_list("record_type", flat=True)
        .distinct()
    )


def child_access_history(child_id: int) -> QuerySet[AuditEvent]:
    """Everyone who saw or changed anything of this child's record."""
    return (
        AuditEvent.objects.filter(child_id=child_id).select_related("user").order_by("-at", "-id")
    )
