"""Push notifications on the device, in Chromium: a parent turns them on for
this phone on How we contact you (the portal keeps the browser's real P-256
subscription and lists the device), then turns them off; and the portal's
service worker shows a push message delivered to it as a notification with
the message's title, body and tag, opening only a path of the portal.

Headless Chromium has no push service to subscribe at, so the page's
PushManager answers with a subscription made here (a real key pair and auth
secret, at an address of Chrome's push service, which nothing posts to). The
worker's side is real: Chromium delivers the message to it through DevTools
(ServiceWorker.deliverPushMessage), as its Application panel's Push button does."""

import json
import time
from urllib.parse import urlparse

import pytest

from notifications.management.commands.vapid_keys import new_vapid_keys
from notifications.models import PushDevice
from tests.notifications.fakes import Browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# PushManager as a browser with a push service answers it: subscribe() keeps
# the subscription (the one the test made), across page loads, until
# unsubscribe().
FAKE_PUSH_MANAGER = """
(() => {
  const made = %s;
  const subscription = () => ({
    endpoint: made.endpoint,
    expirationTime: null,
    toJSON: () => made,
    unsubscribe: async () => { sessionStorage.removeItem("fake-push"); return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    if (!options || !options.userVisibleOnly || !options.applicationServerKey) {
      throw new DOMException("applicationServerKey is required", "NotSupportedError");
    }
    window.__pushKeyLength = options.applicationServerKey.byteLength;
    sessionStorage.setItem("fake-push", "subscribed");
    return subscription();
  };
  PushManager.prototype.getSubscription = async function () {
    return sessionStorage.getItem("fake-push") ? subscription() : null;
  };
})();
"""


def _notifications(page, *, until, tag: str = "") -> list[dict]:
    """The worker's notifications now showing (with that tag), once `until`
    holds of them; the last seen if it never does within five seconds."""
    deadline = time.monotonic() + 5
    while True:
        shown = page.evaluate(
            """tag => navigator.serviceWorker.ready
                .then(r => r.getNotifications(tag ? {tag} : {}))
                .then(list => list.map(n => ({
                    title: n.title, body: n.body, tag: n.tag, icon: n.icon, url: n.data.url})))""",
            tag,
        )
        if (shown and until(shown)) or time.monotonic() > deadline:
            return shown
        page.wait_for_timeout(100)


def _worker_ready(page) -> None:
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_parent_turns_notifications_on_and_off_on_this_device(
    world, open_browser, live_server, settings, viewport
):
    from playwright.sync_api import expect

    settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_PUBLIC_KEY = new_vapid_keys()
    phone = Browser(endpoint="https://fcm.googleapis.com/fcm/send/this-phone-1")
    parent = open_browser(viewport, user=world.parent)
    page = parent.page
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(FAKE_PUSH_MANAGER % json.dumps(phone.subscription))

    parent.go("/preferences/")
    _worker_ready(page)
    expect(page.get_by_text("No devices yet.")).to_be_visible()
    turn_on = page.get_by_role("button", name="Turn on notifications on this phone or computer")
    expect(turn_on).to_be_visible()
    parent.check("push-turn-on")

    turn_on.click()
    expect(page.locator("#push-devices [role=status]")).to_contain_text("Notifications are on for")
    device = PushDevice.objects.get(user=world.parent)
    assert device.endpoint == phone.endpoint
    assert device.p256dh == phone.subscription["keys"]["p256dh"]
    assert device.auth == phone.subscription["keys"]["auth"]
    # The portal's key went to subscribe() as the 65 bytes of a P-256 point.
    assert page.evaluate("() => window.__pushKeyLength") == 65
    label = device.label or "A browser"
    expect(page.get_by_text(f"{label}, since")).to_be_visible()
    expect(page.get_by_text("No devices yet.")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Stop notifications to {device.label}")).to_be_visible()
    expect(turn_on).to_be_hidden()
    turn_off = page.get_by_role("button", name="Turn off on this device")
    expect(turn_off).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    parent.check("push-turned-on")

    # Stopped from the list (the form, without script): the browser is still
    # subscribed, but the page offers to turn it on again, which sends it afresh.
    page.get_by_role("button", name=f"Stop notifications to {device.label}").click()
    expect(page.get_by_text("That device will get no more notifications")).to_be_visible()
    assert not PushDevice.objects.exists()
    expect(turn_off).to_be_hidden()
    turn_on.click()
    expect(page.locator("#push-devices [role=status]")).to_contain_text("Notifications are on for")
    assert PushDevice.objects.get(user=world.parent).endpoint == phone.endpoint
    # Next time the page opens, it knows this device is on.
    parent.go("/preferences/")
    expect(turn_off).to_be_visible()
    expect(turn_on).to_be_hidden()

    turn_off.click()
    expect(page.locator("#push-devices [role=status]")).to_have_text(
        "Notifications are off on this device."
    )
    assert not PushDevice.objects.filter(user=world.parent).exists()
    expect(page.get_by_text("No devices yet.")).to_be_visible()
    expect(turn_on).to_be_visible()
    parent.check("push-turned-off")


def test_blocked_notifications_are_explained(world, open_browser, settings):
    from playwright.sync_api import expect

    settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_PUBLIC_KEY = new_vapid_keys()
    parent = open_browser("phone", user=world.parent)
    page = parent.page
    # As when the person once chose Block: the browser answers at once.
    page.add_init_script("Notification.requestPermission = async () => 'denied';")
    parent.go("/preferences/")
    page.get_by_role("button", name="Turn on notifications on this phone or computer").click()
    expect(page.locator("#push-devices [role=status]")).to_contain_text(
        "set Notifications to Allow"
    )
    assert not PushDevice.objects.exists()
    parent.check("push-blocked")


def test_without_push_support_the_page_says_so(world, open_browser, settings):
    from playwright.sync_api import expect

    settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_PUBLIC_KEY = new_vapid_keys()
    parent = open_browser("phone", user=world.parent)
    parent.page.add_init_script("delete window.PushManager;")
    parent.go("/preferences/")
    expect(
        parent.page.get_by_text("This browser cannot show notifications from us.")
    ).to_be_visible()
    expect(parent.page.get_by_role("button", name="Turn on notifications")).to_have_count(0)
    parent.check("push-unsupported")


def test_the_worker_shows_a_push_message(world, open_browser, live_server):
    parent = open_browser("phone", user=world.parent)
    page = parent.page
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    parent.go("/")
    _worker_ready(page)

    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 5
    while not registrations and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    origin = f"{urlparse(live_server.url).scheme}://{urlparse(live_server.url).netloc}"
    registration = next(r for r in registrations if r["scopeURL"].startswith(origin))

    def deliver(message: dict) -> None:
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": origin,
                "registrationId": registration["registrationId"],
                "data": json.dumps(message),
            },
        )

    deliver(
        {
            "title": "Reminder: appointment at the practice",
            "body": "Thursday 10:00, at the clinic",
            "url": "/bookings/",
            "tag": "a1b2c3",
        }
    )
    deliver(
        {
            "title": "A new message",
            "body": "Open the portal to read it",
            "url": "https://elsewhere.example/x",
            "tag": "d4e5",
        }
    )
    shown = _notifications(page, until=lambda shown: len(shown) >= 2)
    by_tag = {n["tag"]: n for n in shown}
    assert by_tag["a1b2c3"]["title"] == "Reminder: appointment at the practice"
    assert by_tag["a1b2c3"]["body"] == "Thursday 10:00, at the clinic"
    assert by_tag["a1b2c3"]["url"] == "/bookings/"
    assert by_tag["a1b2c3"]["icon"].endswith("/static/icons/icon-192.png")
    # An address outside the portal is never opened: the tap goes home.
    assert by_tag["d4e5"]["url"] == "/"

    # The same tag again replaces the first: one notification per message.
    deliver(
        {
            "title": "Reminder: appointment at the practice",
            "body": "Thursday 10:00",
            "url": "/",
            "tag": "a1b2c3",
        }
    )
    shown = _notifications(
        page, until=lambda shown: shown[0]["body"] == "Thursday 10:00", tag="a1b2c3"
    )
    assert len(shown) == 1
