"""The log-in lock-outs in force, for the admin's Locked log-ins page.

django-axes keeps one row per account and address with its failures
(accounts.throttling.LockoutHandler decides from them); this reads the same
rows the same way, in one query.
"""

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True)
class Lockout:
    kind: str  # "pair": an account at one address; "address": every account there
    address: str
    account: str
    failures: int
    last_attempt: datetime


def current_lockouts() -> list[Lockout]:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(attempt_time__gte=since).values_list(
        "username", "ip_address", "failures_since_start", "attempt_time"
    )
    pairs: dict[tuple[str, str], list] = {}
    addresses: dict[str, list] = {}
    for username, address, failures, at in attempts:
        if not address:
            continue
        for totals, key in ((pairs, (username or "", address)), (addresses, address)):
            entry = totals.setdefault(key, [0, at])
            entry[0] += failures
            entry[1] = max(entry[1], at)
    locked = [
        Lockout("address", address, "", count, last)
        for address, (count, last) in addresses.items()
        if count >= settings.AXES_ADDRESS_FAILURE_LIMIT
    ]
    locked_addresses = {lockout.address for lockout in locked}
    locked += [
        Lockout("pair", address, username, count, last)
        for (username, address), (count, last) in pairs.items()
        if username and count >= settings.AXES_FAILURE_LIMIT and address not in locked_addresses
    ]
    return sorted(locked, key=lambda lockout: lockout.last_attempt, reverse=True)
