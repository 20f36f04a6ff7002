"""allauth's e-mails (password reset, "no account with that address", its
security notices) in the practice's voice and through the outbox like every
other e-mail: a row in "E-mails sent", the same headers, the site's own
Message-ID, links from SITE_URL rather than from whatever host the request
named (a forged Host header must not put its own link in a reset e-mail).

The reset link lives only in this request (the database keeps no copy of
it), so the e-mail is sent here, recorded in the outbox once
(`message_send_direct`), as invitations are."""

import uuid
from urllib.parse import quote

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape, linebreaks

from accounts.adapter import AccountAdapter
from notifications.emails import render_email
from notifications.models import OutboxMessage
from notifications.registry import Purpose, register
from notifications.services import message_send_direct

# allauth's template prefix → our kind of e-mail, and what it is called.
ACCOUNT_KINDS = {
    "account/email/password_reset_key": ("account_password_reset", "password reset e-mails"),
    "account/email/unknown_account": ("account_unknown", "“no account” replies"),
    "account/email/password_changed": ("account_password_changed", "password change notices"),
    "account/email/password_set": ("account_password_set", "password set notices"),
    "account/email/email_changed": ("account_email_changed", "e-mail address change notices"),
}
OTHER_ACCOUNT_KIND = ("account_notice", "account notices")


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


class OutboxAccountAdapter(AccountAdapter):
    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return _site_url(path.replace("UID-KEY", quote(key)))

    def format_email_subject(self, subject: str) -> str:
        # allauth puts "[host:port]" in front; ours say who they are from.
        return subject

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        kind, _label = ACCOUNT_KINDS.get(template_prefix, OTHER_ACCOUNT_KIND)
        context = {
            **context,
            "practice_name": settings.PRACTICE_NAME,
            "practice_phone": settings.PRACTICE_PHONE,
            "practice_email": settings.PRACTICE_EMAIL,
            "email": email,
            "login_url": _site_url(reverse("account_login")),
            "reset_url": _site_url(reverse("account_reset_password")),
        }
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).split())
        draft = OutboxMessage(kind=kind, recipient_email=email)
        try:
            content = render_email(
                draft, template=f"{template_prefix}_message", subject=subject, context=context
            )
        except TemplateDoesNotExist:
            # allauth's own notices come as text only: the HTML part says the same.
            text = render_to_string(f"{template_prefix}_message.txt", context)
            content = render_email(
                draft,
                template="notifications/email/account_notice",
                subject=subject,
                context={
                    **context,
                    "notice_text": text,
                    "notice_html": linebreaks(escape(text)),
                },
            )
        user = context.get("user")
        message_send_direct(
            kind=kind,
            recipient_email=email,
            recipient_id=getattr(user, "pk", None),
            # Each is a new e-mail: a second reset request is a second e-mail.
            dedupe_key=f"{kind}:{uuid.uuid4().hex}",
            content=content,
            object_type="user" if user is not None else "",
            object_id=getattr(user, "pk", None),
        )


def _sent_by_request(messages) -> dict:
    # Never reached by the outbox sweep (sent in the request); a stale row is
    # closed rather than sent without its link.
    return {message.pk: "sent when it was asked for only" for message in messages}


def register_kinds() -> None:
    for kind, label in [*ACCOUNT_KINDS.values(), OTHER_ACCOUNT_KIND]:
        register(
            kind,
            label=label,
            render=_sent_by_request,
            purpose=Purpose.NECESSARY,
            transactional=True,
        )
