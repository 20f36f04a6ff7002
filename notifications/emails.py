"""Rendering shared by every kind: the practice's details and the
unsubscribe link in every e-mail, HTML and plain text from one context."""

from django.conf import settings
from django.template.loader import render_to_string

from notifications.models import OutboxMessage
from notifications.registry import Rendered, get_kind
from notifications.signing import unsubscribe_url


def render_email(message: OutboxMessage, *, template: str, subject: str, context: dict) -> Rendered:
    """`template` without extension: both `.txt` and `.html` are rendered."""
    kind = get_kind(message.kind)
    context = {
        **context,
        "message": message,
        "practice_name": settings.PRACTICE_NAME,
        "practice_phone": settings.PRACTICE_PHONE,
        "practice_email": settings.PRACTICE_EMAIL,
        "site_url": settings.SITE_URL.rstrip("/"),
        "unsubscribe_url": unsubscribe_url(message.recipient_email, message.kind),
        "kind_label": kind.label if kind else message.kind,
    }
    return Rendered(
        subject=subject,
        text=render_to_string(f"{template}.txt", context),
        html=render_to_string(f"{template}.html", context),
    )
