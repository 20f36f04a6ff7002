"""The JSON endpoints a page's service worker calls to subscribe a browser to
push notifications and to give a subscription up: CSRF-protected, for the
person logged in, and only for the push services of real browsers."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import PushDevice
from notifications.push import endpoint_allowed

pytestmark = pytest.mark.django_db

SUBSCRIBE = reverse("notifications:push_subscribe")
UNSUBSCRIBE = reverse("notifications:push_unsubscribe")
KEY = reverse("notifications:push_key")
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def _csrf_client(user) -> tuple[Client, str]:
    """A browser that keeps to CSRF as a real one must: the token comes from
    the page (How we contact you), the cookie with it."""
    client = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=ANDROID_CHROME)
    client.force_login(user)
    page = client.get(reverse("families:preferences"))
    token = page.context["csrf_token"]
    return client, str(token)


def _post(client, url, body, token=""):
    headers = {"HTTP_X_CSRFTOKEN": token} if token else {}
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_a_parent_subscribes_this_browser_and_gives_it_up(world, fake_push):
    browser = fake_push.new_browser()
    client, token = _csrf_client(world.parent)
    assert client.get(KEY).json() == {"offered": True, "public_key": fake_push.server_key}

    response = _post(client, SUBSCRIBE, browser.subscription, token)
    assert response.status_code == 201, response.content
    device = PushDevice.objects.get()
    assert response.json() == {
        "subscribed": True,
        "device": device.pk,
        "label": "Chrome on Android",
    }
    assert (device.user, device.endpoint) == (world.parent, browser.endpoint)
    # The service worker subscribing again (a fresh key, the same address) keeps one device.
    assert _post(client, SUBSCRIBE, browser.subscription, token).status_code == 201
    assert PushDevice.objects.count() == 1

    response = _post(client, UNSUBSCRIBE, {"endpoint": browser.endpoint}, token)
    assert response.json() == {"subscribed": False}
    assert not PushDevice.objects.exists()


def test_without_the_csrf_token_nothing_is_subscribed(world, fake_push):
    client, _token = _csrf_client(world.parent)
    response = _post(client, SUBSCRIBE, fake_push.new_browser().subscription)
    assert response.status_code == 403
    assert not PushDevice.objects.exists()


def test_only_real_push_services_and_real_keys_are_taken(world, fake_push):
    client, token = _csrf_client(world.parent)
    subscription = fake_push.new_browser().subscription
    elsewhere = {**subscription, "endpoint": "http://10.0.0.5/admin/reboot"}
    short_key = {**subscription, "keys": {**subscription["keys"], "auth": "c2hvcnQ"}}
    for body in (
        elsewhere,
        short_key,
        {"endpoint": subscription["endpoint"]},
        ["not", "a", "dict"],
    ):
        response = _post(client, SUBSCRIBE, body, token)
        assert response.status_code == 400 and "error" in response.json()
    assert not PushDevice.objects.exists()


def test_a_person_cannot_give_up_another_persons_device(world, fake_push):
    browser = fake_push.new_browser()
    client, token = _csrf_client(world.parent)
    _post(client, SUBSCRIBE, browser.subscription, token)
    other, other_token = _csrf_client(world.other_parent)
    _post(other, UNSUBSCRIBE, {"endpoint": browser.endpoint}, other_token)
    device = PushDevice.objects.get()
    response = other.post(
        reverse("notifications:push_device_remove", args=[device.pk]),
        {"csrfmiddlewaretoken": other_token},
    )
    assert response.status_code == 404
    assert PushDevice.objects.filter(user=world.parent).count() == 1


def test_without_vapid_keys_push_is_not_offered(world, settings, login):
    settings.WEBPUSH_VAPID_PRIVATE_KEY = settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    client = login(world.parent)
    assert client.get(KEY).json() == {"offered": False, "public_key": ""}
    response = client.post(SUBSCRIBE, "{}", content_type="application/json")
    assert response.status_code == 404


def test_staff_have_no_push_devices(world, login, fake_push):
    client = login(world.therapist)
    assert client.get(KEY).status_code == 404
    response = client.post(
        SUBSCRIBE, json.dumps(fake_push.new_browser().subscription), content_type="application/json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", True),
        ("https://updates.push.services.mozilla.com/wpush/v2/abc", True),
        ("https://web.push.apple.com/QAbc", True),
        ("https://wns2-db5p.notify.windows.com/w/?token=abc", True),
        ("http://fcm.googleapis.com/fcm/send/abc", False),  # not https
        ("https://fcm.googleapis.com.evil.example/x", False),
        ("https://evilnotify.windows.com/x", False),
        ("https://user:pw@fcm.googleapis.com/x", False),
        ("https://fcm.googleapis.com:8443/x", False),
        ("https://127.0.0.1/x", False),
        ("not a url", False),
    ],
)
def test_which_push_services_are_accepted(settings, endpoint, allowed):
    settings.WEBPUSH_ENDPOINT_ORIGINS = [
        "https://fcm.googleapis.com",
        "https://updates.push.services.mozilla.com",
        "https://web.push.apple.com",
        "https://.notify.windows.com",
    ]
    assert endpoint_allowed(endpoint) is allowed
