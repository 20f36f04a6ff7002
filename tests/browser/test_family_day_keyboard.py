"""The family's day, on a phone (375 px), with the keyboard only.

A parent logs in; Today shows an unread message, the questionnaire before an
assessment and a place offered. She logs a practice from Today ("Logged ✓",
without a page load and without the page moving) and undoes it, looks at a
goal's progress, reads and answers the therapist's message from the menu,
takes the therapy messages away from the grandparent (who then finds no
thread, and whose address for it answers 404), and books a video
consultation about her son from the day strip in fewer than 6 taps once the
service is chosen.

Only Tab, Shift+Tab, Enter, Space and typing: no clicks, and no address
typed in except the log-in page and the thread asked for directly. Every page
visited is checked with axe-core and the Nu HTML Checker; the screenshots of
Today, the goal's progress and the day strip are kept as today-375.png,
goal-progress-375.png and booking-day-strip-375.png."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from bookings.models import Booking, Service, WaitlistEntry
from families.models import Caregiver, Scope, SupportingLink
from goals.models import PracticeLog
from messaging.models import Message
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    BookingFactory,
    GroupSessionFactory,
    ServiceFactory,
    in_days,
)
from tests.browser.keyboard import Taps, follow, tab_to
from tests.factories import PASSWORD, GoalFactory, HomeStrategyFactory, ProgressRatingFactory
from tests.messaging.factories import ConversationFactory, MessageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THERAPIST_ASKS = "How did the shoes go this morning?"
PARENT_ANSWERS = "Much better: he did the buckles himself twice."


def _the_familys_day(world):
    """What needs the parent on a Wednesday morning, and what she can book."""
    conversation = ConversationFactory(child=world.child)
    MessageFactory(conversation=conversation, author=world.therapist, body=THERAPIST_ASKS)
    # Maryam's assessment is next week, and her questionnaire is not sent yet.
    assessment = ServiceFactory(kind=Service.Kind.ASSESSMENT, parent_only=False)
    BookingFactory(
        family=world.family,
        appointment=AppointmentFactory(
            service=assessment, therapist=world.therapist, starts_at=in_days(6)
        ),
        children=[world.sibling],
    )
    WaitlistEntry.objects.create(
        group_session=GroupSessionFactory(therapist=world.therapist, topic="Calmer mornings"),
        family=world.family,
        position=1,
        status=WaitlistEntry.Status.OFFERED,
        offered_at=timezone.now(),
        offer_expires_at=timezone.now() + timedelta(hours=20),
    )
    goal = GoalFactory(
        child=world.child,
        title="Puts on his shoes by himself",
        level_minus_1="Shoes on with help for the buckle",
        level_0="Shoes on by himself most mornings",
    )
    ProgressRatingFactory(goal=goal, level=-1, rated_on=timezone.localdate() - timedelta(days=9))
    ProgressRatingFactory(goal=goal, level=0, rated_on=timezone.localdate() - timedelta(days=2))
    for title in ("Shoe stair", "Sock game", "Velcro race"):
        strategy = HomeStrategyFactory(child=world.child, goals=[goal], title=title)
    # The parents-only consultation by video, and a service beside it.
    ServiceFactory(name="1:1 therapy session", kind=Service.Kind.THERAPY, parent_only=False)
    ServiceFactory(
        name="Video consultation for parents",
        duration_minutes=45,
        location=Service.Location.VIDEO,
        parent_only=True,
        slot_grid_minutes=30,
    )
    for weekday in range(5):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday, ends_at=time(12))
    return goal, strategy


def _log_in(visit, user) -> None:
    page = visit.page
    visit.go("/accounts/login/")
    visit.check(f"login-{user.email.partition('@')[0]}")
    tab_to(page, "textbox", "Email")
    page.keyboard.type(user.email)
    tab_to(page, "textbox", "Password")
    page.keyboard.type(PASSWORD)
    follow(page)  # Enter in the form logs in


def _open_menu(page, item: str | re.Pattern) -> None:
    """From wherever focus is on a page just loaded: the menu button at the
    top, then the menu's link."""
    from playwright.sync_api import expect

    menu = page.get_by_role("button", name="Show menu")
    tab_to(page, "button", "Show menu")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    tab_to(page, "link", item, within=page.locator("#main-nav"))
    follow(page)


@pytest.mark.now("2026-12-09 10:00")
def test_the_familys_day_on_a_phone_with_the_keyboard_only(world, open_browser, settings):
    from playwright.sync_api import expect

    settings.JITSI_BASE_URL = "https://meet.practice.example"
    goal, strategy = _the_familys_day(world)
    parent = open_browser("phone")
    page = parent.page
    # Scrolling into view at once (Bootstrap scrolls smoothly otherwise), so
    # that the place read before a tap is where the page rests.
    page.emulate_media(reduced_motion="reduce")
    loads = []
    page.on("load", lambda _: loads.append(page.url))

    # Log in: Today shows what needs her now.
    _log_in(parent, world.parent)
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    needs = page.locator("section", has=page.get_by_role("heading", name="Needs you now"))
    expect(needs.get_by_role("link", name="1 new message about Yusuf")).to_be_visible()
    expect(
        needs.get_by_role("link", name="Tell us about Maryam before the assessment")
    ).to_be_visible()
    expect(
        needs.get_by_role("link", name=re.compile("^A place is free: .*Calmer mornings"))
    ).to_be_visible()
    parent.check("today", screenshot="today-375")

    # A practice logged from Today answers in place: no page load, no jump.
    tab_to(page, "button", f"Went well for {strategy.title}")
    page.evaluate("() => { window.samePage = true; }")
    loads_before = len(loads)
    scrolled = page.evaluate("() => window.scrollY")
    assert scrolled > 0  # the card is down the page, so a jump would show
    page.keyboard.press("Enter")
    card = page.locator(f"#strategy-{strategy.pk}")
    expect(card.get_by_text("Logged ✓")).to_be_visible()
    expect(card.get_by_text("Done today by you.")).to_be_visible()
    assert page.evaluate("() => window.samePage") is True
    assert len(loads) == loads_before
    assert abs(page.evaluate("() => window.scrollY") - scrolled) <= 4
    assert PracticeLog.objects.filter(strategy=strategy, caregiver=world.parent).count() == 1
    # Focus is on Undo, so one key takes it back.
    undo = card.get_by_role("button", name=f"Undo this practice of {strategy.title}")
    expect(undo).to_be_focused()
    parent.check("today-logged")
    page.keyboard.press("Enter")
    expect(card.get_by_text("Undone: not logged.")).to_be_visible()
    assert not PracticeLog.objects.filter(strategy=strategy).exists()
    assert page.evaluate("() => window.samePage") is True
    assert len(loads) == loads_before
    # Her place is kept: on the card's status, from where Tab goes on.
    expect(card.get_by_role("status")).to_be_focused()

    # A goal's progress, from Today's Progress section.
    tab_to(page, "link", goal.title)
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(goal.title)
    expect(page.locator("main")).to_contain_text("Shoes on by himself most mornings")
    parent.check("goal-progress", screenshot="goal-progress-375")

    # The therapist's message, read and answered from the menu.
    _open_menu(page, "Messages 1 unread")
    parent.check("messages")
    tab_to(page, "link", "Yusuf: therapy")
    follow(page)
    expect(page.get_by_role("heading", name="Messages about Yusuf")).to_be_visible()
    expect(page.get_by_text(THERAPIST_ASKS)).to_be_visible()
    parent.check("thread")
    tab_to(page, "textbox", "Your message")
    page.keyboard.type(PARENT_ANSWERS)
    tab_to(page, "button", "Send")
    follow(page)
    expect(page.get_by_role("status").filter(has_text="Message sent.")).to_be_visible()
    expect(page.get_by_role("list", name="Messages")).to_contain_text(PARENT_ANSWERS)
    parent.check("thread-answered")
    assert Message.objects.filter(author=world.parent, body=PARENT_ANSWERS).exists()

    # Her family's circle: the grandparent no longer reads the therapy messages.
    _open_menu(page, "My family")
    expect(
        page.get_by_text(re.compile("^Yusuf: goals .* messages with the therapist"))
    ).to_be_visible()
    parent.check("family-circle")
    tab_to(page, "link", "Change access for Tariq Ahmed")
    follow(page)
    parent.check("change-access")
    yusuf = page.get_by_role("group", name="Yusuf", exact=True)
    messages_box = yusuf.get_by_role("checkbox", name=re.compile("Messages with the therapist"))
    expect(messages_box).to_be_checked()
    tab_to(page, "checkbox", re.compile("Messages with the therapist"), within=yusuf)
    page.keyboard.press("Space")
    expect(messages_box).not_to_be_checked()
    tab_to(page, "button", "Save")
    follow(page)
    expect(page.get_by_text("Tariq Ahmed's access is saved.")).to_be_visible()
    parent.check("family-circle-saved")
    link = SupportingLink.objects.get(
        caregiver=Caregiver.objects.get(user=world.supporting), child=world.child
    )
    assert Scope.MESSAGES not in link.scope

    # The grandparent, on his own phone: no therapy thread, and its address 404.
    grandad = open_browser("phone")
    gpage = grandad.page
    _log_in(grandad, world.supporting)
    expect(gpage.get_by_role("heading", name="Today", level=1)).to_be_visible()
    grandad.check("grandad-today")
    _open_menu(gpage, re.compile("^Messages"))
    expect(gpage.get_by_role("heading", name="Messages", level=1)).to_be_visible()
    expect(gpage.get_by_role("link", name=re.compile("therapy"))).to_have_count(0)
    expect(gpage.get_by_text("Messages with the therapists are shared")).to_be_visible()
    grandad.check("grandad-messages")
    grandad.go(f"/children/{world.child.pk}/messages/therapy/", expect_status=404)
    assert PARENT_ANSWERS not in gpage.content()
    grandad.check("grandad-thread-not-found")

    # Back to the parent: a video consultation about Yusuf from the day strip.
    _open_menu(page, "Bookings")
    parent.check("bookings")
    tab_to(page, "link", "Book", exact=True)
    follow(page)
    parent.check("book")
    tab_to(page, "link", "Video consultation for parents")
    follow(page)  # the service is chosen: from here on, every tap counts

    taps = Taps(page)
    strip = page.get_by_role("navigation", name="Choose a day")
    expect(strip).to_be_visible()
    days = strip.get_by_role("link")
    assert days.count() >= 10
    parent.check("booking-day-strip", screenshot="booking-day-strip-375")
    # Thursday is the first day with free times (24 hours' notice); Friday's
    # first time, at nine.
    tab_to(page, "link", re.compile(r"\b11 Dec\b"), within=strip)
    taps.press(navigates=True)
    expect(strip.get_by_role("link", name=re.compile(r"\b11 Dec\b"))).to_have_attribute(
        "aria-current", "date"
    )
    times = page.get_by_role("list", name=re.compile("^Times on Friday 11 December"))
    # The page opens at the day's times, the strip still in sight, and the
    # next Tab is the first time (not the rest of the strip's days).
    expect(strip).to_be_in_viewport()
    parent.check("booking-times")
    assert tab_to(page, "link", "09:00", within=times) == 1
    taps.press(navigates=True)

    expect(page.get_by_role("heading", name="Confirm your booking")).to_be_visible()
    parent.check("booking-confirm")
    tab_to(page, "checkbox", "Yusuf")
    taps.press("Space")
    expect(page.get_by_role("checkbox", name="Yusuf")).to_be_checked()
    tab_to(page, "button", "Confirm booking")
    taps.press(navigates=True)

    expect(page.get_by_text("You're booked.").first).to_be_visible()
    booked = page.locator("main dl")
    expect(booked).to_contain_text("By video call")
    expect(booked).to_contain_text("Yusuf")
    expect(page.get_by_role("heading", name="Video call")).to_be_visible()
    parent.check("booked")
    assert taps.count < 6, f"{taps.count} taps after choosing the service"

    booking = Booking.objects.get(
        family=world.family, appointment__service__name="Video consultation for parents"
    )
    assert booking.appointment.by_video
    assert list(booking.children.all()) == [world.child]
