"""How we contact you, on a phone and a desktop, with texts and push set up:
a parent gives a mobile number (a landline is refused beside the field),
chooses text reminders for the family and stops a device. Checked with
axe-core and the Nu HTML Checker."""

import pytest

from families.models import Caregiver
from notifications.management.commands.vapid_keys import new_vapid_keys
from notifications.models import MobileNumber, PushDevice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_parent_chooses_text_reminders_and_stops_a_device(world, open_browser, viewport, settings):
    from playwright.sync_api import expect

    settings.TEXT_PROVIDER = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "1" * 32, "token"
    settings.TWILIO_FROM = "+447700900999"
    settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_PUBLIC_KEY = new_vapid_keys()
    PushDevice.objects.create(
        user=world.parent,
        endpoint="https://fcm.googleapis.com/fcm/send/abc",
        p256dh="x",
        auth="y",
        label="Chrome on Android",
    )
    parent = open_browser(viewport, user=world.parent)
    if viewport == "desktop":
        parent.go("/")
        parent.page.get_by_role("link", name="How we contact you").first.click()
    else:
        parent.go("/preferences/")
    expect(parent.page.get_by_role("heading", name="How we contact you", level=1)).to_be_visible()
    parent.check("contact-choices")

    parent.page.get_by_label("Mobile number").fill("020 7946 0000")
    parent.page.get_by_role("button", name="Save mobile number").click()
    expect(parent.page.get_by_text("This looks like a landline")).to_be_visible()
    parent.check("contact-choices-landline")
    parent.page.get_by_label("Mobile number").fill("07911 123456")
    parent.page.get_by_role("button", name="Save mobile number").click()
    expect(parent.page.get_by_text("Your mobile number is saved.")).to_be_visible()
    assert str(MobileNumber.objects.get(user=world.parent).number) == "+447911123456"

    parent.page.get_by_label("Text me appointment reminders").check()
    parent.page.get_by_role("button", name=f"Save choices for {world.family.name}").click()
    expect(
        parent.page.get_by_text(f"How we contact you about {world.family.name} is saved.")
    ).to_be_visible()
    assert Caregiver.objects.get(user=world.parent, family=world.family).reminders_by_text

    parent.page.get_by_role("button", name="Stop notifications to Chrome on Android").click()
    expect(parent.page.get_by_text("No devices yet.")).to_be_visible()
    # Nothing wider than a phone's screen.
    assert parent.page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    parent.check("contact-choices-saved")
