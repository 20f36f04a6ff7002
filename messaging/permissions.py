"""Who takes part in which conversation, and who may see a shared photo.

Builds on families.permissions. The therapy conversation is the family
(primary caregivers, and supporting caregivers linked to the child) and the
child's therapists; the bookings conversation is the primary caregivers, the
therapists and the practice office (admins), who see no clinical content and
so are not in the therapy one. Anything else answers 404.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Role, User
from families.models import AccessLevel, Caregiver, Child
from families.permissions import (
    Access,
    active_assignments,
    caregivers_seeing,
    child_access,
    children_for,
    get_child_for_user,
)
from goals.permissions import WRITERS as STRATEGY_WRITERS
from goals.permissions import (
    get_library_strategy_for_user,
    get_strategy_for_user,
    sees_library_strategy,
    sees_strategy_photos,
)
from messaging.models import Conversation, MediaFile, Message, Topic

PARTICIPANTS = {
    Topic.THERAPY: frozenset({Access.PRIMARY, Access.SUPPORTING, Access.THERAPIST}),
    Topic.BOOKINGS: frozenset({Access.PRIMARY, Access.THERAPIST, Access.ADMIN}),
}
FAMILY_SIDE = frozenset({Access.PRIMARY, Access.SUPPORTING})


def conversations_for(user: User) -> QuerySet[Conversation]:
    """Every conversation the user takes part in (PARTICIPANTS): a child's
    therapy one for the family who see the child and its therapists; its
    bookings one for the primary caregivers, the therapists and the office."""
    if not user.is_authenticated or not user.is_active:
        return Conversation.objects.none()
    if user.role == Role.ADMIN:
        return Conversation.objects.filter(topic=Topic.BOOKINGS)
    if user.role == Role.THERAPIST:
        return Conversation.objects.filter(child__in=children_for(user))
    primary_of = Caregiver.objects.filter(user=user, access_level=AccessLevel.PRIMARY).values(
        "family_id"
    )
    return Conversation.objects.filter(
        Q(topic=Topic.THERAPY, child__in=children_for(user))
        | Q(topic=Topic.BOOKINGS, child__family_id__in=primary_of)
    )


def parse_topic(value: str) -> Topic:
    try:
        return Topic(value)
    except ValueError:
        raise Http404 from None


def topics_for(access: Access | None) -> list[Topic]:
    return [topic for topic, allowed in PARTICIPANTS.items() if access in allowed]


def get_child_for_conversation(user: User, pk: int, topic: Topic) -> tuple[Child, Access]:
    return get_child_for_user(user, pk, allow=PARTICIPANTS[topic])


def get_message_for_user(user: User, pk: int) -> tuple[Message, Access]:
    message = Message.objects.select_related("conversation__child__family").filter(pk=pk).first()
    if message is None:
        raise Http404
    access = child_access(user, message.conversation.child)
    if access not in PARTICIPANTS[Topic(message.conversation.topic)]:
        raise Http404
    return message, access


def get_media_for_user(user: User, media_id) -> MediaFile:
    """A shared photo or video, for those who see what it is attached to:
    the conversation's participants; on a practice log, the child's family and
    therapists; on a child's home strategy, whoever sees the strategy (the
    family only while their consent to photos stands); on a library strategy,
    goals.permissions.sees_library_strategy. Unknown ids and other people's
    files: 404."""
    media = (
        MediaFile.objects.select_related("child", "message__conversation")
        .filter(pk=media_id)
        .first()
    )
    if media is None:
        raise Http404
    if media.template_id is not None:
        if not sees_library_strategy(user, media.template_id):
            raise Http404
        return media
    access = child_access(user, media.child)
    if media.message_id is not None:
        allowed = PARTICIPANTS[Topic(media.message.conversation.topic)]
        if media.message.deleted_at is not None:
            raise Http404
    elif media.strategy_id is not None:
        if not sees_strategy_photos(access, media.child.family_id):
            raise Http404
        return media
    else:
        allowed = PARTICIPANTS[Topic.THERAPY]
    if access is None or access not in allowed:
        raise Http404
    return media


def participants(conversation: Conversation) -> list[User]:
    """Everyone who may read this conversation now (the people a nudge may go to)."""
    child = conversation.child
    allowed = PARTICIPANTS[Topic(conversation.topic)]
    if Access.SUPPORTING in allowed:
        family_users = caregivers_seeing(child)
    else:
        family_users = Caregiver.objects.filter(
            family_id=child.family_id, access_level=AccessLevel.PRIMARY
        )
    family_users = family_users.filter(user__is_active=True)
    user_ids = set(family_users.values_list("user_id", flat=True))
    user_ids |= set(
        active_assignments()
        .filter(child=child, therapist__is_active=True)
        .values_list("therapist_id", flat=True)
    )
    users = User.objects.filter(pk__in=user_ids)
    if Access.ADMIN in allowed:
        users = users | User.objects.filter(role=Role.ADMIN, is_active=True)
    return list(users.distinct().order_by("pk"))


def get_own_message(user: User, pk: int) -> Message:
    """A message the user wrote, in a conversation they still take part in.
    Anyone else's message answers 404, like anything not theirs."""
    message, _access = get_message_for_user(user, pk)
    if message.author_id != user.pk:
        raise Http404
    return message


# Who sees a child's photos from home (practice logs and the therapy conversation).
PHOTO_VIEWERS = PARTICIPANTS[Topic.THERAPY]


def get_practice_log_for_family(user: User, pk: int):
    """A practice log of a child the user cares for (primary, or supporting
    and linked), to add a photo to. Anything else: 404."""
    from goals.models import PracticeLog

    log = PracticeLog.objects.select_related("strategy__child__family").filter(pk=pk).first()
    if log is None:
        raise Http404
    access = child_access(user, log.strategy.child)
    if access not in FAMILY_SIDE:
        raise Http404
    return log, access


def get_strategy_media_for_writer(user: User, media_id) -> MediaFile:
    """A photo or video on a strategy, for those who may change it: the
    child's therapist for a child's strategy, any therapist for the library's.
    Anything else: 404."""
    media = (
        MediaFile.objects.filter(pk=media_id)
        .filter(Q(strategy__isnull=False) | Q(template__isnull=False))
        .first()
    )
    if media is None:
        raise Http404
    if media.template_id is not None:
        get_library_strategy_for_user(user, media.template_id)
    else:
        get_strategy_for_user(user, media.strategy_id, allow=STRATEGY_WRITERS)
    return media
