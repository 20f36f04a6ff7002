"""A parent on a phone sends a photo with a message; the therapist finds it
in the unanswered inbox, sees the photo and replies; the parent reads the
reply. Both pages are checked with axe-core."""

import re

import pytest

from messaging.models import MediaFile, Message
from tests.messaging.factories import give_media_consent, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_parent_sends_a_photo_from_a_phone_and_the_therapist_replies(world, open_browser, tmp_path):
    from playwright.sync_api import expect

    give_media_consent(world.family)
    photo = tmp_path / "buttons.png"
    photo.write_bytes(png_bytes((64, 48)))
    conversation_path = f"/children/{world.child.pk}/messages/therapy/"

    parent = open_browser("phone", user=world.parent)
    page = parent.page
    parent.go(f"/children/{world.child.pk}/")
    page.get_by_role("link", name=re.compile("^Therapy")).click()
    expect(page.get_by_role("heading", name=re.compile("Messages about"))).to_be_visible()
    parent.check("parent-empty-conversation")
    page.get_by_label("Your message").fill("He did up three buttons by himself!")
    page.get_by_label(re.compile("Add a photo or short video")).set_input_files(str(photo))
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("He did up three buttons by himself!")).to_be_visible()
    photo_on_page = page.get_by_role("img", name="Photo shared by you")
    expect(photo_on_page).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", photo_on_page.element_handle()) == 64
    parent.check("parent-sent-photo")
    media = MediaFile.objects.get()
    assert media.message.author == world.parent

    therapist = open_browser("desktop", user=world.therapist)
    tpage = therapist.page
    therapist.go("/messages/unanswered/")
    therapist.check("therapist-inbox")
    tpage.get_by_role("link", name=world.child.full_name).click()
    expect(tpage.get_by_text("He did up three buttons by himself!")).to_be_visible()
    expect(
        tpage.get_by_role("img", name=f"Photo shared by {world.parent.full_name}")
    ).to_be_visible()
    tpage.get_by_label("Your message").fill("Wonderful! Try the coat buttons next.")
    tpage.get_by_role("button", name="Send").click()
    expect(tpage.get_by_text("Wonderful! Try the coat buttons next.")).to_be_visible()
    therapist.check("therapist-replied")
    therapist.go("/messages/unanswered/")
    expect(tpage.get_by_text("No family is waiting for a reply.")).to_be_visible()

    parent.go(conversation_path)
    expect(page.get_by_text("Wonderful! Try the coat buttons next.")).to_be_visible()
    parent.check("parent-reads-reply")
    assert list(Message.objects.values_list("author", flat=True)) == [
        world.parent.pk,
        world.therapist.pk,
    ]
