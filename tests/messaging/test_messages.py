"""Sending, reading, the five-minute lock, the office-hours note and the
unanswered inbox."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from messaging import selectors, services
from messaging.models import Message, ReadState, Topic
from tests.factories import CaseloadFactory, ChildFactory, FamilyFactory
from tests.messaging.factories import ConversationFactory, MessageFactory


def _url(child, topic="therapy"):
    return reverse("messaging:conversation", args=[child.pk, topic])


def test_parent_sends_and_therapist_reads(world, login):
    client = login(world.parent)
    response = client.post(_url(world.child), {"body": "  Buttons done by himself!  "})
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.body == "Buttons done by himself!"
    assert message.from_family is True
    assert message.conversation.topic == Topic.THERAPY

    client = login(world.therapist)
    page = client.get(_url(world.child))
    assert "Buttons done by himself!" in page.content.decode()
    state = ReadState.objects.get(user=world.therapist)
    assert state.last_read_at >= message.created_at


def test_empty_message_keeps_the_form_with_an_error(world, login):
    client = login(world.parent)
    response = client.post(_url(world.child), {"body": "   "})
    assert response.status_code == 400
    assert "Please write a message" in response.content.decode()
    assert not Message.objects.exists()


def test_office_hours_note_is_shown(world, login, settings):
    settings.MESSAGING_OFFICE_HOURS = "We answer on weekdays between 9 and 5."
    response = login(world.parent).get(_url(world.child))
    assert "We answer on weekdays between 9 and 5." in response.content.decode()


def test_unknown_topic_is_404(world, login):
    response = login(world.parent).get(_url(world.child, "gossip"))
    assert response.status_code == 404


def test_edit_and_delete_within_five_minutes(world, login):
    message = MessageFactory(
        conversation=ConversationFactory(child=world.child), author=world.parent
    )
    client = login(world.parent)
    response = client.post(
        reverse("messaging:message_edit", args=[message.pk]), {"body": "Corrected"}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.body == "Corrected" and message.edited_at is not None

    client.post(reverse("messaging:message_delete", args=[message.pk]))
    message.refresh_from_db()
    assert message.deleted_at is not None and message.body == ""
    actions = set(
        AuditEvent.objects.filter(
            record_type="messaging.message", record_id=str(message.pk)
        ).values_list("action", flat=True)
    )
    assert actions == {AuditEvent.Action.CHANGE, AuditEvent.Action.DELETE}


def test_locked_after_five_minutes(world, login):
    message = MessageFactory(
        conversation=ConversationFactory(child=world.child),
        author=world.parent,
        created_at=timezone.now() - timedelta(minutes=5, seconds=1),
    )
    client = login(world.parent)
    response = client.post(
        reverse("messaging:message_edit", args=[message.pk]), {"body": "Too late"}
    )
    assert response.status_code == 302
    client.post(reverse("messaging:message_delete", args=[message.pk]))
    message.refresh_from_db()
    assert message.body == "Buttons went well this morning."
    assert message.deleted_at is None and message.edited_at is None
    with pytest.raises(Exception, match="first five minutes"):
        services.message_edit(message=message, user=world.parent, body="x")


def test_someone_else_cannot_change_a_message(world, login):
    message = MessageFactory(
        conversation=ConversationFactory(child=world.child), author=world.parent
    )
    response = login(world.therapist).post(
        reverse("messaging:message_edit", args=[message.pk]), {"body": "Not mine"}
    )
    assert response.status_code == 404


def test_supporting_caregiver_not_in_bookings_conversation(world, login):
    assert login(world.supporting).get(_url(world.child, "bookings")).status_code == 404
    assert login(world.admin).get(_url(world.child, "therapy")).status_code == 404
    assert login(world.admin).get(_url(world.child, "bookings")).status_code == 200


def _unanswered(therapist, *, age_minutes, answered=False):
    family = FamilyFactory()
    child = ChildFactory(family=family)
    CaseloadFactory(therapist=therapist, child=child)
    conversation = ConversationFactory(child=child)
    MessageFactory(
        conversation=conversation,
        created_at=timezone.now() - timedelta(minutes=age_minutes),
    )
    if answered:
        MessageFactory(conversation=conversation, author=therapist, from_family=False)
    return child


def test_inbox_oldest_wait_first_and_only_unanswered(world, login, django_assert_max_num_queries):
    newer = _unanswered(world.therapist, age_minutes=10)
    older = _unanswered(world.therapist, age_minutes=90)
    answered = _unanswered(world.therapist, age_minutes=200, answered=True)
    _unanswered(world.other_therapist, age_minutes=300)  # not on this caseload
    client = login(world.therapist)
    with django_assert_max_num_queries(12) as captured:
        response = client.get(reverse("messaging:inbox"))
    baseline = len(captured)
    children = [c.child for c in response.context["conversations"]]
    assert children == [older, newer]
    assert answered not in children

    for minutes in (20, 30, 40):
        _unanswered(world.therapist, age_minutes=minutes)
    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("messaging:inbox"))
    assert len(response.context["conversations"]) == 5


def test_family_reply_after_answer_is_unanswered_again(world):
    conversation = ConversationFactory(child=world.child)
    now = timezone.now()
    MessageFactory(conversation=conversation, created_at=now - timedelta(hours=3))
    MessageFactory(
        conversation=conversation,
        author=world.therapist,
        from_family=False,
        created_at=now - timedelta(hours=2),
    )
    assert not selectors.unanswered_inbox(world.therapist).exists()
    MessageFactory(conversation=conversation, created_at=now - timedelta(hours=1))
    row = selectors.unanswered_inbox(world.therapist).get()
    assert row.waiting_count == 1
    assert row.waiting_since == now - timedelta(hours=1)


def test_conversation_page_queries_do_not_grow(world, login, django_assert_max_num_queries):
    conversation = ConversationFactory(child=world.child)
    MessageFactory(conversation=conversation, author=world.parent)
    client = login(world.therapist)
    with django_assert_max_num_queries(40) as captured:
        client.get(_url(world.child))
    baseline = len(captured)
    for _ in range(10):
        MessageFactory(conversation=conversation, author=world.parent)
    with django_assert_max_num_queries(baseline):
        client.get(_url(world.child))


def test_unread_count_on_child_page(world, login):
    conversation = ConversationFactory(child=world.child)
    MessageFactory(conversation=conversation, author=world.therapist, from_family=False)
    MessageFactory(conversation=conversation, author=world.therapist, from_family=False)
    rows = selectors.unread_by_topic(world.parent, world.child, "primary")
    assert rows == [{"topic": Topic.THERAPY, "unread": 2}, {"topic": Topic.BOOKINGS, "unread": 0}]
    client = login(world.parent)
    client.get(_url(world.child))
    rows = selectors.unread_by_topic(world.parent, world.child, "primary")
    assert rows[0]["unread"] == 0
    page = client.get(reverse("families:child_detail", args=[world.child.pk]))
    assert _url(world.child) in page.content.decode()


def test_demo_conversations_seed_once(db, settings):
    from django.core.management import call_command

    from messaging.models import Conversation, MediaFile

    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Conversation.objects.count(), Message.objects.count(), MediaFile.objects.count())
    call_command("seed_demo")
    assert counts == (3, 5, 1)
    assert (
        Conversation.objects.count(),
        Message.objects.count(),
        MediaFile.objects.count(),
    ) == counts
