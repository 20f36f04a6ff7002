"""Texts families send back to a reminder: Twilio posts them to our webhook,
signed with the account's auth token (X-Twilio-Signature); "C" confirms and
"X" cancels the booking the last reminder text was about, once however often
Twilio retries its callback."""

import pytest
from django.core import mail
from django.urls import reverse
from twilio.request_validator import RequestValidator

from bookings.emails import reminders_sweep
from bookings.models import Booking
from families.models import Caregiver
from notifications import services
from notifications.models import TextReply
from tests.notifications.helpers import due_booking

pytestmark = [pytest.mark.django_db, pytest.mark.timesweep]

URL = reverse("notifications:text_inbound")


def _post(
    client,
    fake_twilio,
    settings,
    *,
    body: str,
    sid: str = "SM1",
    sender="+447700900123",
    token=None,
):
    params = {
        "MessageSid": sid,
        "AccountSid": fake_twilio.account_sid,
        "From": sender,
        "To": fake_twilio.sender,
        "Body": body,
        "NumMedia": "0",
    }
    signature = RequestValidator(token or fake_twilio.auth_token).compute_signature(
        settings.SITE_URL.rstrip("/") + URL, params
    )
    return client.post(URL, params, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.fixture
def reminded(world, fake_twilio, settings):
    """A booking whose reminder was texted to the parent, with notice enough
    to cancel (the service asks for 24 hours; the 48-hour reminder is due)."""
    settings.SITE_URL = "https://portal.example.org"
    Caregiver.objects.filter(user=world.parent).update(reminders_by_text=True)
    services.mobile_number_set(user=world.parent, number="+447700900123")
    booking = due_booking(world, hours_ahead=47)
    reminders_sweep()
    assert len(fake_twilio.sent) == 1
    mail.outbox.clear()
    return booking


def test_c_confirms_and_the_answer_says_when(client, reminded, fake_twilio, settings):
    response = _post(client, fake_twilio, settings, body=" c. ")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Message>Thank you. See you on " in response.content
    reply = TextReply.objects.get()
    assert reply.keyword == "C" and reply.outcome == f"confirmed booking {reminded.pk}"
    reminded.refresh_from_db()
    assert reminded.status == Booking.Status.CONFIRMED


def test_x_cancels_once_however_often_twilio_retries(
    client, world, reminded, fake_twilio, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(client, fake_twilio, settings, body="X", sid="SM-retried")
        again = _post(client, fake_twilio, settings, body="X", sid="SM-retried")
    assert first.content == again.content
    assert b"is cancelled" in first.content
    reminded.refresh_from_db()
    assert reminded.status == Booking.Status.CANCELLED
    assert reminded.cancellation_reason == "Cancelled by text message"
    assert TextReply.objects.count() == 1
    # The usual cancellation e-mail goes, once.
    assert [m.to for m in mail.outbox] == [[world.parent.email]]
    assert mail.outbox[0].subject.startswith("Cancelled:")


def test_a_late_cancellation_by_text_is_refused_with_the_practice_phone(
    client, world, fake_twilio, settings
):
    Caregiver.objects.filter(user=world.parent).update(reminders_by_text=True)
    services.mobile_number_set(user=world.parent, number="+447700900123")
    booking = due_booking(world, hours_ahead=1.5)  # the 2-hour reminder: too late to cancel
    reminders_sweep()
    response = _post(client, fake_twilio, settings, body="X")
    assert settings.PRACTICE_PHONE.encode() in response.content
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert TextReply.objects.get().outcome == f"cancel refused for booking {booking.pk}"


def test_a_forged_or_unsigned_callback_is_refused(client, reminded, fake_twilio, settings):
    forged = _post(client, fake_twilio, settings, body="X", token="not-the-token")
    unsigned = client.post(URL, {"MessageSid": "SM2", "From": "+447700900123", "Body": "X"})
    assert forged.status_code == unsigned.status_code == 403
    reminded.refresh_from_db()
    assert reminded.status == Booking.Status.CONFIRMED
    assert not TextReply.objects.exists()


def test_other_words_get_help_and_unknown_numbers_no_answer(
    client, reminded, fake_twilio, settings
):
    other = _post(client, fake_twilio, settings, body="Running late, sorry", sid="SM3")
    assert b"Reply C to confirm or X to cancel" in other.content
    stranger = _post(client, fake_twilio, settings, body="X", sid="SM4", sender="+447700900555")
    assert stranger.status_code == 200 and b"<Message>" not in stranger.content
    # Only the keyword is kept, never what else was written.
    assert set(TextReply.objects.values_list("keyword", flat=True)) == {"RUNNING", "X"}
    reminded.refresh_from_db()
    assert reminded.status == Booking.Status.CONFIRMED


def test_without_a_text_provider_the_webhook_is_not_there(client, settings):
    settings.TEXT_PROVIDER = ""
    assert client.post(URL, {"Body": "C"}).status_code == 404
