import smtplib

import pytest
from django.core import mail

from families.models import AccessLevel, Relationship
from families.services import invitation_create
from families.tasks import INVITATION, send_invitation_email
from notifications.models import OutboxMessage
from notifications.services import optout_create
from tests.factories import make_invitation

pytestmark = pytest.mark.django_db


def test_an_invitation_is_recorded_in_the_outbox_once_with_an_unsubscribe_link(world):
    invitation, token = make_invitation(family=world.family, by=world.parent)
    send_invitation_email(invitation_id=invitation.pk, token=token)
    send_invitation_email(invitation_id=invitation.pk, token=token)  # a redelivered task
    [message] = mail.outbox
    assert token in message.body
    assert "/unsubscribe/" in message.body and "List-Unsubscribe" in message.extra_headers
    row = OutboxMessage.objects.get(kind=INVITATION)
    assert row.status == OutboxMessage.Status.SENT and row.recipient_email == invitation.email
    assert token not in row.dedupe_key  # the raw link never sits in the database


def test_an_invitation_that_fails_is_retried_by_its_task(world, monkeypatch):
    invitation, token = make_invitation(family=world.family, by=world.parent)

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("closed")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_invitation_email.run(invitation_id=invitation.pk, token=token)
    row = OutboxMessage.objects.get(kind=INVITATION)
    assert row.status == OutboxMessage.Status.FAILED
    from notifications.services import due_message_ids

    assert due_message_ids() == []  # the sweep cannot send it without the link
    monkeypatch.undo()
    send_invitation_email.run(invitation_id=invitation.pk, token=token)
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT and row.attempts == 2
    assert len(mail.outbox) == 1


def test_someone_who_unsubscribed_from_invitations_gets_none(world):
    invitation, token = make_invitation(family=world.family, by=world.parent)
    optout_create(email=invitation.email, kind=INVITATION)
    send_invitation_email(invitation_id=invitation.pk, token=token)
    assert mail.outbox == []


def test_inviting_works_while_the_broker_is_down(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(**kwargs):
        raise ConnectionRefusedError("Redis is down")

    monkeypatch.setattr("families.tasks.send_invitation_email.delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            family=world.family,
            by=world.parent,
            email="auntie@example.org",
            full_name="Auntie",
            relationship=Relationship.OTHER,
            access_level=AccessLevel.SUPPORTING,
            children=[world.child],
        )
    assert invitation.pk and mail.outbox == []
