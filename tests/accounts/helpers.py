"""Real log-ins for the security tests: through the log-in form, never
force_login (which counts as having passed the second factor)."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.demo import DEMO_TOTP_SECRET, enrol_demo_user
from tests.factories import PASSWORD


def totp_code(secret: str = DEMO_TOTP_SECRET, offset: int = 0) -> str:
    counter = int(time.time()) // 30 + offset
    return format_hotp_value(hotp_value(secret, counter))


def enrol(user) -> list[str]:
    """A TOTP authenticator on the demo secret, with recovery codes."""
    return enrol_demo_user(user)


def password_login(client: Client, email: str, password: str = PASSWORD, **extra):
    return client.post(
        reverse("account_login"), {"login": email, "password": password, **extra}, **_meta()
    )


def _meta() -> dict:
    return {"REMOTE_ADDR": "203.0.113.9"}


def session_cookie(client: Client):
    return client.cookies.get(settings.SESSION_COOKIE_NAME)


def password_only_login(client: Client, user) -> None:
    """A session that proved the password and nothing else, as the Django
    admin's log-in or any other way in than allauth's would leave it. (The
    test client's login() and force_login() count as a finished log-in.)"""
    client._login(user, "django.contrib.auth.backends.ModelBackend")
