"""The unread-message nudge, sent through the outbox (notifications) like
every e-mail: a row per (message, person), rendered when it is sent, skipped
if the person has read the conversation since or turned nudges off. A
caregiver who chose it also gets it as a push notification on each device."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from families.models import NUDGE_EMAIL as NUDGE
from families.models import Caregiver
from families.services import caregiver_nudges_restart, caregiver_nudges_stop
from messaging.models import Message, ReadState
from notifications.emails import render_email
from notifications.models import Channel, OutboxMessage
from notifications.registry import Purpose, Rendered, Short, register
from notifications.services import channel_messages_queue, message_queue, push_devices_of


def nudge_queue(*, user_id: int, email: str, message: Message) -> None:
    """Inside the nudge's claim transaction: if that rolls back, so does this."""
    family_id = message.conversation.child.family_id
    fields = {
        "kind": NUDGE,
        "recipient_email": email,
        "recipient_id": user_id,
        "dedupe_key": f"{NUDGE}:{message.pk}:{user_id}",
        "object_type": "message",
        "object_id": message.pk,
        "params": {"family": family_id},
    }
    message_queue(**fields)
    by_push = Caregiver.objects.filter(
        user_id=user_id, family_id=family_id, nudges_by_push=True
    ).exists()
    if by_push:
        channel_messages_queue(
            OutboxMessage(**fields),
            by_text=False,
            devices=push_devices_of({user_id}).get(user_id, []),
        )


def _nudge_targets(rows: list[OutboxMessage]) -> dict[int, str | tuple[Message, str]]:
    """Per row: why it is no longer to be sent, or the message and the
    address of its conversation."""
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
    # Families choose on How we contact you (per family), by e-mail and by push.
    choices = {
        (user_id, family_id): (by_email, by_push)
        for user_id, family_id, by_email, by_push in Caregiver.objects.filter(
            user_id__in={r.recipient_id for r in rows}
        ).values_list("user_id", "family_id", "receives_message_nudges", "nudges_by_push")
    }
    result: dict[int, str | tuple[Message, str]] = {}
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
        by_email, by_push = choices.get(
            (row.recipient_id, conversation.child.family_id), (True, False)
        )
        if row.channel == Channel.EMAIL and not by_email:
            result[row.pk] = "message e-mails turned off"
            continue
        if row.channel == Channel.PUSH and not by_push:
            result[row.pk] = "message notifications turned off"
            continue
        result[row.pk] = (
            message,
            reverse("messaging:conversation", args=[conversation.child_id, conversation.topic]),
        )
    return result


def render_nudges(rows: list[OutboxMessage]) -> dict[int, Rendered | str]:
    result: dict[int, Rendered | str] = {}
    targets = _nudge_targets(rows)
    for row in rows:
        target = targets[row.pk]
        if isinstance(target, str):
            result[row.pk] = target
            continue
        # Names nobody and nothing clinical: an e-mail can be read over a shoulder.
        result[row.pk] = render_email(
            row,
            template="messaging/email/unread_nudge",
            subject=f"You have an unread message at {settings.PRACTICE_NAME}",
            context={"url": target[1], "preferences_url": reverse("families:preferences")},
        )
    return result


def render_nudge_shorts(rows: list[OutboxMessage]) -> dict[int, Short | str]:
    """The push notification: the e-mail's subject, and nobody's name."""
    targets = _nudge_targets(rows)
    return {
        row.pk: target
        if isinstance(target, str)
        else Short(
            title=f"You have an unread message at {settings.PRACTICE_NAME}",
            body="It has been waiting for 30 minutes. Tap to read it.",
            url=target[1],
        )
        for row in rows
        for target in [targets[row.pk]]
    }


def register_kinds() -> None:
    register(
        NUDGE,
        label="unread message e-mails",
        render=render_nudges,
        purpose=Purpose.ABOUT_THERAPY,
        render_short=render_nudge_shorts,
        on_optout=caregiver_nudges_stop,
        on_optin=caregiver_nudges_restart,
    )
