from celery import shared_task
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from families.models import Invitation

INVITATION = "invitation"


@shared_task(
    autoretry_for=(OSError,), retry_backoff=30, retry_kwargs={"max_retries": 5}, acks_late=True
)
def send_invitation_email(*, invitation_id: int, token: str) -> None:
    """The raw token lives only in this task (the database keeps its hash), so
    this task sends the e-mail itself, recorded in the outbox once per token."""
    from notifications.emails import render_email
    from notifications.models import OutboxMessage
    from notifications.services import message_send_direct

    invitation = (
        Invitation.objects.select_related("family", "invited_by").filter(pk=invitation_id).first()
    )
    # Resent since (a new token) or withdrawn: this link no longer works.
    if (
        invitation is None
        or not invitation.is_pending
        or invitation.token_hash != Invitation.hash_token(token)
    ):
        return
    draft = OutboxMessage(kind=INVITATION, recipient_email=invitation.email)
    content = render_email(
        draft,
        template="families/email/invitation",
        subject=f"You're invited to join {invitation.family.name} on {settings.PRACTICE_NAME}",
        context={
            "invitation": invitation,
            "accept_url": settings.SITE_URL.rstrip("/")
            + reverse("families:invitation_accept", args=[token]),
        },
    )
    sent = message_send_direct(
        kind=INVITATION,
        recipient_email=invitation.email,
        dedupe_key=f"{INVITATION}:{invitation.pk}:{invitation.token_hash}",
        content=content,
        object_type="invitation",
        object_id=invitation.pk,
    )
    if sent:
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())


def render_invitations(messages) -> dict:
    # Never reached by the outbox sweep (these rows are sent by the task above);
    # a stale row is closed rather than sent without its link.
    return {message.pk: "sent by the invitation task only" for message in messages}
