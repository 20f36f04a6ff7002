"""Writing audit events. Every clinical read or write calls `audit_record`."""

from django.http import HttpRequest

from accounts.models import AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # Behind the proxy, the first address is the client's (see README).
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    candidate = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return candidate or None


def audit_record(
    *,
    request: HttpRequest | None,
    action: str,
    record_type: str = "",
    record_id: int | str = "",
    child_id: int | None = None,
    user=None,
    detail: str = "",
) -> AuditEvent:
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    return AuditEvent.objects.create(
        user=user,
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        child_id=child_id,
        ip_address=client_ip(request),
        path=(request.get_full_path()[:300] if request is not None else ""),
        detail=detail[:300],
    )
