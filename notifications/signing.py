"""One-click unsubscribe links: signed, so they need no log-in and cannot be
forged for someone else's address; they never expire, as old e-mails linger."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "notifications.unsubscribe"


def unsubscribe_token(email: str, kind: str) -> str:
    return signing.dumps({"e": email.lower(), "k": kind}, salt=SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[str, str] | None:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not {"e", "k"} <= data.keys():
        return None
    return str(data["e"]), str(data["k"])


def unsubscribe_url(email: str, kind: str) -> str:
    path = reverse("notifications:unsubscribe", args=[unsubscribe_token(email, kind)])
    return settings.SITE_URL.rstrip("/") + path
