"""Conversations between a child's family and the practice, their messages,
each person's read state, and the photos and videos families share.

Sits above goals (media can hang on a PracticeLog) and beside sessions_app:
it imports families and goals, and nothing imports it but portal.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from families.models import Child

# After this, a message is part of the record: no more edits or deletion.
EDIT_WINDOW = timedelta(minutes=5)


class Topic(models.TextChoices):
    # The family and the child's therapists: anything about the therapy.
    THERAPY = "therapy", "Therapy"
    # The same people and the practice office: times, places, bookings.
    BOOKINGS = "bookings", "Bookings and appointments"


class Conversation(models.Model):
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="conversations")
    topic = models.CharField(max_length=10, choices=Topic.choices, default=Topic.THERAPY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "topic"], name="conversation_one_per_topic")
        ]

    def __str__(self) -> str:
        return f"{self.child} ({self.get_topic_display()})"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whether the author wrote as the family or as the practice, kept as it
    # was when written (a role can change later).
    from_family = models.BooleanField()
    body = models.TextField("message", max_length=4000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Set once the unread nudge for this message has been dealt with (sent,
    # or found unnecessary): the compare-and-swap that makes it happen once.
    nudge_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="message_conv_created_idx"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(nudge_checked_at__isnull=True),
                name="message_nudge_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} in {self.conversation}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def can_change(self, user, *, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.author_id == user.pk
            and self.deleted_at is None
            and now - self.created_at <= EDIT_WINDOW
        )


class ReadState(models.Model):
    """How far one person has read one conversation, and when they were last
    nudged by e-mail about it (at most once between two readings)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="read_states"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_at = models.DateTimeField(null=True, blank=True)
    nudged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="read_state_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.conversation}"


class MediaKind(models.TextChoices):
    IMAGE = "image", "Photo"
    VIDEO = "video", "Video"


def media_path(instance: "MediaFile", filename: str) -> str:
    # Never the uploaded name: only the unguessable id and a checked extension.
    if instance.child_id is None:
        # The practice's own demonstration, on a library strategy.
        return f"practice-media/{instance.id}.{instance.extension}"
    return f"family-media/{instance.child_id}/{instance.id}.{instance.extension}"


class MediaFile(models.Model):
    """A photo or short video, stored through the default storage (outside
    the web root) and served only by messaging.views.media: shared by a family
    (on a message or a practice log, or a photo with a win), taken by the therapist to show a child's
    home strategy, or the practice's own demonstration on a library strategy
    (the only kind without a child)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey(
        Child, null=True, blank=True, on_delete=models.CASCADE, related_name="media_files"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    practice_log = models.ForeignKey(
        "goals.PracticeLog",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="media_files",
    )
    strategy = models.ForeignKey(
        "goals.HomeStrategy", null=True, blank=True, on_delete=models.CASCADE, related_name="media"
    )
    template = models.ForeignKey(
        "goals.StrategyTemplate",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="demo_media",
    )
    # A photo shared with a win (goals.Win): seen by whoever sees the win.
    win = models.ForeignKey(
        "goals.Win", null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    # A step in the therapist's words, under the photo on the card and the fridge sheet.
    caption = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=5, choices=MediaKind.choices)
    content_type = models.CharField(max_length=50)
    extension = models.CharField(max_length=5)
    size = models.PositiveBigIntegerField()
    file = models.FileField(upload_to=media_path, max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(message__isnull=False)
                | models.Q(practice_log__isnull=False)
                | models.Q(strategy__isnull=False)
                | models.Q(template__isnull=False)
                | models.Q(win__isnull=False),
                name="media_attached_to_something",
            ),
            # Only the practice's library demonstrations belong to no child.
            models.CheckConstraint(
                condition=models.Q(child__isnull=False) | models.Q(template__isnull=False),
                name="media_of_a_child_unless_library",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.id}"
