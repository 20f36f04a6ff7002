"""The unread-message nudge, sent through the outbox (notifications) like
every e-mail: a row per (message, person), rendered when it is sent, skipped
if the person has read the conversation since or turned nudges off."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from families.models import NUDGE_EMAIL as NUDGE
from families.models import Caregiver
from families.services import caregiver_nudges_restart, caregiver_nudges_stop
from messaging.models import Message, ReadState
from notifications.emails import render_email
from notifications.models import OutboxMessage
from notifications.registry import Rendered, register
from notifications.services import message_queue


def nudge_queue(*, user_id: int, email: str, message: Message) -> None:
    """Inside the nudge's claim transaction: if that rolls back, so does this."""
    message_queue(
        kind=NUDGE,
        recipient_email=email,
        recipient_id=user_id,
        dedupe_key=f"{NUDGE}:{message.pk}:{user_id}",
        object_type="message",
        object_id=message.pk,
    )


def render_nudges(rows: list[OutboxMessage]) -> dict[int, Rendered | str]:
    messages = {
        m.pk: m
        for m in Message.objects.filter(pk__in={r.object_id for r in rows}).select_related(
            "conversation__child"
        )
    }
    read = set(
        ReadState.objects.filter(
            Q(user_id__in={r.recipient_id for r in rows}),
            Q(conversation_id__in={m.conversation_id for m in messages.values()}),
        )
        .exclude(last_read_at__isnull=True)
        .values_list("user_id", "conversation_id", "last_read_at")
    )
    read_at = {(user, conversation): at for user, conversation, at in read}
    # Families choose on their E-mail choices page (per family).
    turned_off = set(
        Caregiver.objects.filter(
            user_id__in={r.recipient_id for r in rows}, receives_message_nudges=False
        ).values_list("user_id", "family_id")
    )
    result: dict[int, Rendered | str] = {}
    for row in rows:
        message = messages.get(row.object_id)
        if message is None or message.deleted_at is not None:
            result[row.pk] = "message deleted"
            continue
        conversation = message.conversation
        seen = read_at.get((row.recipient_id, conversation.pk))
        if seen is not None and seen >= message.created_at:
            result[row.pk] = "read already"
            continue
        if (row.recipient_id, conversation.child.family_id) in turned_off:
            result[row.pk] = "message e-mails turned off"
            continue
        # Names nobody and nothing clinical: an e-mail can be read over a shoulder.
        result[row.pk] = render_email(
            row,
            template="messaging/email/unread_nudge",
            subject=f"You have an unread message at {settings.PRACTICE_NAME}",
            context={
                "url": reverse(
                    "messaging:conversation", args=[conversation.child_id, conversation.topic]
                ),
                "preferences_url": reverse("families:preferences"),
            },
        )
    return result


def register_kinds() -> None:
    register(
        NUDGE,
        label="unread message e-mails",
        render=render_nudges,
        on_optout=caregiver_nudges_stop,
        on_optin=caregiver_nudges_restart,
    )
