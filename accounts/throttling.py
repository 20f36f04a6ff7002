"""Hooks for django-axes: what counts as "the account" and "the address" of a
log-in attempt."""

from axes.backends import AxesStandaloneBackend
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
