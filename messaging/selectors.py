"""Reads for the conversation page, the family's and the staff's lists of
conversations, the menu's unread count and the child page."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, DateTimeField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Role, User
from families.models import AccessLevel, Caregiver, Child, Relationship
from families.permissions import Access, children_for
from messaging.models import Conversation, MediaFile, Message, ReadState, Topic
from messaging.permissions import (
    conversations_for,
    participant_ids,
    therapy_children_for,
    topics_for_child,
)

PAGE_SIZE = 30
# Stands for "never" where a date is compared: before any message was written.
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def conversation_for(child: Child, topic: Topic) -> Conversation | None:
    return Conversation.objects.filter(child=child, topic=topic).first()


def messages_page(conversation: Conversation | None, page_number: str | None) -> Page:
    """Newest page first (page 1 is the latest), each page shown oldest to newest."""
    messages = (
        Message.objects.filter(conversation=conversation)
        .select_related("author")
        .prefetch_related(
            Prefetch("attachments", queryset=MediaFile.objects.order_by("created_at"))
        )
        .order_by("-created_at", "-id")
        if conversation is not None
        else Message.objects.none()
    )
    page = Paginator(messages, PAGE_SIZE).get_page(page_number)
    page.object_list = list(reversed(list(page.object_list)))
    return page


def _last_practice_reply():
    return Subquery(
        Message.objects.filter(
            conversation=OuterRef("pk"), from_family=False, deleted_at__isnull=True
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def unanswered_inbox(user: User) -> QuerySet[Conversation]:
    """Conversations whose latest word is the family's, oldest wait first: a
    therapist's caseload (both topics), or for the office every bookings one."""
    if user.role not in (Role.THERAPIST, Role.ADMIN):
        return Conversation.objects.none()
    conversations = conversations_for(user)
    conversations = conversations.annotate(
        replied_at=Coalesce(_last_practice_reply(), LONG_AGO, output_field=DateTimeField())
    )
    waiting = Message.objects.filter(
        conversation=OuterRef("pk"),
        from_family=True,
        deleted_at__isnull=True,
        created_at__gt=OuterRef("replied_at"),
    )
    return (
        conversations.annotate(
            waiting_since=Subquery(waiting.order_by("created_at").values("created_at")[:1]),
            waiting_count=Subquery(
                waiting.order_by().values("conversation").annotate(n=Count("pk")).values("n")[:1]
            ),
        )
        .filter(waiting_since__isnull=False)
        .select_related("child__family")
        .order_by("waiting_since", "pk")
    )


def unread_by_topic(user: User, child: Child, access: Access | None) -> list[dict]:
    """For the child page: each conversation the user takes part in, with how
    many messages they have not read. One query."""
    topics = topics_for_child(user, child, access)
    read_at = ReadState.objects.filter(conversation=OuterRef("pk"), user=user).values(
        "last_read_at"
    )[:1]
    unread = (
        Message.objects.filter(
            conversation=OuterRef("pk"),
            deleted_at__isnull=True,
            created_at__gt=OuterRef("read_at"),
        )
        .exclude(author=user)
        .order_by()
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    rows = {
        c.topic: c.unread or 0
        for c in Conversation.objects.filter(child=child, topic__in=topics)
        .annotate(read_at=Coalesce(Subquery(read_at), LONG_AGO, output_field=DateTimeField()))
        .annotate(unread=Subquery(unread))
    }
    return [{"topic": topic, "unread": rows.get(topic, 0)} for topic in topics]


def unread_conversations(user: User) -> list[Conversation]:
    """The conversations the user takes part in that hold messages they have
    not read (others' messages since their last read), oldest unread first,
    each with `unread` (how many) and its child. One query."""
    read_at = ReadState.objects.filter(conversation=OuterRef("pk"), user=user).values(
        "last_read_at"
    )[:1]
    unread = Message.objects.filter(
        conversation=OuterRef("pk"), deleted_at__isnull=True, created_at__gt=OuterRef("read_at")
    ).exclude(author=user)
    conversations = (
        conversations_for(user)
        .annotate(read_at=Coalesce(Subquery(read_at), LONG_AGO, output_field=DateTimeField()))
        .annotate(
            unread=Subquery(
                unread.order_by().values("conversation").annotate(n=Count("pk")).values("n")[:1]
            ),
            unread_since=Subquery(unread.order_by("created_at").values("created_at")[:1]),
        )
        .filter(unread__gt=0)
        .select_related("child")
        .order_by("unread_since", "pk")
    )
    return list(conversations)


def photos_from_home(child: Child) -> list[MediaFile]:
    """Every photo and video shared about this child at home: on practice
    logs, and in the therapy conversation (not deleted). Newest first."""
    return list(
        MediaFile.objects.filter(child=child)
        .filter(
            Q(practice_log__isnull=False)
            | Q(message__conversation__topic=Topic.THERAPY, message__deleted_at__isnull=True)
        )
        .select_related("uploaded_by", "practice_log__strategy", "message")
        .order_by("-created_at")[:60]
    )


def recent_practice(child: Child, limit: int = 10):
    from goals.models import PracticeLog

    return list(
        PracticeLog.objects.filter(child=child)
        .select_related("strategy")
        .order_by("-practised_on", "-created_at")[:limit]
    )


def child_section_conversations(request, child, access) -> list:
    """The conversations the viewer takes part in, with their unread counts,
    for the child's page (families.sections)."""
    return unread_by_topic(request.user, child, access)


def strategy_media(*, strategy=None, template=None) -> list[MediaFile]:
    """The photos and videos on one strategy (a child's, or the library's), in
    the order they were added: the order of the steps."""
    attached = {"strategy": strategy} if strategy is not None else {"template": template}
    return list(MediaFile.objects.filter(**attached).order_by("created_at", "id"))


def _unread_messages(user: User) -> QuerySet[Message]:
    """Messages in the conversations the user takes part in that someone
    else wrote since they last read that conversation."""
    read_at = ReadState.objects.filter(conversation=OuterRef("conversation"), user=user).values(
        "last_read_at"
    )[:1]
    return (
        Message.objects.filter(conversation__in=conversations_for(user), deleted_at__isnull=True)
        .exclude(author=user)
        .filter(created_at__gt=Coalesce(Subquery(read_at), LONG_AGO, output_field=DateTimeField()))
    )


def unread_count(user: User) -> int:
    """For the menu: how many messages wait for the user, in every
    conversation they take part in. One query."""
    if not user.is_authenticated:
        return 0
    return _unread_messages(user).count()


@dataclass(frozen=True)
class ConversationRow:
    child: Child
    topic: Topic
    unread: int
    last_at: datetime | None


def conversations_of_family_member(user: User) -> list[ConversationRow]:
    """The "Messages" page of a parent or carer: every conversation they take
    part in, one per child and topic (whether or not anyone has written yet),
    with how many messages wait for them. Four queries, however many
    children, conversations and messages."""
    children = list(children_for(user).order_by("first_name", "id"))
    in_therapy = set(therapy_children_for(user).values_list("pk", flat=True))
    primary_of = set(
        Caregiver.objects.filter(user=user, access_level=AccessLevel.PRIMARY).values_list(
            "family_id", flat=True
        )
    )
    unread = _unread_messages(user).filter(conversation=OuterRef("pk")).order_by()
    last = Message.objects.filter(conversation=OuterRef("pk"), deleted_at__isnull=True).order_by(
        "-created_at"
    )
    found = {
        (c.child_id, c.topic): c
        for c in conversations_for(user)
        .filter(child__in=[child.pk for child in children])
        .annotate(
            unread=Subquery(unread.values("conversation").annotate(n=Count("pk")).values("n")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
        )
    }
    rows = []
    for child in children:
        topics = [Topic.THERAPY] if child.pk in in_therapy else []
        if child.family_id in primary_of:
            topics.append(Topic.BOOKINGS)
        for topic in topics:
            conversation = found.get((child.pk, topic))
            rows.append(
                ConversationRow(
                    child=child,
                    topic=topic,
                    unread=(conversation.unread or 0) if conversation else 0,
                    last_at=conversation.last_at if conversation else None,
                )
            )
    return rows


@dataclass(frozen=True)
class Reader:
    user_id: int
    name: str
    about: str  # "Parent", "Grandparent", "Therapist", "Practice office"


STAFF_WORDS = {Role.THERAPIST: "Therapist", Role.ADMIN: "Practice office"}


def readers(child: Child, topic: Topic) -> list[Reader]:
    """Who can read the child's conversation on `topic` (for its header), by
    name: the family first, then the therapists and the office. The policy's
    participants; five queries at most."""
    ids = participant_ids(child, topic)
    relationships = dict(
        Caregiver.objects.filter(family_id=child.family_id, user_id__in=ids).values_list(
            "user_id", "relationship"
        )
    )
    people = []
    for user in User.objects.filter(pk__in=ids).order_by("full_name", "pk"):
        if user.pk in relationships:
            about = Relationship(relationships[user.pk]).label
        else:
            about = STAFF_WORDS.get(user.role, "")
        people.append(
            (user.role != Role.CAREGIVER, Reader(user.pk, user.full_name or user.email, about))
        )
    return [reader for _, reader in sorted(people, key=lambda item: item[0])]
