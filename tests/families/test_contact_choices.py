"""How we contact you (was E-mail choices): a mobile number in E.164, the
devices that get notifications, and per family reminders by e-mail, text and
push, where the practice has set those up; nothing else is offered."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from families.models import Caregiver
from notifications import services
from notifications.models import MobileNumber, PushDevice
from tests.factories import CaregiverFactory, FamilyFactory

pytestmark = pytest.mark.django_db

URL = reverse("families:preferences")


@pytest.fixture
def channels_on(settings, vapid_keys):
    settings.TEXT_PROVIDER = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "1" * 32, "token"
    settings.TWILIO_FROM = "+447700900999"
    settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_PUBLIC_KEY = vapid_keys
    settings.WEBPUSH_ENDPOINT_ORIGINS = ["https://fcm.googleapis.com"]


@pytest.fixture
def vapid_keys():
    from notifications.management.commands.vapid_keys import new_vapid_keys

    return new_vapid_keys()


def _save(client, membership, **choices):
    data = {"membership": membership.pk, f"m{membership.pk}-summary_frequency": "weekly"}
    data.update({f"m{membership.pk}-{name}": "on" for name, on in choices.items() if on})
    return client.post(URL, data)


def test_without_settings_only_e_mail_is_offered(world, login, settings):
    settings.TEXT_PROVIDER = ""
    settings.WEBPUSH_VAPID_PRIVATE_KEY = settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    page = login(world.parent).get(URL).text
    assert "<title>How we contact you · " in page
    assert "E-mail me appointment reminders" in page
    assert "reminders_by_text" not in page and "reminders_by_push" not in page
    assert "Mobile number" not in page and "push-devices" not in page


def test_a_mobile_number_is_checked_and_kept_in_e164(world, login, channels_on):
    client = login(world.parent)
    page = client.get(URL).text
    assert "Text me appointment reminders" in page and "Mobile number" in page

    landline = client.post(URL, {"membership": "mobile", "number": "020 7946 0000"})
    assert landline.status_code == 200
    assert "This looks like a landline" in landline.text
    assert 'value="020 7946 0000"' in landline.text  # what they typed stays
    nonsense = client.post(URL, {"membership": "mobile", "number": "call me"})
    assert "Enter a mobile number: in the UK, one that starts 07." in nonsense.text
    assert not MobileNumber.objects.exists()

    assert client.post(URL, {"membership": "mobile", "number": "07911 123456"}).status_code == 302
    assert str(MobileNumber.objects.get(user=world.parent).number) == "+447911123456"
    # An empty number stops texts.
    client.post(URL, {"membership": "mobile", "number": ""})
    assert not MobileNumber.objects.exists()


def test_texts_need_a_number_first(world, login, channels_on):
    client = login(world.parent)
    membership = Caregiver.objects.get(user=world.parent)
    response = _save(client, membership, receives_reminders=True, reminders_by_text=True)
    assert response.status_code == 200
    assert "Add your mobile number above first" in response.text
    membership.refresh_from_db()
    assert membership.reminders_by_text is False

    services.mobile_number_set(user=world.parent, number="+447700900123")
    response = _save(
        client, membership, receives_reminders=False, reminders_by_text=True, reminders_by_push=True
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (
        membership.receives_reminders,
        membership.reminders_by_text,
        membership.reminders_by_push,
    ) == (False, True, True)
    page = client.get(URL).text
    [box] = re.findall(rf'<input[^>]*name="m{membership.pk}-reminders_by_text"[^>]*>', page)
    assert "checked" in box


def test_the_devices_are_listed_and_one_can_be_stopped(world, login, channels_on):
    device = PushDevice.objects.create(
        user=world.parent,
        endpoint="https://fcm.googleapis.com/fcm/send/abc",
        p256dh="x",
        auth="y",
        label="Chrome on Android",
    )
    PushDevice.objects.create(
        user=world.other_parent,
        endpoint="https://fcm.googleapis.com/fcm/send/other",
        p256dh="x",
        auth="y",
        label="Safari on iPhone",
    )
    client = login(world.parent)
    page = client.get(URL).text
    assert "Chrome on Android" in page and "Safari on iPhone" not in page
    assert f'data-push-subscribe-url="{reverse("notifications:push_subscribe")}"' in page
    response = client.post(reverse("notifications:push_device_remove", args=[device.pk]))
    assert response.status_code == 302
    assert not PushDevice.objects.filter(user=world.parent).exists()
    assert "No devices yet" in client.get(URL).text


def test_the_page_runs_the_same_queries_for_more_families_and_devices(world, login, channels_on):
    client = login(world.parent)
    services.mobile_number_set(user=world.parent, number="+447700900123")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    one = queries()
    for n in range(3):
        CaregiverFactory(user=world.parent, family=FamilyFactory())
        PushDevice.objects.create(
            user=world.parent,
            endpoint=f"https://fcm.googleapis.com/fcm/send/{n}",
            p256dh="x",
            auth="y",
        )
    assert queries() == one
