"""Rendering shared by every kind: the practice's details and the
unsubscribe link in every e-mail, HTML and plain text from one context."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from notifications.models import OutboxMessage
from notifications.registry import Rendered, get_kind
from notifications.signing import unsubscribe_url


def render_email(message: OutboxMessage, *, template: str, subject: str, context: dict) -> Rendered:
    """`template` without extension: both `.txt` and `.html` are rendered."""
    kind = get_kind(message.kind)
    transactional = kind is not None and kind.transactional
    context = {
        **context,
        "message": message,
        "practice_name": settings.PRACTICE_NAME,
        "practice_phone": settings.PRACTICE_PHONE,
        "practice_email": settings.PRACTICE_EMAIL,
        "site_url": settings.SITE_URL.rstrip("/"),
        "unsubscribe_url": ""
        if transactional
        else unsubscribe_url(message.recipient_email, message.kind),
        "kind_label": kind.label if kind else message.kind,
        "subject": subject,
    }
    return Rendered(
        subject=subject,
        text=render_to_string(f"{template}.txt", context),
        html=html_document(render_to_string(f"{template}.html", context), subject=subject),
    )


def html_document(body: str, *, subject: str) -> str:
    """A whole HTML document around an e-mail's body: mail programs and
    screen readers read its language and title (the subject)."""
    if body.lstrip().lower().startswith("<!doctype"):
        return body
    return render_to_string(
        "notifications/email/document.html",
        {"body": mark_safe(body), "subject": subject},  # noqa: S308 - rendered, escaped, by our templates
    )
