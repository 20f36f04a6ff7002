"""Who must use a second factor, and whether this session has passed it.

allauth keeps a list of the ways the user proved who they are in this session
("password", "mfa", …). A session counts as having passed the second factor
when "mfa" is in it: allauth adds it after the code at log-in, after a
re-authentication with a code, and we add it when someone has just set up an
authenticator (they typed a valid code to do so).
"""

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from accounts.models import User

# Set for a family member without an authenticator, so that the check costs
# one query per session rather than one per page.
NO_AUTHENTICATOR_SESSION_KEY = "accounts.mfa_not_enrolled"


def mfa_required(user: User) -> bool:
    """Staff (and anyone with the Django admin) must have a second factor."""
    return bool(user.is_practice_staff or user.is_staff or user.is_superuser)


def has_authenticator(user: User) -> bool:
    return (
        Authenticator.objects.filter(user=user)
        .exclude(type=Authenticator.Type.RECOVERY_CODES)
        .exists()
    )


def session_passed_mfa(request: HttpRequest) -> bool:
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def mark_session_passed_mfa(request: HttpRequest, user: User, **extra) -> None:
    record_authentication(request, user, "mfa", **extra)
