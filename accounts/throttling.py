"""Hooks for django-axes: what counts as "the account" and "the address" of a
log-in attempt."""

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.http import HttpRequest

from accounts.audit import client_ip as _client_ip


def login_identifier(request: HttpRequest, credentials: dict | None) -> str:
    """The e-mail typed, lower-cased, so that "Ann@x" and "ann@x" share a count.
    allauth passes it as `email`; the Django admin as `username`."""
    credentials = credentials or {}
    raw = credentials.get("email") or credentials.get("username") or ""
    if not raw and request is not None:
        raw = request.POST.get("login", "") or request.POST.get("username", "")
    return str(raw).strip().lower()[:255]


def client_ip(request: HttpRequest) -> str:
    return _client_ip(request) or ""


class AxesBackend(AxesStandaloneBackend):
    """Throttle every log-in that comes from a web request.

    Django's test client and management scripts authenticate without a request;
    there is no address to count and nobody to throttle, so they pass through
    (the real check happens for every form post, which always has a request).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler with two limits instead of one.

    An account is locked only at the address its failures came from
    (AXES_FAILURE_LIMIT), so ten wrong passwords from a stranger cannot keep
    a therapist out of work; an address is locked, for every account, after
    AXES_ADDRESS_FAILURE_LIMIT failures, so one address cannot try many
    accounts. axes compares one number with AXES_FAILURE_LIMIT: an address
    past its own limit reports at least that many.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        recent = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        ).values_list("username", "failures_since_start")
        at_address = account_at_address = 0
        for attempt_username, failures in recent:
            at_address += failures
            if attempt_username == username:
                account_at_address += failures
        if at_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(account_at_address, get_failure_limit(request, credentials))
        return account_at_address
