"""The outbox: one row per e-mail, text message or push notification the
portal means to send, and the unsubscribe choices people made; the devices
and mobile numbers people gave for the other two channels.

A row is created (inside the transaction that causes it, or by a sweep) with a
dedupe key under a unique constraint, so the same message can never be queued
twice; it is sent only by whoever wins the compare-and-swap from `queued` to
`sending` (notifications.services). The row holds no message body: bodies are
rendered from the object when sending, so clinical words never sit in the
outbox and the admin page cannot show them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    TEXT = "text", "Text message"
    PUSH = "push", "Push notification"


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent"

    kind = models.CharField(max_length=40)
    # E-mail rows go to recipient_email; a text goes to the recipient's mobile
    # number and a push notification to the device in params["device"], both
    # read when sending (a changed number is used, a removed device skipped).
    channel = models.CharField(max_length=5, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    recipient_email = models.EmailField()
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    # What the renderer needs besides the object (an offset, a period): never content.
    params = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    skip_reason = models.CharField(max_length=120, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="outbox_dedupe_key_once"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["kind", "status"], name="outbox_kind_status_idx"),
            models.Index(fields=["claim_token"], name="outbox_claim_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_email} ({self.status})"


class EmailOptOut(models.Model):
    """Someone asked for no more e-mails of this kind. Keyed by address, so
    it also covers people without an account yet (invitations)."""

    email = models.EmailField()
    kind = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "kind"], name="optout_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.email} opted out of {self.kind}"


class PushDevice(models.Model):
    """A browser (a phone's installed web app, a computer) that agreed to
    receive push notifications for a person: its push service's address and
    the keys its messages are encrypted for (the browser's PushSubscription)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_devices"
    )
    endpoint = models.URLField(max_length=2000)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    # A label for the person's list of devices ("Chrome on Android").
    label = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint"], name="push_device_endpoint_once"),
        ]

    def __str__(self) -> str:
        return f"{self.label or 'A device'} of user {self.user_id}"


class MobileNumber(models.Model):
    """The number a person's text messages go to, in E.164 (+447700900123)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mobile_number"
    )
    number = PhoneNumberField("mobile number", db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Mobile number of user {self.user_id}"


class TextReply(models.Model):
    """A text message a family sent back, recorded once per provider id so
    that the provider's retried callback is answered but acted on once. Only
    the keyword and whose number it came from are kept: never the rest of
    what was written, nor the number itself."""

    provider_id = models.CharField(max_length=64)
    keyword = models.CharField(max_length=10, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="text_replies",
    )
    outcome = models.CharField(max_length=120, blank=True)
    answer = models.CharField(max_length=320, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider_id"], name="text_reply_once"),
        ]

    def __str__(self) -> str:
        return f"Reply {self.keyword or '?'} ({self.outcome})"
