"""Web push (RFC 8030) with VAPID (RFC 8292), through `pywebpush`: the
payload is encrypted for the browser's keys (aes128gcm, RFC 8291), so the
push service carries it without reading it. Offered only when the VAPID keys
are set.

Errors are sorted for the outbox: `PushUnavailable` (the push service or the
network is down, or asks us to slow down) is an OSError, which the outbox
retries; `DeviceGone` (404/410: the person or the browser withdrew the
subscription) removes the device; `PushRefused` (any other 4xx) is final.
"""

import hashlib
import json
from urllib.parse import urlsplit

from django.conf import settings
from pywebpush import WebPushException, webpush

from notifications.models import PushDevice

TIMEOUT_SECONDS = 10
# How long the push service keeps a message for a phone that is off: a
# reminder is still worth having a day later, not a week.
TTL_SECONDS = 24 * 60 * 60


class PushUnavailable(OSError):
    """Worth another try later."""


class DeviceGone(Exception):
    """The subscription no longer exists."""


class PushRefused(Exception):
    """The push service will never take this one."""


def push_offered() -> bool:
    return bool(settings.WEBPUSH_VAPID_PRIVATE_KEY and settings.WEBPUSH_VAPID_PUBLIC_KEY)


def endpoint_allowed(endpoint: str) -> bool:
    """Whether a subscription's address belongs to a push service we accept
    (WEBPUSH_ENDPOINT_ORIGINS): the portal posts to it, so it must not be
    any address someone typed."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return False
    if not host or parts.username or parts.password:
        return False
    for origin in settings.WEBPUSH_ENDPOINT_ORIGINS:
        allowed = urlsplit(origin)
        allowed_host = (allowed.hostname or "").lower()
        subdomains = allowed_host.startswith(".")
        if parts.scheme != allowed.scheme or port != allowed.port or not allowed_host.strip("."):
            continue
        if host.endswith(allowed_host) if subdomains else host == allowed_host:
            return True
    return False


def topic(dedupe_key: str) -> str:
    """The same short tag every time one message is sent: the push service
    replaces an undelivered copy with the same Topic, and the phone replaces a
    shown notification with the same tag, so a message handed over twice (a
    worker that died after the hand-over) shows once."""
    return hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]


def push_send(*, device: PushDevice, payload: dict, tag: str) -> None:
    try:
        webpush(
            subscription_info={
                "endpoint": device.endpoint,
                "keys": {"p256dh": device.p256dh, "auth": device.auth},
            },
            data=json.dumps(payload, separators=(",", ":")),
            vapid_private_key=settings.WEBPUSH_VAPID_PRIVATE_KEY,
            # A fresh dict: pywebpush writes the audience and expiry into it.
            vapid_claims={"sub": settings.WEBPUSH_CONTACT},
            content_encoding="aes128gcm",
            timeout=TIMEOUT_SECONDS,
            ttl=TTL_SECONDS,
            headers={"Topic": tag, "Urgency": "normal"},
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        text = f"push service {status}: {error.message}"[:300]
        if status in (404, 410):
            raise DeviceGone(text) from error
        if status is None or status >= 500 or status == 429:
            raise PushUnavailable(text) from error
        raise PushRefused(text) from error
