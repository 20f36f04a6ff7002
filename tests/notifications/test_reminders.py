from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from bookings import services as booking_services
from bookings.emails import REMINDER, reminders_sweep
from bookings.models import Booking
from families.models import Caregiver
from notifications.models import OutboxMessage
from tests.notifications.helpers import due_booking, escort_of

pytestmark = [pytest.mark.django_db, pytest.mark.timesweep]


def test_a_due_reminder_goes_once_to_each_person_who_takes_them(world):
    booking = due_booking(world, escort=escort_of(world))
    assert reminders_sweep() == 2
    assert reminders_sweep() == 0  # a second run (or a second beat) sends nothing
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [world.parent.email, world.supporting.email]
    )
    rows = OutboxMessage.objects.filter(kind=REMINDER, object_id=booking.pk)
    assert {row.status for row in rows} == {OutboxMessage.Status.SENT}
    assert {row.params["offset"] for row in rows} == {2}


def test_the_reminder_says_when_where_what_to_bring_and_how_to_cancel(world, settings):
    settings.SITE_URL = "https://portal.example.org"
    booking = due_booking(world)
    reminders_sweep()
    [message] = mail.outbox
    local = timezone.localtime(booking.appointment.starts_at)
    body = message.body
    # By default it says only "Appointment at <the practice>": an inbox read
    # over a shoulder learns neither the service nor the child.
    assert message.subject.startswith("Reminder: appointment at Family OT Portal, ")
    assert "Appointment at Family OT Portal" in body
    assert booking.appointment.service.name not in message.subject + body
    assert "Yusuf" not in message.subject + body
    assert local.strftime("%H:%M") in body
    assert local.strftime("%Z") in body and "UK time" in body  # the zone is shown
    assert "https://meet.example.org/ot-room" in body
    assert "A favourite toy" in body
    assert f"https://portal.example.org/bookings/{booking.pk}/" in body
    assert "cancel" in body.lower()
    html = message.alternatives[0][0]
    assert 'href="https://meet.example.org/ot-room"' in html
    assert "Unsubscribe" in html and "/unsubscribe/" in message.extra_headers["List-Unsubscribe"]


def test_a_family_that_chose_it_gets_the_detailed_wording(world):
    Caregiver.objects.filter(user=world.parent).update(detailed_email_wording=True)
    booking = due_booking(world)
    reminders_sweep()
    [message] = mail.outbox
    assert booking.appointment.service.name in message.subject
    assert "Yusuf" in message.body  # who it is for
    assert "Appointment at" not in message.body


def test_no_reminder_for_a_cancelled_booking(world):
    booking = due_booking(world)
    booking_services.appointment_cancel(
        appointment=booking.appointment, reason="Poorly", by=world.admin
    )
    mail.outbox.clear()
    assert reminders_sweep() == 0
    assert mail.outbox == []


def test_a_reminder_queued_before_a_cancellation_is_not_sent(world, monkeypatch):
    booking = due_booking(world)
    # The broker is slow: the row is queued but not yet sent when the family cancels.
    monkeypatch.setattr("notifications.services.dispatch", lambda ids: 0)
    monkeypatch.setattr("bookings.emails.dispatch", lambda ids: 0)
    reminders_sweep()
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CANCELLED)
    from notifications.services import outbox_deliver

    result = outbox_deliver(
        message_ids=list(OutboxMessage.objects.filter(kind=REMINDER).values_list("pk", flat=True))
    )
    assert result.sent == [] and len(result.skipped) == 1
    assert OutboxMessage.objects.get(kind=REMINDER).skip_reason == "booking cancelled"
    assert mail.outbox == []


def test_a_moved_booking_gets_reminders_for_its_new_time_only(world):
    booking = due_booking(world, hours_ahead=47)  # the 48-hour reminder is due
    assert reminders_sweep() == 1
    old = OutboxMessage.objects.get(kind=REMINDER)
    # Moved to three days later: the 48-hour reminder for the new time is not due yet.
    appointment = booking.appointment
    new_start = appointment.starts_at + timedelta(days=3)
    appointment.starts_at, appointment.ends_at = new_start, new_start + timedelta(hours=1)
    appointment.save()
    assert reminders_sweep() == 0
    # Later, when it is due for the new time, it goes again (a new key).
    later = timezone.now() + timedelta(days=3)
    assert reminders_sweep(now=later) == 1
    new = OutboxMessage.objects.filter(kind=REMINDER).exclude(pk=old.pk).get()
    assert new.params["starts_at"] == new_start.isoformat()
    assert new.dedupe_key != old.dedupe_key


def test_a_row_for_the_old_time_is_skipped_when_the_booking_moved(world, monkeypatch):
    booking = due_booking(world)
    monkeypatch.setattr("bookings.emails.dispatch", lambda ids: 0)
    reminders_sweep()
    appointment = booking.appointment
    appointment.starts_at += timedelta(hours=5)
    appointment.ends_at += timedelta(hours=5)
    appointment.save()
    from notifications.services import outbox_sweep

    monkeypatch.undo()
    outbox_sweep()
    assert OutboxMessage.objects.get(kind=REMINDER).skip_reason == "booking moved"
    assert mail.outbox == []


def test_only_the_nearest_due_reminder_goes_when_the_sweep_missed_one(world):
    due_booking(world, hours_ahead=1)  # both 48 h and 2 h are past: only the 2-hour one
    reminders_sweep()
    assert list(OutboxMessage.objects.values_list("params__offset", flat=True)) == [2]


def test_no_reminder_whose_time_had_passed_when_the_booking_was_made(world):
    booking = due_booking(world, hours_ahead=30)
    Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert reminders_sweep() == 0  # the confirmation just went; the 48-hour one is moot


def test_caregivers_who_turned_reminders_off_get_none(world):
    Caregiver.objects.filter(user=world.parent).update(receives_reminders=False)
    due_booking(world)
    assert reminders_sweep() == 0
    assert mail.outbox == []


def test_offsets_are_per_service(world):
    from tests.bookings.factories import ServiceFactory

    service = ServiceFactory(reminder_offsets_hours=[24])
    due_booking(world, hours_ahead=20, service=service)
    assert reminders_sweep() == 1
    assert OutboxMessage.objects.get().params["offset"] == 24


def test_the_sweep_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    from tests.bookings.factories import ServiceFactory

    service = ServiceFactory(reminder_offsets_hours=[48, 2])
    due_booking(world, service=service)
    with django_assert_max_num_queries(40) as few:
        reminders_sweep()
    OutboxMessage.objects.all().delete()
    mail.outbox.clear()
    for _ in range(6):
        due_booking(world, service=service)
    with django_assert_max_num_queries(40) as many:
        reminders_sweep()
    # Sending is one update per e-mail; finding and rendering do not grow.
    assert len(many.captured_queries) - len(few.captured_queries) == len(mail.outbox) - 1
