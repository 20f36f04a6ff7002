import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from bookings.emails import REMINDER, reminders_sweep
from families.models import Caregiver
from notifications import services
from notifications.models import EmailOptOut, OutboxMessage
from notifications.signing import unsubscribe_token
from tests.notifications.helpers import due_booking

pytestmark = pytest.mark.django_db


def _queued(world, count=1, monkeypatch=None):
    """Due reminders queued but not yet handed to a worker."""
    monkeypatch.setattr("bookings.emails.dispatch", lambda ids: 0)
    for _ in range(count):
        due_booking(world)
    reminders_sweep()
    monkeypatch.undo()
    return list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))


def test_the_same_message_is_queued_once(world):
    first = services.message_queue(
        kind=REMINDER, recipient_email="a@example.org", dedupe_key="same", object_id=1
    )
    again = services.message_queue(
        kind=REMINDER, recipient_email="a@example.org", dedupe_key="same", object_id=1
    )
    assert first is not None and again is None
    assert OutboxMessage.objects.count() == 1


def test_a_second_sender_given_the_same_rows_sends_nothing(world, monkeypatch):
    ids = _queued(world, 2, monkeypatch)
    first = services.outbox_deliver(message_ids=ids)
    second = services.outbox_deliver(message_ids=ids)
    assert len(first.sent) == 2 and second.sent == []
    assert len(mail.outbox) == 2


def test_a_mail_server_error_is_retried_later_with_back_off(world, monkeypatch):
    ids = _queued(world, 1, monkeypatch)

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    result = services.outbox_deliver(message_ids=ids)
    assert result.failed == ids
    row = OutboxMessage.objects.get()
    assert row.status == OutboxMessage.Status.FAILED and row.attempts == 1
    assert "SMTPServerDisconnected" in row.last_error
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=50)
    # Not yet due: the sweep leaves it alone.
    assert services.due_message_ids() == []
    monkeypatch.undo()
    OutboxMessage.objects.update(next_attempt_at=timezone.now())
    services.outbox_sweep()
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT and row.attempts == 2
    assert len(mail.outbox) == 1
    # Back-off doubles, up to a cap.
    assert services.retry_delay(1) < services.retry_delay(2) < services.retry_delay(3)
    assert services.retry_delay(50) == services.RETRY_CAP


def test_after_the_last_attempt_a_failure_stays_failed(world, monkeypatch):
    ids = _queued(world, 1, monkeypatch)
    OutboxMessage.objects.update(status=OutboxMessage.Status.FAILED, attempts=services.MAX_ATTEMPTS)
    assert services.due_message_ids() == []
    assert services.outbox_deliver(message_ids=ids).sent == []


def test_a_crash_partway_sends_the_rest_once_on_the_retry(world, monkeypatch):
    ids = _queued(world, 4, monkeypatch)
    real_send = mail.backends.locmem.EmailBackend.send_messages
    calls = {"n": 0}

    def crash_on_third(self, messages):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("worker lost")
        return real_send(self, messages)

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", crash_on_third
    )
    with pytest.raises(RuntimeError):
        services.outbox_deliver(message_ids=ids)
    assert len(mail.outbox) == 2
    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert sorted(statuses.values()) == ["queued", "queued", "sent", "sent"]
    # The retry (the task's, or the sweep's) sends exactly the two left.
    services.outbox_deliver(message_ids=ids)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        OutboxMessage.objects.values_list("recipient_email", flat=True)
    )
    assert len(mail.outbox) == 4
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_rows_held_by_a_dead_worker_are_taken_again_after_the_lease(world, monkeypatch):
    ids = _queued(world, 1, monkeypatch)
    OutboxMessage.objects.update(
        status=OutboxMessage.Status.SENDING, claim_token="dead", claimed_at=timezone.now()
    )
    assert services.outbox_deliver(message_ids=ids).sent == []  # still held
    OutboxMessage.objects.update(claimed_at=timezone.now() - services.CLAIM_LEASE * 2)
    assert services.outbox_deliver(message_ids=ids).sent == ids


def test_a_lost_broker_leaves_rows_queued_for_the_sweep(world, monkeypatch):
    def broker_down(**kwargs):
        raise ConnectionRefusedError("Redis is down")

    monkeypatch.setattr("notifications.tasks.deliver.delay", broker_down)
    due_booking(world)
    reminders_sweep()
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.QUEUED
    assert mail.outbox == []
    monkeypatch.undo()
    services.outbox_sweep()
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_each_row_once(world, monkeypatch):
    ids = _queued(world, 8, monkeypatch)
    barrier = threading.Barrier(2)
    results = []

    def send():
        barrier.wait()
        try:
            results.append(services.outbox_deliver(message_ids=ids))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(pk for result in results for pk in result.sent) == ids
    assert len(mail.outbox) == 8


# --- Unsubscribing ----------------------------------------------------------------------


def test_unsubscribe_needs_no_log_in_and_every_task_respects_it(world, client, monkeypatch):
    [queued] = _queued(world, monkeypatch=monkeypatch)  # due before they unsubscribed
    url = reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(world.parent.email, REMINDER)]
    )
    page = client.get(url)
    assert page.status_code == 200 and "Stop appointment reminders?" in page.text
    assert not EmailOptOut.objects.exists()  # a GET (a mail scanner) changes nothing
    assert Caregiver.objects.get(user=world.parent).receives_reminders is True
    assert client.post(url).status_code == 200
    assert EmailOptOut.objects.filter(email=world.parent.email, kind=REMINDER).exists()
    assert "You're unsubscribed" in client.get(url).text

    # The one queued before is not sent, and the sweep queues no more for them.
    result = services.outbox_deliver(message_ids=[queued])
    assert result.skipped == [queued] and result.sent == []
    assert OutboxMessage.objects.get().skip_reason == "unsubscribed"
    due_booking(world)
    reminders_sweep()
    assert OutboxMessage.objects.count() == 1
    assert mail.outbox == []

    client.post(url, {"action": "resubscribe"})
    assert not EmailOptOut.objects.exists()


def test_one_click_post_from_a_mail_program_works_without_a_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token("x@example.org", REMINDER)])
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert EmailOptOut.objects.filter(email="x@example.org").exists()


def test_a_forged_or_unknown_unsubscribe_link_is_not_found(world, client):
    token = unsubscribe_token(world.parent.email, REMINDER)
    assert (
        client.get(reverse("notifications:unsubscribe", args=[token[:-2] + "xx"])).status_code
        == 404
    )
    unknown = unsubscribe_token(world.parent.email, "no_such_kind")
    assert client.get(reverse("notifications:unsubscribe", args=[unknown])).status_code == 404


def test_every_e_mail_carries_a_one_click_unsubscribe_header(world):
    due_booking(world)
    reminders_sweep()
    [message] = mail.outbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")


# --- The outbox page ---------------------------------------------------------------------


def _rows(count, **fields):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            kind=REMINDER,
            recipient_email=f"person{i}@example.org",
            dedupe_key=f"test:{fields.get('status', 'queued')}:{i}:{OutboxMessage.objects.count()}",
            **fields,
        )
        for i in range(count)
    )


def test_the_outbox_page_shows_failures_filters_and_runs_fixed_queries(
    world, login, django_assert_num_queries
):
    _rows(2, status=OutboxMessage.Status.FAILED, last_error="SMTPServerDisconnected: closed")
    _rows(3, status=OutboxMessage.Status.SENT)
    client = login(world.admin)
    url = reverse("notifications:outbox")
    response = client.get(url)
    assert "SMTPServerDisconnected" in response.text and "Failed: 2" in response.text
    failed = client.get(url, {"status": "failed"})
    assert failed.text.count("SMTPServerDisconnected") == 2
    assert "person2@example.org" not in client.get(url, {"status": "failed", "q": "person1"}).text

    # session, user, counts, page count, page, the menu's unread count
    with django_assert_num_queries(6) as few:
        client.get(url)
    _rows(80, status=OutboxMessage.Status.SENT)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(url, {"page": 2})
    assert "Page 2 of 2" in page.text


def test_the_outbox_page_never_shows_a_summary_body(world, login):
    _rows(1, status=OutboxMessage.Status.SENT)
    text = login(world.admin).get(reverse("notifications:outbox")).text
    assert "Appointment reminders" in text
    assert "family_summary" not in text


def test_the_outbox_page_is_for_admins_only(world, login):
    url = reverse("notifications:outbox")
    for persona in ("parent", "supporting", "therapist"):
        assert login(getattr(world, persona)).get(url).status_code == 404
    assert login(None).get(url).status_code == 302


def test_a_message_keeps_its_message_id_when_sent_again():
    from notifications.models import OutboxMessage
    from notifications.services import message_id

    first = OutboxMessage(pk=41, dedupe_key="reminder:7:48:parent@example.org")
    again = OutboxMessage(pk=41, dedupe_key="reminder:7:48:parent@example.org")
    other = OutboxMessage(pk=42, dedupe_key="reminder:7:2:parent@example.org")
    assert message_id(first) == message_id(again)
    assert message_id(first) != message_id(other)
    assert message_id(first).startswith("<outbox.41.") and message_id(first).endswith(">")
