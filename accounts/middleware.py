"""Request-wide security rules: the second factor for staff, session lifetime
by role, and the Permissions-Policy header."""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from accounts import mfa

# Pages a signed-in person may open before passing the second factor: the
# steps that lead to it, and the way out.
MFA_STEP_URL_NAMES = frozenset(
    {
        "account_logout",
        "account_reauthenticate",
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "mfa_authenticate",
    }
)

# The session is renewed at most this often, so that an ordinary page view
# does not write to the session table (and dashboards keep their query count).
ACTIVITY_RESOLUTION_SECONDS = 60
ACTIVITY_SESSION_KEY = "accounts.activity_at"


class RejectNulBytesMiddleware:
    """No browser sends a NUL character in a form or a link, and PostgreSQL
    refuses one in a query. Turn such a request into a plain "bad request"
    (400) here, once for every view, rather than a server error wherever a
    parameter reaches the database unvalidated."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            raise SuspiciousOperation("NUL character in request parameters")
        return self.get_response(request)


def _has_nul(params) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values) for key, values in params.lists()
    )


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class NoStoreForSignedInMiddleware:
    """Pages seen while logged in hold a child's health record, a family's
    contact details or both: no browser cache, proxy or back button on a
    shared computer may keep a copy. One rule for every signed-in HTML page,
    rather than one decorator per view that a new page could forget."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and response.get("Content-Type", "").startswith("text/html")
        ):
            add_never_cache_headers(response)
        return response


class SessionExpiryMiddleware:
    """Staff sessions end after STAFF_SESSION_SECONDS without a request,
    whatever they ticked at log-in; a family's session lasts as allauth set it
    (14 days from the last visit with "remember me", otherwise until the
    browser closes)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # After the view, so that the request which logs someone in counts.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(ACTIVITY_SESSION_KEY)
            is_staff = mfa.mfa_required(user)
            stale = not isinstance(last, int) or now - last >= ACTIVITY_RESOLUTION_SECONDS
            wrong_expiry = is_staff and (
                request.session.get("_session_expiry") != settings.STAFF_SESSION_SECONDS
            )
            if stale or wrong_expiry:
                request.session[ACTIVITY_SESSION_KEY] = now
                if is_staff:
                    request.session.set_expiry(settings.STAFF_SESSION_SECONDS)
        return response


class MFARequiredMiddleware:
    """No page for staff until they have passed a second factor in this
    session: first-timers are sent to set one up, the others to enter a code.
    A family member who has switched it on is asked for it too (allauth asks
    at log-in; this catches every other way in, such as the Django admin)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.url_name in MFA_STEP_URL_NAMES:
            return None
        if mfa.session_passed_mfa(request):
            return None
        if mfa.mfa_required(user):
            step = "mfa_reauthenticate" if mfa.has_authenticator(user) else "mfa_activate_totp"
            return self._redirect(request, step)
        # A family member: one look per session at whether they opted in.
        if request.session.get(mfa.NO_AUTHENTICATOR_SESSION_KEY) == user.pk:
            return None
        if mfa.has_authenticator(user):
            return self._redirect(request, "mfa_reauthenticate")
        request.session[mfa.NO_AUTHENTICATOR_SESSION_KEY] = user.pk
        return None

    @staticmethod
    def _redirect(request: HttpRequest, step: str) -> HttpResponse:
        url = reverse(step)
        if request.method == "GET":
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        return HttpResponseRedirect(url)
