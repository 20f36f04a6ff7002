"""Writes for accounts: lifting a log-in lock-out."""

from axes.utils import reset
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.http import HttpRequest

from accounts.audit import audit_record
from accounts.models import AuditEvent, User


def lockout_lift(*, by: User, kind: str, value: str, request: HttpRequest | None = None) -> int:
    """Forget the failed log-ins of an account or an address, so it can try
    again at once. Returns how many counters were cleared."""
    value = value.strip()[:255]
    if not value:
        raise ValidationError("Say which account or address to unlock.")
    if kind == "account":
        cleared = reset(username=value)
    elif kind == "address":
        validate_ipv46_address(value)
        cleared = reset(ip=value)
    else:
        raise ValidationError("Unlock an account or an address.")
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.PERMISSION,
        record_type="lockout",
        detail=f"lifted for {kind} {value}"[:300],
    )
    return cleared
