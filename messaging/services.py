"""Writes for conversations: sending (with photos and videos), editing and
deleting within five minutes, reading, and the unread nudge by e-mail."""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, User
from families.models import Child, ConsentKind
from families.permissions import Access
from families.selectors import consent_given
from goals.models import HomeStrategy, StrategyTemplate, Win
from messaging.media import CheckedMedia, check_upload, video_seconds
from messaging.models import Conversation, MediaFile, MediaKind, Message, ReadState, Topic
from messaging.permissions import FAMILY_SIDE, participants

logger = logging.getLogger(__name__)

NUDGE_AFTER = timedelta(minutes=30)
# The sweep looks this far back: older unread messages are left to the inbox.
NUDGE_LOOKBACK = timedelta(days=2)
MAX_ATTACHMENTS = 4

LOCKED = (
    "Messages can only be changed in the first five minutes; this one is now part of the record."
)


def conversation_get_or_create(*, child: Child, topic: Topic) -> Conversation:
    conversation, _ = Conversation.objects.get_or_create(child=child, topic=topic)
    return conversation


def media_attach(
    *,
    child: Child,
    user: User,
    files: Sequence[UploadedFile],
    message: Message | None = None,
    practice_log=None,
    win=None,
    photos_only: bool = False,
) -> list[MediaFile]:
    """Check and store photos and videos (`photos_only`: photos). Asks for
    the family's media consent at the moment of use, so a withdrawal stops
    the next upload."""
    if not files:
        return []
    if not consent_given(child.family_id, ConsentKind.PHOTOS_IN_NOTES):
        raise ValidationError(
            {
                "attachments": "Your family has not agreed to sharing photos and videos, "
                "so they cannot be attached. A parent can change this under consents."
            }
        )
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(
            {"attachments": f"Please attach up to {MAX_ATTACHMENTS} files at once."}
        )
    checked = []
    for upload in files:
        try:
            checked.append(check_upload(upload, photos_only=photos_only))
        except ValidationError as error:
            raise ValidationError({"attachments": error.messages}) from None
    stored = []
    for media in checked:
        record = MediaFile(
            child=child,
            message=message,
            practice_log=practice_log,
            win=win,
            uploaded_by=user,
            kind=media.kind,
            content_type=media.content_type,
            extension=media.extension,
            size=media.size,
        )
        record.file.save(f"{record.id}.{media.extension}", ContentFile(media.content), save=False)
        record.save()
        stored.append(record)
    return stored


def win_photo_add(*, win: Win, by: User, upload: UploadedFile) -> MediaFile:
    """A photo shared with a win, stored as photos from home are
    (`media_attach`: with the family's consent, asked now, and without the
    file's metadata). goals.services.win_add calls it through the hook this
    app registers (goals sits below messaging), inside the win's transaction:
    a photo refused takes the win back with it."""
    try:
        [photo] = media_attach(child=win.child, user=by, files=[upload], win=win, photos_only=True)
    except ValidationError as error:
        raise ValidationError({"photo": error.messages}) from None
    return photo


# A strategy's video shows one thing to do; a minute is plenty, and keeps
# the file small enough for a phone on a weak connection.
STRATEGY_VIDEO_SECONDS = 60
NO_STRATEGY_CONSENT = (
    "The family has not agreed to photos and videos, so none can be added to their "
    "strategies. A parent can change this under consents."
)


def strategy_media_add(
    *, strategy: HomeStrategy, by: User, upload: UploadedFile, caption: str = ""
) -> MediaFile:
    """A photo or short video showing a child's home strategy, taken by the
    therapist (in a session, on the phone) with the family's consent to
    photos and videos, asked at this moment."""
    if not consent_given(strategy.child.family_id, ConsentKind.PHOTOS_IN_NOTES):
        raise ValidationError({"attachment": NO_STRATEGY_CONSENT})
    checked = _check_strategy_upload(upload)
    return _store(checked, by=by, caption=caption, child_id=strategy.child_id, strategy=strategy)


def template_media_add(
    *, template: StrategyTemplate, by: User, upload: UploadedFile, caption: str = ""
) -> MediaFile:
    """The practice's own demonstration on a library strategy, shown to every
    family with a strategy made from it. No child is in it, so no family's
    consent applies."""
    checked = _check_strategy_upload(upload)
    return _store(checked, by=by, caption=caption, child_id=None, template=template)


def strategy_media_remove(*, media: MediaFile) -> None:
    """Take a photo or video off a strategy, and its file out of storage once
    the deletion is committed."""
    if media.strategy_id is None and media.template_id is None:
        raise ValidationError("Only a strategy's photos and videos can be removed here.")
    file_name, storage = media.file.name, media.file.storage
    media.delete()
    transaction.on_commit(lambda: storage.delete(file_name))


def _check_strategy_upload(upload: UploadedFile) -> CheckedMedia:
    try:
        checked = check_upload(upload)
        if checked.kind == MediaKind.VIDEO:
            seconds = video_seconds(checked.content, checked.extension)
            if seconds > STRATEGY_VIDEO_SECONDS + 0.5:
                raise ValidationError(
                    f"Videos on a strategy can be up to a minute long; this one runs "
                    f"{round(seconds)} seconds. Please record a shorter one."
                )
    except ValidationError as error:
        raise ValidationError({"attachment": error.messages}) from None
    return checked


def _store(checked: CheckedMedia, *, by: User, caption: str, **attached_to) -> MediaFile:
    record = MediaFile(
        uploaded_by=by,
        kind=checked.kind,
        content_type=checked.content_type,
        extension=checked.extension,
        size=checked.size,
        caption=caption.strip(),
        **attached_to,
    )
    record.file.save(f"{record.id}.{checked.extension}", ContentFile(checked.content), save=False)
    record.save()
    return record


def message_send(
    *,
    child: Child,
    topic: Topic,
    author: User,
    access: Access,
    body: str,
    files: Sequence[UploadedFile] = (),
) -> Message:
    body = body.strip()
    if not body and not files:
        raise ValidationError({"body": "Please write a message or attach a photo or video."})
    with transaction.atomic():
        conversation = conversation_get_or_create(child=child, topic=topic)
        message = Message.objects.create(
            conversation=conversation,
            author=author,
            from_family=access in FAMILY_SIDE,
            body=body,
        )
        media_attach(child=child, user=author, files=files, message=message)
        conversation_mark_read(conversation=conversation, user=author, now=message.created_at)
        transaction.on_commit(lambda: _queue_nudge(message.pk))
    return message


def _queue_nudge(message_id: int) -> None:
    from messaging.tasks import send_unread_nudge

    try:
        send_unread_nudge.apply_async(
            kwargs={"message_id": message_id}, countdown=int(NUDGE_AFTER.total_seconds()) + 5
        )
    except Exception:  # a lost broker: the message stands, the sweep nudges instead
        logger.exception("Could not queue the unread nudge for message %s", message_id)


def message_edit(*, message: Message, user: User, body: str) -> Message:
    body = body.strip()
    if not body and not message.attachments.exists():
        raise ValidationError({"body": "Please write a message, or delete it instead."})
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if not locked.can_change(user):
            raise ValidationError(LOCKED)
        locked.body = body
        locked.edited_at = timezone.now()
        locked.save(update_fields=["body", "edited_at"])
        audit_record(
            request=None,
            user=user,
            action=AuditEvent.Action.CHANGE,
            record_type="messaging.message",
            record_id=locked.pk,
            child_id=locked.conversation.child_id,
        )
    return locked


def message_delete(*, message: Message, user: User) -> None:
    """Within five minutes the author may take a message back: its text and
    files go, a 'message deleted' line and the audit event stay."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if not locked.can_change(user):
            raise ValidationError(LOCKED)
        files = list(locked.attachments.all())
        locked.body = ""
        locked.deleted_at = timezone.now()
        locked.save(update_fields=["body", "deleted_at"])
        for media in files:
            storage, name = media.file.storage, media.file.name
            media.delete()
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))
        audit_record(
            request=None,
            user=user,
            action=AuditEvent.Action.DELETE,
            record_type="messaging.message",
            record_id=locked.pk,
            child_id=locked.conversation.child_id,
        )


def conversation_mark_read(
    *, conversation: Conversation, user: User, now: datetime | None = None
) -> None:
    now = now or timezone.now()
    state, created = ReadState.objects.get_or_create(
        conversation=conversation, user=user, defaults={"last_read_at": now}
    )
    if not created:
        ReadState.objects.filter(pk=state.pk).filter(
            Q(last_read_at__isnull=True) | Q(last_read_at__lt=now)
        ).update(last_read_at=now)


def message_nudge(*, message_id: int, now: datetime | None = None) -> int:
    """E-mail the participants who have not read this message 30 minutes on.

    Once per message (compare-and-swap on nudge_checked_at), and at most one
    nudge per person between two visits to the conversation (compare-and-swap
    on their read state), so a burst of messages sends one e-mail. The claims
    and the outbox rows share a transaction: if queueing fails, both are
    undone and the retry or the next sweep tries again; the outbox sends each
    row once the transaction commits (and retries a mail server that is
    down). Returns the number of e-mails queued."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Message.objects.filter(
            pk=message_id,
            nudge_checked_at__isnull=True,
            deleted_at__isnull=True,
            created_at__lte=now - NUDGE_AFTER,
        ).update(nudge_checked_at=now)
        if not claimed:
            return 0
        message = Message.objects.select_related("conversation__child").get(pk=message_id)
        conversation = message.conversation
        recipients = [u for u in participants(conversation) if u.pk != message.author_id]
        ReadState.objects.bulk_create(
            [ReadState(conversation=conversation, user=u) for u in recipients],
            ignore_conflicts=True,
        )
        sent = 0
        for user in recipients:
            won = (
                ReadState.objects.filter(conversation=conversation, user=user)
                .filter(Q(last_read_at__isnull=True) | Q(last_read_at__lt=message.created_at))
                .filter(Q(nudged_at__isnull=True) | Q(nudged_at__lt=F("last_read_at")))
                .update(nudged_at=now)
            )
            if won:
                _send_nudge(user=user, message=message)
                sent += 1
    return sent


def _send_nudge(*, user: User, message: Message) -> None:
    from messaging.emails import nudge_queue

    nudge_queue(user_id=user.pk, email=user.email, message=message)


def nudges_sweep(*, now: datetime | None = None) -> int:
    """Periodic: nudge for every message that is due and not yet dealt with,
    in case its own delayed task was lost. Harmless when run twice."""
    now = now or timezone.now()
    due = Message.objects.filter(
        nudge_checked_at__isnull=True,
        deleted_at__isnull=True,
        created_at__lte=now - NUDGE_AFTER,
        created_at__gte=now - NUDGE_LOOKBACK,
    ).values_list("pk", flat=True)
    return sum(message_nudge(message_id=pk, now=now) for pk in list(due[:500]))
