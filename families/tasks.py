from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from families.models import Invitation


@shared_task(
    autoretry_for=(OSError,), retry_backoff=30, retry_kwargs={"max_retries": 5}, acks_late=True
)
def send_invitation_email(*, invitation_id: int, token: str) -> None:
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
    context = {
        "invitation": invitation,
        "accept_url": settings.SITE_URL.rstrip("/")
        + reverse("families:invitation_accept", args=[token]),
        "practice_name": settings.PRACTICE_NAME,
        "practice_phone": settings.PRACTICE_PHONE,
    }
    message = EmailMultiAlternatives(
        subject=f"You're invited to join {invitation.family.name} on {settings.PRACTICE_NAME}",
        body=render_to_string("families/email/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("families/email/invitation.html", context), "text/html"
    )
    message.send()
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
