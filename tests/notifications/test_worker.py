"""Against a real Redis and a real Celery worker (in a thread of the test
process, so it shares the test database and Django's locmem outbox).

Run with REDIS_URL and DATABASE_URL set; CI runs them, elsewhere they skip."""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from bookings import services as booking_services
from bookings.emails import REMINDER, reminders_sweep
from bookings.models import Booking
from bookings.tasks import send_due_reminders
from notifications.models import OutboxMessage
from notifications.tasks import sweep_outbox
from portal.celery import app
from tests.bookings.factories import AvailabilityFactory, ServiceFactory, in_days
from tests.notifications.helpers import due_booking, escort_of


def _close_connection(**kwargs):
    # Worker threads open their own database connections: close them after
    # each task, so the test database can be dropped at the end.
    connection.close()


@pytest.fixture
def worker():
    app.conf.task_always_eager = False
    app.control.purge()  # tasks left over from an interrupted run
    task_postrun.connect(_close_connection, weak=False)
    try:
        with start_worker(
            app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=30
        ) as running:
            yield running
    finally:
        task_postrun.disconnect(_close_connection)
        app.conf.task_always_eager = True


def _wait_until_all_sent(timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        pending = OutboxMessage.objects.exclude(
            status__in=(OutboxMessage.Status.SENT, OutboxMessage.Status.SKIPPED)
        ).count()
        if pending == 0 and OutboxMessage.objects.exists():
            time.sleep(0.3)  # anything still in flight would show as a duplicate
            return
        time.sleep(0.1)
    raise AssertionError(
        f"not all sent: {list(OutboxMessage.objects.values_list('status', 'last_error'))}"
    )


def _assert_each_once():
    # By the Message-ID, one per outbox row: reminders' subjects no longer
    # name the service, so two bookings at one time share a subject.
    sent = Counter((m.to[0], m.extra_headers["Message-ID"]) for m in mail.outbox)
    assert sent and max(sent.values()) == 1, sent
    assert len(mail.outbox) == OutboxMessage.objects.filter(status="sent").count()


@pytest.mark.usefixtures("worker")
@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_each_due_reminder_once(world):
    for _ in range(5):
        due_booking(world, escort=escort_of(world))
    send_due_reminders.delay()
    _wait_until_all_sent()
    assert len(mail.outbox) == 10  # five bookings, the parent and the grandad each
    _assert_each_once()
    send_due_reminders.delay()  # the next run finds nothing new
    time.sleep(1.5)
    assert len(mail.outbox) == 10


@pytest.mark.usefixtures("worker")
@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_no_duplicates(world):
    for _ in range(12):
        due_booking(world, escort=escort_of(world))
    barrier = threading.Barrier(2)

    def sweep():
        barrier.wait()
        try:
            reminders_sweep()
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    # And two beats handing the same work to the worker at the same moment.
    send_due_reminders.delay()
    send_due_reminders.delay()
    for thread in threads:
        thread.join()
    _wait_until_all_sent()
    assert len(mail.outbox) == 24
    _assert_each_once()


@pytest.mark.usefixtures("worker")
@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_task_that_dies_partway_sends_everything_once_after_its_retry(world, monkeypatch):
    monkeypatch.setattr("notifications.tasks.RETRY_COUNTDOWN", 1)
    for _ in range(6):
        due_booking(world)
    real_send = mail.backends.locmem.EmailBackend.send_messages
    calls = {"n": 0}
    lock = threading.Lock()

    def die_on_the_fourth(self, messages):
        with lock:
            calls["n"] += 1
            crash = calls["n"] == 4
        if crash:
            raise RuntimeError("worker lost mid-batch")
        return real_send(self, messages)

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", die_on_the_fourth
    )
    send_due_reminders.delay()
    _wait_until_all_sent()
    assert calls["n"] == 7  # three sent, one crash, the retry sent the other three
    assert len(mail.outbox) == 6
    _assert_each_once()
    # A released row was not counted as an attempt: each row went out on its first.
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


# --- Redis is down ---------------------------------------------------------------------------


@pytest.fixture
def broker_down():
    """Point the Celery app at a closed port, as if Redis had gone away."""
    previous = app.conf.broker_url

    def point_at(url):
        # The app caches its connection and producer pools: drop them (not
        # close: kombu shares pools between apps by connection).
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    def restore():
        point_at(previous)
        app.conf.task_always_eager = True

    app.conf.task_always_eager = False
    point_at("redis://127.0.0.1:1/0")
    try:
        yield restore
    finally:
        restore()


@pytest.mark.usefixtures("broker_down")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bookings_are_made_and_cancelled_while_redis_is_down(world, login, monkeypatch):
    warnings = []
    monkeypatch.setattr(
        "notifications.services.logger.warning", lambda text, *args: warnings.append(text % args)
    )
    service = ServiceFactory(reminder_offsets_hours=[48, 2])
    starts = in_days(3, 10)
    AvailabilityFactory(therapist=world.therapist, weekday=starts.weekday())
    started = time.monotonic()
    booking = booking_services.appointment_book(
        service=service,
        therapist=world.therapist,
        starts_at=starts,
        family=world.family,
        children=[world.child],
        by=world.admin,
    )
    assert time.monotonic() - started < 10  # a lost broker does not hang the request
    assert Booking.objects.filter(pk=booking.pk, status=Booking.Status.CONFIRMED).exists()
    assert warnings == ["Could not hand 1 e-mail(s) to a worker; the outbox sweep will send them"]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"queued"}

    # The parent cancels on the website: it works and says nothing alarming.
    response = login(world.parent).post(
        reverse("bookings:booking_cancel", args=[booking.pk]), {"reason": "Poorly"}, follow=True
    )
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert "redis" not in response.text.lower() and "error" not in response.text.lower()
    assert mail.outbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_what_was_not_enqueued_is_sent_by_the_sweep_once_redis_is_back(world, broker_down):
    due_booking(world)
    reminders_sweep()  # the reminder is queued in the database, the broker refuses it
    assert mail.outbox == []
    row = OutboxMessage.objects.get(kind=REMINDER)
    assert row.status == OutboxMessage.Status.QUEUED
    broker_down()  # Redis is back (here tasks run inline; the worker tests cover the rest)
    sweep_outbox.delay()
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT
    assert len(mail.outbox) == 1


# --- Every periodic task is harmless twice ----------------------------------------------------


@pytest.mark.django_db
def test_every_periodic_task_can_run_twice(world, settings):
    from tests.factories import PracticeLogFactory

    due_booking(world, escort=escort_of(world))
    PracticeLogFactory(strategy__child=world.child)
    Booking.objects.update(created_at=timezone.now() - timedelta(days=5))
    app.loader.import_default_modules()
    names = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert {
        "bookings.tasks.send_due_reminders",
        "bookings.tasks.sweep_waitlists",
        "notifications.tasks.sweep_outbox",
        "portal.tasks.send_progress_summaries",
    } <= set(names)
    for name in names:
        app.tasks[name].apply().get()
    sent = len(mail.outbox)
    rows = OutboxMessage.objects.count()
    for name in names:
        app.tasks[name].apply().get()
    assert len(mail.outbox) == sent and OutboxMessage.objects.count() == rows
