"""Who takes part in which conversation, and who may see a shared photo.

Builds on families.permissions. The therapy conversation is the family
(primary caregivers, and supporting caregivers linked to the child with whom
the family shares its messages and photos) and the
child's therapists; the bookings conversation is the primary caregivers, the
therapists and the practice office (admins), who see no clinical content and
so are not in the therapy one. Photos and videos from home (on practice logs)
go with the therapy conversation. Anything else answers 404.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import Role, User
from families.models import AccessLevel, Caregiver, Child
from families.permissions import (
    Access,
    active_assignments,
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
    wins_for,
)
from messaging.models import Conversation, MediaFile, Message, Topic

PARTICIPANTS = {
    Topic.THERAPY: frozenset({Access.PRIMARY, Access.SUPPORTING, Access.THERAPIST}),
    Topic.BOOKINGS: frozenset({Access.PRIMARY, Access.THERAPIST, Access.ADMIN}),
}
FAMILY_SIDE = frozenset({Access.PRIMARY, Access.SUPPORTING})


def memberships_in_therapy(child=None, family=None) -> QuerySet[Caregiver]:
    """The family's side of a child's therapy conversation and photos, stated
    once: the primary caregivers, and the supporting caregivers with whom
    they share the child's messages and photos (`SupportingLink.sees_messages`).
    `child` and `family` are values, or by default OuterRefs of an enclosing
    Child query."""
    child = OuterRef("pk") if child is None else child
    return Caregiver.objects.filter(family=OuterRef("family") if family is None else family).filter(
        Q(access_level=AccessLevel.PRIMARY)
        | Q(access_level=AccessLevel.SUPPORTING, links__child=child, links__sees_messages=True)
    )


def therapy_children_for(user: User) -> QuerySet[Child]:
    """The children whose therapy conversation and photos from home the user
    takes part in: a therapist's caseload, and for the family
    `memberships_in_therapy`. Not the office."""
    if not user.is_authenticated or not user.is_active or user.role == Role.ADMIN:
        return Child.objects.none()
    if user.role == Role.THERAPIST:
        return children_for(user)
    member_of = Caregiver.objects.filter(user=user).values("family_id")
    return Child.objects.filter(family_id__in=member_of).filter(
        Exists(memberships_in_therapy().filter(user=user))
    )


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
        Q(topic=Topic.THERAPY, child__in=therapy_children_for(user))
        | Q(topic=Topic.BOOKINGS, child__family_id__in=primary_of)
    )


def media_for(user: User) -> QuerySet[MediaFile]:
    """Photos and videos the user may see: those in a conversation they take
    part in (not deleted with their message), those of home practice for
    the children whose therapy conversation they are in, and the photos of
    the wins they see (goals.permissions.wins_for). (A therapist's
    photos of a strategy and the library's demonstrations follow the
    strategy's rules in goals.permissions: get_media_for_user.)"""
    if not user.is_authenticated or not user.is_active:
        return MediaFile.objects.none()
    return MediaFile.objects.filter(
        Q(
            message__isnull=False,
            message__deleted_at__isnull=True,
            message__conversation__in=conversations_for(user),
        )
        | Q(
            message__isnull=True,
            strategy__isnull=True,
            template__isnull=True,
            win__isnull=True,
            child__in=therapy_children_for(user),
        )
        | Q(win__in=wins_for(user))
    )


def parse_topic(value: str) -> Topic:
    try:
        return Topic(value)
    except ValueError:
        raise Http404 from None


def topics_for(access: Access | None) -> list[Topic]:
    """The conversations a standing may take part in at most (a supporting
    caregiver's scope narrows it: `topics_for_child`)."""
    return [topic for topic, allowed in PARTICIPANTS.items() if access in allowed]


def _in_therapy(user: User, child: Child, access: Access | None) -> bool:
    """Whether the user takes part in the child's therapy conversation; for a
    supporting caregiver it takes a query, for everyone else `access` says."""
    if access == Access.SUPPORTING:
        return therapy_children_for(user).filter(pk=child.pk).exists()
    return access in PARTICIPANTS[Topic.THERAPY]


def topics_for_child(user: User, child: Child, access: Access | None) -> list[Topic]:
    """The conversations about `child` the user takes part in."""
    return [
        topic
        for topic in topics_for(access)
        if topic != Topic.THERAPY or _in_therapy(user, child, access)
    ]


def get_child_for_conversation(user: User, pk: int, topic: Topic) -> tuple[Child, Access]:
    child, access = get_child_for_user(user, pk, allow=PARTICIPANTS[topic])
    if topic == Topic.THERAPY and not _in_therapy(user, child, access):
        raise Http404
    return child, access


def get_child_for_photos(user: User, pk: int) -> tuple[Child, Access]:
    """A child whose photos from home the user sees (with their therapy conversation)."""
    return get_child_for_conversation(user, pk, Topic.THERAPY)


def get_message_for_user(user: User, pk: int) -> tuple[Message, Access]:
    message = (
        Message.objects.select_related("conversation__child__family")
        .filter(pk=pk, conversation__in=conversations_for(user))
        .first()
    )
    if message is None:
        raise Http404
    return message, child_access(user, message.conversation.child)


def get_media_for_user(user: User, media_id) -> MediaFile:
    """A shared photo or video, for those who see what it is attached to:
    photos and videos from home and in messages by `media_for`; a therapist's
    photos of a child's strategy by goals.permissions.sees_strategy_photos
    (the family only while their consent stands); the practice's
    demonstrations on a library strategy by goals.permissions.sees_library_strategy.
    Unknown ids and other people's files: 404."""
    media = MediaFile.objects.select_related("child").filter(pk=media_id).first()
    if media is None:
        raise Http404
    if media.template_id is not None:
        if not sees_library_strategy(user, media.template_id):
            raise Http404
    elif media.strategy_id is not None:
        if not sees_strategy_photos(child_access(user, media.child), media.child.family_id):
            raise Http404
    elif not media_for(user).filter(pk=media.pk).exists():
        raise Http404
    return media


def participant_ids(child: Child, topic: Topic) -> set[int]:
    """The ids of everyone who may read the child's conversation on `topic`
    now: the family by `memberships_in_therapy` (therapy) or its primary
    caregivers (bookings), the child's therapists, and for bookings the
    office. Three queries at most."""
    allowed = PARTICIPANTS[Topic(topic)]
    if Access.SUPPORTING in allowed:
        family_users = memberships_in_therapy(child.pk, child.family_id)
    else:
        family_users = Caregiver.objects.filter(
            family_id=child.family_id, access_level=AccessLevel.PRIMARY
        )
    user_ids = set(family_users.filter(user__is_active=True).values_list("user_id", flat=True))
    user_ids |= set(
        active_assignments()
        .filter(child=child, therapist__is_active=True)
        .values_list("therapist_id", flat=True)
    )
    if Access.ADMIN in allowed:
        user_ids |= set(
            User.objects.filter(role=Role.ADMIN, is_active=True).values_list("pk", flat=True)
        )
    return user_ids


def participants(conversation: Conversation) -> list[User]:
    """Everyone who may read this conversation now (the people a nudge may go to)."""
    ids = participant_ids(conversation.child, Topic(conversation.topic))
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


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
    """A practice log of a child the user cares for and whose photos they see
    (primary, or supporting, linked and in the therapy conversation), to add a
    photo to. Anything else: 404."""
    from goals.models import PracticeLog

    log = PracticeLog.objects.select_related("strategy__child__family").filter(pk=pk).first()
    if log is None:
        raise Http404
    access = child_access(user, log.strategy.child)
    if access not in FAMILY_SIDE or not _in_therapy(user, log.strategy.child, access):
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
