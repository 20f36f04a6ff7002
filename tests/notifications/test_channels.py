"""Reminders by text message and push notification, end to end: the real
clients (twilio, pywebpush) against local fakes of Twilio's API and of a
push service (tests/notifications/fakes.py), through the outbox with the
same exactly-once guarantees as e-mail."""

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.urls import reverse

from bookings.emails import REMINDER, reminders_sweep
from families.models import Caregiver
from notifications import push, services, tasks
from notifications.models import Channel, MobileNumber, OutboxMessage, PushDevice
from tests.notifications.helpers import due_booking

pytestmark = [pytest.mark.django_db, pytest.mark.timesweep]

Status = OutboxMessage.Status


def _choose_everything(world, fake_push, *, devices: int = 1):
    """The parent chose e-mail, text and push, with a mobile number and
    `devices` subscribed browsers."""
    Caregiver.objects.filter(user=world.parent).update(
        receives_reminders=True, reminders_by_text=True, reminders_by_push=True
    )
    services.mobile_number_set(user=world.parent, number="+447700900123")
    browsers = []
    for _ in range(devices):
        browser = fake_push.new_browser()
        subscription = browser.subscription
        services.push_device_save(
            user=world.parent,
            endpoint=subscription["endpoint"],
            p256dh=subscription["keys"]["p256dh"],
            auth=subscription["keys"]["auth"],
            label="Chrome on Android",
        )
        browsers.append(browser)
    return browsers


def test_a_reminder_goes_once_on_each_chosen_channel(world, fake_twilio, fake_push):
    browsers = _choose_everything(world, fake_push, devices=2)
    booking = due_booking(world)

    assert reminders_sweep() == 4  # an e-mail, a text, and a push to each of two devices
    assert reminders_sweep() == 0  # a second sweep (or a second beat) queues nothing new
    # The deliver task run again (Celery's retry, a redelivered message after
    # a lost acknowledgement) and the outbox sweep find nothing left to send.
    ids = list(OutboxMessage.objects.values_list("pk", flat=True))
    assert tasks.deliver.apply(kwargs={"message_ids": ids}).get() == {
        "sent": 0,
        "failed": 0,
        "skipped": 0,
    }
    services.outbox_sweep()

    assert [m.to for m in mail.outbox] == [[world.parent.email]]
    assert len(fake_twilio.sent) == 1
    assert fake_twilio.sent[0]["To"] == "+447700900123"
    assert fake_twilio.sent[0]["From"] == fake_twilio.sender
    assert sorted(d["endpoint"] for d in fake_push.delivered) == sorted(
        b.endpoint for b in browsers
    )
    rows = OutboxMessage.objects.filter(kind=REMINDER, object_id=booking.pk)
    assert sorted(rows.values_list("channel", flat=True)) == ["email", "push", "push", "text"]
    assert set(rows.values_list("status", flat=True)) == {Status.SENT}
    assert fake_push.refused == []


def test_what_a_text_and_a_push_say_names_no_child(world, fake_twilio, fake_push, settings):
    settings.SITE_URL = "https://portal.example.org"
    _choose_everything(world, fake_push)
    booking = due_booking(world)
    reminders_sweep()
    [email] = mail.outbox
    [text] = fake_twilio.sent
    [push] = fake_push.delivered
    payload = push["payload"]
    assert set(payload) == {"title", "body", "url", "tag"}
    # The e-mail's subject and the notification's title agree, and neither
    # names the child or the service (the family has not chosen the details).
    assert payload["title"] == "Reminder: appointment at Family OT Portal"
    assert email.subject.startswith(payload["title"])
    for words in (text["Body"], payload["title"], payload["body"]):
        assert "Yusuf" not in words and "Ahmed" not in words
        assert booking.appointment.service.name not in words
    assert payload["url"] == f"/bookings/{booking.pk}/"
    assert "by video call" in payload["body"]
    assert "Reply C to confirm or X to cancel." in text["Body"]
    assert "Reply C" not in payload["body"]  # a notification cannot be answered
    assert f"https://portal.example.org/bookings/{booking.pk}/" in text["Body"]
    # The push service may replace an undelivered copy with the same Topic.
    assert push["topic"] == payload["tag"] and len(push["topic"]) == 32
    assert int(push["ttl"]) > 0


def test_the_detailed_wording_names_the_service_but_still_no_child(world, fake_twilio, fake_push):
    _choose_everything(world, fake_push)
    Caregiver.objects.filter(user=world.parent).update(detailed_email_wording=True)
    booking = due_booking(world)
    reminders_sweep()
    [push] = fake_push.delivered
    [text] = fake_twilio.sent
    assert push["payload"]["title"] == f"Reminder: {booking.appointment.service.name}"
    assert "Yusuf" not in push["payload"]["title"] + push["payload"]["body"] + text["Body"]


def test_a_task_that_fails_partway_is_retried_and_sends_only_the_rest(
    world, fake_twilio, fake_push, monkeypatch
):
    _choose_everything(world, fake_push)
    monkeypatch.setattr("bookings.emails.dispatch", lambda ids: 0)
    due_booking(world)
    reminders_sweep()
    monkeypatch.undo()
    ids = list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 3

    real_push_send = push.push_send
    crashes = []
    states = []

    def lost_once(**kwargs):
        if not crashes:
            crashes.append(1)
            states.append(dict(OutboxMessage.objects.values_list("channel", "status")))
            raise RuntimeError("time limit")
        return real_push_send(**kwargs)

    # The e-mail and the text go, then the task fails at the push (a bug, a
    # time limit): it puts the push back and asks Celery to retry it.
    monkeypatch.setattr("notifications.push.push_send", lost_once)
    with pytest.raises(Retry):
        tasks.deliver.apply(kwargs={"message_ids": ids})
    assert crashes == [1]
    assert states == [{"email": Status.SENT, "text": Status.SENT, "push": Status.SENDING}]
    statuses = dict(OutboxMessage.objects.values_list("channel", "status"))
    assert statuses == {"email": Status.SENT, "text": Status.SENT, "push": Status.QUEUED}
    monkeypatch.undo()
    # The retry (Celery runs it 30 s later) sends the push, and only the push.
    assert tasks.deliver.apply(kwargs={"message_ids": ids}).get()["sent"] == 1
    assert (len(mail.outbox), len(fake_twilio.sent), len(fake_push.delivered)) == (1, 1, 1)
    # Then the sweep, and a second reminder sweep.
    services.outbox_sweep()
    reminders_sweep()
    assert len(mail.outbox) == 1
    assert len(fake_twilio.sent) == 1
    assert len(fake_push.delivered) == 1
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_provider_outage_is_retried_with_back_off_and_sent_once(world, fake_twilio, fake_push):
    _choose_everything(world, fake_push)
    fake_twilio.failures.append((503, 20500, "Service unavailable"))
    fake_push.answers.append(503)
    due_booking(world)
    reminders_sweep()
    text = OutboxMessage.objects.get(channel=Channel.TEXT)
    push = OutboxMessage.objects.get(channel=Channel.PUSH)
    for row in (text, push):
        assert row.status == Status.FAILED and row.attempts == 1
    assert "TextUnavailable" in text.last_error and "503" in text.last_error
    assert "PushUnavailable" in push.last_error
    assert services.due_message_ids() == []  # not yet: back-off
    OutboxMessage.objects.update(next_attempt_at=text.created_at)
    services.outbox_sweep()
    services.outbox_sweep()
    assert len(fake_twilio.sent) == 1 and len(fake_push.delivered) == 1
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_refused_number_is_not_tried_again(world, fake_twilio, fake_push):
    _choose_everything(world, fake_push)
    fake_twilio.failures.append((400, 21211, "The 'To' number is not a valid phone number."))
    due_booking(world)
    reminders_sweep()
    text = OutboxMessage.objects.get(channel=Channel.TEXT)
    assert text.status == Status.FAILED and text.attempts == services.MAX_ATTEMPTS
    assert "21211" in text.last_error
    services.outbox_sweep()
    assert fake_twilio.sent == []


def test_a_device_the_push_service_has_forgotten_is_removed(world, fake_twilio, fake_push):
    _choose_everything(world, fake_push)
    fake_push.answers.append(410)
    due_booking(world)
    reminders_sweep()
    push = OutboxMessage.objects.get(channel=Channel.PUSH)
    assert push.status == Status.FAILED and push.attempts == services.MAX_ATTEMPTS
    assert not PushDevice.objects.exists()
    services.outbox_sweep()
    assert fake_push.delivered == []


def test_the_push_service_refuses_a_message_signed_with_another_key(
    world, fake_twilio, fake_push, settings
):
    """The fake checks VAPID as push services do: a portal whose keys changed
    since the browser subscribed is turned away, and the row says why."""
    from notifications.management.commands.vapid_keys import new_vapid_keys

    _choose_everything(world, fake_push)
    settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_PUBLIC_KEY = new_vapid_keys()
    due_booking(world)
    reminders_sweep()
    assert fake_push.delivered == []
    assert fake_push.refused == ["VAPID key is not the one the browser subscribed with"]
    push = OutboxMessage.objects.get(channel=Channel.PUSH)
    assert push.status == Status.FAILED and "403" in push.last_error


def test_channels_the_practice_has_not_set_up_are_not_queued(world, settings):
    settings.TEXT_PROVIDER = ""
    settings.WEBPUSH_VAPID_PRIVATE_KEY = settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    Caregiver.objects.filter(user=world.parent).update(
        reminders_by_text=True, reminders_by_push=True
    )
    MobileNumber.objects.create(user=world.parent, number="+447700900123")
    due_booking(world)
    assert reminders_sweep() == 1
    assert list(OutboxMessage.objects.values_list("channel", flat=True)) == ["email"]
    assert len(mail.outbox) == 1


def test_text_and_push_only_without_e_mail(world, fake_twilio, fake_push):
    _choose_everything(world, fake_push)
    Caregiver.objects.filter(user=world.parent).update(receives_reminders=False)
    due_booking(world)
    assert reminders_sweep() == 2
    assert mail.outbox == []
    assert len(fake_twilio.sent) == 1 and len(fake_push.delivered) == 1


def test_an_e_mail_unsubscribe_does_not_stop_the_texts(world, fake_twilio, fake_push):
    _choose_everything(world, fake_push)
    services.unsubscribe(email=world.parent.email, kind=REMINDER)
    due_booking(world)
    reminders_sweep()
    assert mail.outbox == []
    assert len(fake_twilio.sent) == 1 and len(fake_push.delivered) == 1


def test_a_number_removed_after_queueing_is_not_texted(world, fake_twilio, fake_push, monkeypatch):
    _choose_everything(world, fake_push)
    monkeypatch.setattr("bookings.emails.dispatch", lambda ids: 0)
    due_booking(world)
    reminders_sweep()
    monkeypatch.undo()
    services.mobile_number_set(user=world.parent, number="")
    services.outbox_sweep()
    text = OutboxMessage.objects.get(channel=Channel.TEXT)
    assert text.status == Status.SKIPPED and text.skip_reason == "no mobile number"
    assert fake_twilio.sent == []


def _subscribe(user, fake_push):
    browser = fake_push.new_browser()
    subscription = browser.subscription
    services.push_device_save(
        user=user,
        endpoint=subscription["endpoint"],
        p256dh=subscription["keys"]["p256dh"],
        auth=subscription["keys"]["auth"],
    )
    return browser


def test_a_waiting_message_goes_to_the_devices_of_those_who_chose_it(
    world, fake_push, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from messaging.models import Topic
    from messaging.services import message_nudge
    from tests.messaging.factories import ConversationFactory, MessageFactory

    Caregiver.objects.filter(user=world.supporting).update(nudges_by_push=True)
    browser = _subscribe(world.supporting, fake_push)
    _subscribe(world.therapist, fake_push)  # staff: e-mail only
    message = MessageFactory(
        conversation=ConversationFactory(child=world.child, topic=Topic.THERAPY),
        author=world.parent,
        body="dyspraxia assessment result",
        created_at=timezone.now() - timedelta(minutes=31),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert message_nudge(message_id=message.pk) == 2
        assert message_nudge(message_id=message.pk) == 0
    services.outbox_sweep()
    [push] = fake_push.delivered
    assert push["endpoint"] == browser.endpoint
    payload = push["payload"]
    assert payload["title"] == "You have an unread message at Family OT Portal"
    assert payload["url"] == f"/children/{world.child.pk}/messages/therapy/"
    words = payload["title"] + payload["body"]
    assert "dyspraxia" not in words and "Yusuf" not in words and "Aisha" not in words
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.therapist.email, world.supporting.email]
    )


def test_a_place_offered_goes_to_the_devices_of_parents_who_chose_it(
    world, fake_push, django_capture_on_commit_callbacks
):
    from bookings import services as booking_services
    from bookings.models import WaitlistEntry
    from tests.bookings.factories import GroupSessionFactory
    from tests.factories import CaregiverFactory

    group = GroupSessionFactory(capacity=1, topic="Handwriting club")
    first = CaregiverFactory()
    taken = booking_services.group_place_book(
        group_session=group, family=first.family, by=first.user
    )
    Caregiver.objects.filter(user=world.parent).update(offers_by_push=True)
    browser = _subscribe(world.parent, fake_push)
    entry = booking_services.waitlist_join(
        group_session=group, family=world.family, by=world.parent
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_cancel(booking=taken, by=first.user)
    services.outbox_sweep()
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.OFFERED
    [push] = fake_push.delivered
    assert push["endpoint"] == browser.endpoint
    assert push["payload"]["title"] == "A place has come up: Handwriting club"
    assert push["payload"]["url"] == reverse("bookings:waitlist_accept", args=[entry.pk])
    assert "holding it for you until" in push["payload"]["body"]


def test_the_outbox_page_shows_each_channel(world, fake_twilio, fake_push, login):
    _choose_everything(world, fake_push)
    due_booking(world)
    reminders_sweep()
    page = login(world.admin).get(reverse("notifications:outbox")).text
    assert "Appointment reminders <span" in page
    assert "(text message)" in page and "(push notification)" in page
    assert f"To {world.parent.email}'s mobile" in page
    assert "+447700900123" not in page  # the number is not the office's to read here
