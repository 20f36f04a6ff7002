"""The unread nudge: 30 minutes after a message, to those who have not read
it, once, naming nothing clinical; the sweep catches what a lost task missed."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from messaging import services
from messaging.models import Message, Topic
from messaging.tasks import send_unread_nudge, sweep_unread_nudges
from notifications.models import OutboxMessage
from notifications.services import outbox_sweep
from tests.messaging.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.timesweep

CLINICAL = "dyspraxia assessment result"


def _parent_message(world, *, minutes_ago=31, body=CLINICAL):
    conversation = ConversationFactory(child=world.child, topic=Topic.THERAPY)
    return MessageFactory(
        conversation=conversation,
        author=world.parent,
        body=body,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def _deliver() -> None:
    """Hand what the nudges queued to the outbox's (inline) workers."""
    outbox_sweep()


def test_not_before_thirty_minutes(world):
    message = _parent_message(world, minutes_ago=29)
    assert services.message_nudge(message_id=message.pk) == 0
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.nudge_checked_at is None  # still due later


def test_sent_once_to_each_unread_participant_and_says_nothing_clinical(world):
    message = _parent_message(world)
    assert send_unread_nudge(message_id=message.pk) == 2
    _deliver()
    recipients = sorted(address for m in mail.outbox for address in m.to)
    # The therapist and the linked grandparent; not the author, not the
    # unlinked nanny, not the office (not in the therapy conversation).
    assert recipients == sorted([world.therapist.email, world.supporting.email])
    for email in mail.outbox:
        text = email.subject + email.body
        assert CLINICAL not in text
        assert world.child.first_name not in text
        assert world.parent.full_name not in text
        assert f"/children/{world.child.pk}/messages/therapy/" in email.body

    # Retried task, the sweep, and the sweep again: nothing more.
    assert send_unread_nudge(message_id=message.pk) == 0
    assert sweep_unread_nudges() == 0
    assert sweep_unread_nudges() == 0
    _deliver()
    assert len(mail.outbox) == 2
    # Each through the outbox: a row per person, in "E-mails sent".
    assert sorted(
        OutboxMessage.objects.filter(kind="message_nudge", status="sent").values_list(
            "recipient_email", flat=True
        )
    ) == sorted([world.therapist.email, world.supporting.email])


def test_not_sent_when_read(world, login):
    message = _parent_message(world)
    login(world.therapist).get(f"/children/{world.child.pk}/messages/therapy/")
    login(world.supporting).get(f"/children/{world.child.pk}/messages/therapy/")
    assert services.message_nudge(message_id=message.pk) == 0
    assert mail.outbox == []


def test_not_sent_for_a_deleted_message(world):
    message = _parent_message(world)
    Message.objects.filter(pk=message.pk).update(deleted_at=timezone.now())
    assert sweep_unread_nudges() == 0
    assert mail.outbox == []


def test_a_burst_of_messages_sends_one_nudge_until_read(world, login):
    first = _parent_message(world, minutes_ago=40)
    second = _parent_message(world, minutes_ago=35)
    sweep_unread_nudges()
    _deliver()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.therapist.email, world.supporting.email]
    )
    for message in (first, second):
        message.refresh_from_db()
        assert message.nudge_checked_at is not None

    # The therapist reads; a new message later nudges them again, once.
    login(world.therapist).get(f"/children/{world.child.pk}/messages/therapy/")
    mail.outbox.clear()
    third = _parent_message(world, minutes_ago=0)
    later = timezone.now() + timedelta(minutes=31)
    assert services.nudges_sweep(now=later) == 1
    _deliver()
    assert [m.to for m in mail.outbox] == [[world.therapist.email]]
    assert services.nudges_sweep(now=later) == 0
    third.refresh_from_db()
    assert third.nudge_checked_at is not None


def test_a_failed_send_is_retried_later(world, monkeypatch):
    """Queueing fails (the database hiccups): the claims are undone with it,
    and the next sweep nudges. A mail server that is down is the outbox's
    business: it retries the rows itself."""
    message = _parent_message(world)

    def broken(**kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(services, "_send_nudge", broken)
    with pytest.raises(OSError, match="mail server down"):
        services.message_nudge(message_id=message.pk)
    message.refresh_from_db()
    assert message.nudge_checked_at is None  # the claim was undone with the failure
    monkeypatch.undo()
    assert services.nudges_sweep() == 2


def test_sending_queues_the_delayed_nudge(
    world, login, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(send_unread_nudge, "apply_async", lambda **kwargs: queued.append(kwargs))
    client = login(world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/children/{world.child.pk}/messages/therapy/", {"body": "Hello"})
    message = Message.objects.get()
    assert queued == [{"kwargs": {"message_id": message.pk}, "countdown": 30 * 60 + 5}]


def test_a_read_conversation_is_not_nudged_at_sending(world, login):
    """Read between the queueing and the sending: the row is skipped."""
    message = _parent_message(world)
    assert services.message_nudge(message_id=message.pk) == 2
    login(world.therapist).get(f"/children/{world.child.pk}/messages/therapy/")
    _deliver()
    assert [m.to for m in mail.outbox] == [[world.supporting.email]]
    skipped = OutboxMessage.objects.get(recipient_email=world.therapist.email)
    assert (skipped.status, skipped.skip_reason) == ("skipped", "read already")


def test_a_family_can_turn_nudges_off(world, login):
    login(world.supporting).post(
        reverse("families:preferences"),
        {
            "membership": str(_membership(world).pk),
            f"m{_membership(world).pk}-summary_frequency": "weekly",
            f"m{_membership(world).pk}-receives_reminders": "on",
        },
    )
    _membership(world).refresh_from_db()
    assert not _membership(world).receives_message_nudges
    message = _parent_message(world)
    services.message_nudge(message_id=message.pk)
    _deliver()
    assert [m.to for m in mail.outbox] == [[world.therapist.email]]


def _membership(world):
    return world.family.caregivers.get(user=world.supporting)
