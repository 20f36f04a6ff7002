"""Writing audit events. Every clinical read or write calls `audit_record`."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

from accounts.models import AuditEvent


def _valid_ip(candidate: str | None) -> str | None:
    if not candidate:
        return None
    try:
        return str(ipaddress.ip_address(candidate.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of whoever sent the request, as far as we can know it.

    X-Forwarded-For is whatever the client wrote, with each proxy on the way
    appending the address it saw. Only the entries added by our own proxies
    can be believed: with TRUSTED_PROXY_COUNT proxies in front of the portal,
    the address the outermost one saw is that many entries from the right.
    With none (the default), the header is ignored entirely, so nobody can
    invent an address to dodge a lock-out or to write into the audit trail.
    The log-in throttles (django-axes, allauth) use this same function.
    """
    if request is None:
        return None
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:
        # Not through all our proxies: the nearest sender is all we know.
        return remote
    return _valid_ip(hops[-proxies]) or remote


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
