"""Writes for accounts: lifting a log-in lock-out."""

from axes.utils import reset
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.http import HttpRequest

from accounts.audit import audit_record
from accounts.models import AuditEvent, User


def lockout_lift(
    *, by: User, kind: str, address: str, account: str = "", request: HttpRequest | None = None
) -> int:
    """Forget the failed log-ins of an account at an address ("pair") or of
    everyone at an address ("address"), so they can try again at once.
    Returns how many counters were cleared."""
    address = address.strip()
    account = account.strip().lower()[:255]
    try:
        validate_ipv46_address(address)
    except ValidationError:
        raise ValidationError("Choose an address from the list.") from None
    if kind == "pair":
        if not account:
            raise ValidationError("Say which account to unlock.")
        cleared = reset(ip=address, username=account)
        what = f"{account} at {address}"
    elif kind == "address":
        cleared = reset(ip=address)
        what = f"address {address}"
    else:
        raise ValidationError("Unlock an account at an address, or an address.")
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.PERMISSION,
        record_type="lockout",
        detail=f"lifted for {what}"[:300],
    )
    return cleared
