"""On a phone, a parent takes the therapy messages away from the grandparent:
he finds no thread from the menu any more, and the thread's address answers
404; and lets the other grandparent book for a child, who books and cancels.
Every page is checked with axe-core and the HTML checker."""

import re
from datetime import time

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


def test_a_parent_lets_nani_book_for_yusuf_and_she_books_and_cancels_on_a_phone(
    world, open_browser
):
    from playwright.sync_api import expect

    from bookings.models import Booking
    from tests.bookings.factories import AvailabilityFactory, ServiceFactory

    ServiceFactory(name="Parent coaching consultation", duration_minutes=45)
    for weekday in range(7):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday, ends_at=time(12))

    parent = open_browser("phone", user=world.parent)
    page = parent.page
    parent.go(f"/families/{world.family.pk}/")
    page.get_by_role("link", name="Change access for Zainab Ahmed").click()
    expect(page.get_by_text(re.compile("They can book appointments and places"))).to_be_visible()
    yusuf = page.get_by_role("group", name="Yusuf", exact=True)
    # Ticking booking alone: seeing the bookings comes with it.
    yusuf.get_by_label("Booking and cancelling appointments").check()
    parent.check("change-access-booking")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Zainab Ahmed's access is saved.")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"^Yusuf: goals .* \(booking and cancelling too\)$"))
    ).to_be_visible()
    parent.check("family-circle-booking")
    link = SupportingLink.objects.get(
        caregiver=Caregiver.objects.get(user=world.supporting_goals_only), child=world.child
    )
    assert link.scope == [Scope.BOOKINGS, Scope.MAKES_BOOKINGS]

    nani = open_browser("phone", user=world.supporting_goals_only)
    npage = nani.page
    nani.go("/bookings/")
    npage.get_by_role("link", name="Book", exact=True).click()
    npage.get_by_role("link", name="Parent coaching consultation").click()
    nani.check("nani-day-strip")
    npage.locator(".slot-list a").first.click()
    expect(npage.get_by_role("heading", name="Confirm your booking")).to_be_visible()
    # Yusuf is the only child she books for: chosen already; Maryam is not offered.
    expect(npage.get_by_role("checkbox", name="Yusuf")).to_be_checked()
    expect(npage.get_by_role("checkbox", name="Maryam")).to_have_count(0)
    nani.check("nani-confirm")
    npage.get_by_role("button", name="Confirm booking").click()
    expect(npage.get_by_text("You're booked.").first).to_be_visible()
    booking = Booking.objects.get(family=world.family)
    assert booking.booked_by == world.supporting_goals_only

    npage.get_by_role("button", name="Cancel this booking").click()
    expect(npage.get_by_text("The booking is cancelled.")).to_be_visible()
    nani.check("nani-cancelled")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
