"""Logged-in sessions for the benchmark, made directly in the session store.

The load generator cannot type a password, let alone a second-factor code, so
the runner writes each persona's session itself: what Django's login() would
store, plus what allauth records once someone has passed the second factor.
If the log-in rules change (a new session flag checked by a middleware), this
is the one place to change.
"""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from accounts.models import User

# allauth's record of how the user proved who they are in this session (see
# allauth.account.internal.flows.login.record_authentication): a session whose
# records include "mfa" has passed the second factor.
AUTHENTICATION_RECORDS_KEY = "account_authentication_methods"
AUTHENTICATION_RECORDS_USER_KEY = "account_authentication_methods_user"
# Session flags of the accounts app (staff second factor and session expiry,
# accounts/middleware.py and accounts/mfa.py once merged): set as a finished
# log-in would, so that no page view needs to rewrite the session.
ACTIVITY_KEY = "accounts.activity_at"
NO_AUTHENTICATOR_KEY = "accounts.mfa_not_enrolled"


def session_data(user: User) -> dict:
    """Everything a session holds after a complete log-in, second factor included."""
    now = time.time()
    is_staff = user.is_practice_staff or user.is_staff or user.is_superuser
    data = {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
        HASH_SESSION_KEY: user.get_session_auth_hash(),
        AUTHENTICATION_RECORDS_KEY: [
            {"method": "password", "at": now, "email": user.email},
            {"method": "mfa", "at": now, "type": "bench"},
        ],
        AUTHENTICATION_RECORDS_USER_KEY: str(user.pk),
        ACTIVITY_KEY: int(now),
    }
    if not is_staff:
        data[NO_AUTHENTICATOR_KEY] = user.pk
    return data


def session_key_for(user: User) -> str:
    """A new session for `user` in the configured session store: the value of
    the session cookie."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    for key, value in session_data(user).items():
        store[key] = value
    staff_seconds = getattr(settings, "STAFF_SESSION_SECONDS", None)
    if staff_seconds and (user.is_practice_staff or user.is_staff or user.is_superuser):
        store.set_expiry(staff_seconds)
    store.create()
    return store.session_key
