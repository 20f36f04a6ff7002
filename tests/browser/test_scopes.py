"""On a phone, a parent takes the therapy messages away from the grandparent:
he finds no thread from the menu any more, and the thread's address answers
404. Every page is checked with axe-core and the HTML checker."""

import re

import pytest

from families.models import Caregiver, Scope, SupportingLink
from tests.messaging.factories import ConversationFactory, MessageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_menu(page) -> None:
    page.get_by_role("button", name="Show menu").click()


def test_a_parent_takes_the_messages_away_from_a_grandparent_on_a_phone(world, open_browser):
    from playwright.sync_api import expect

    conversation = ConversationFactory(child=world.child)
    MessageFactory(conversation=conversation, author=world.therapist, body="Try the wobble board")
    thread = f"/children/{world.child.pk}/messages/therapy/"

    grandad = open_browser("phone", user=world.supporting)
    gpage = grandad.page
    grandad.go("/")
    _open_menu(gpage)
    gpage.get_by_role("link", name=re.compile("^Messages 1 unread")).click()
    grandad.check("grandad-messages")
    gpage.get_by_role("link", name=re.compile("Yusuf: therapy")).click()
    expect(gpage.get_by_text("Try the wobble board")).to_be_visible()
    expect(gpage.locator("#readers")).to_contain_text("Aisha Ahmed (parent)")
    grandad.check("grandad-thread")

    parent = open_browser("phone", user=world.parent)
    page = parent.page
    parent.go(f"/families/{world.family.pk}/")
    expect(
        page.get_by_text(re.compile("^Yusuf: goals .* messages with the therapist"))
    ).to_be_visible()
    parent.check("family-circle")
    page.get_by_role("link", name="Change access for Tariq Ahmed").click()
    parent.check("change-access")
    yusuf = page.get_by_role("group", name="Yusuf", exact=True)
    yusuf.get_by_label(re.compile("Messages with the therapist")).uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Tariq Ahmed's access is saved.")).to_be_visible()
    parent.check("family-circle-after")
    link = SupportingLink.objects.get(
        caregiver=Caregiver.objects.get(user=world.supporting), child=world.child
    )
    assert link.scope == [Scope.SESSIONS]

    grandad.go("/messages/")
    expect(gpage.get_by_text("Messages with the therapists are shared")).to_be_visible()
    grandad.check("grandad-no-thread")
    grandad.go(thread, expect_status=404)
