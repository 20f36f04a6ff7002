"""A parent's Today on a phone, keyboard only: what needs them now (an unread
message, the questionnaire before the assessment, a place offered), and a
practice logged from Today that answers in place, without a page load and
without moving the page, then undone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from bookings.models import Service, WaitlistEntry
from goals.models import PracticeLog
from messaging.models import Conversation, Message
from tests.bookings.factories import (
    AppointmentFactory,
    BookingFactory,
    GroupSessionFactory,
    ServiceFactory,
    in_days,
)
from tests.factories import PASSWORD, GoalFactory, HomeStrategyFactory, ProgressRatingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _family_with_things_to_do(world):
    conversation = Conversation.objects.create(child=world.child, topic="therapy")
    Message.objects.create(
        conversation=conversation,
        author=world.therapist,
        from_family=False,
        body="How did the shoes go this morning?",
    )
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
    return goal, strategy


def test_today_by_keyboard_on_a_phone(world, open_browser):
    from playwright.sync_api import expect

    goal, strategy = _family_with_things_to_do(world)
    visit = open_browser("phone")
    page = visit.page

    visit.go("/accounts/login/")
    page.get_by_label("Email").focus()
    page.keyboard.type(world.parent.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    needs = page.locator("section", has=page.get_by_role("heading", name="Needs you now"))
    expect(needs.get_by_role("link", name=re.compile("1 new message about"))).to_be_visible()
    expect(needs.get_by_role("link", name=re.compile("before the assessment"))).to_be_visible()
    expect(needs.get_by_role("link", name=re.compile("A place is free"))).to_be_visible()
    visit.check("today")

    # Log a practice from Today: the card answers in place.
    # Scrolling into view at once (Bootstrap scrolls smoothly otherwise), so
    # that the place read before the tap is where the page rests.
    page.emulate_media(reduced_motion="reduce")
    page.evaluate("() => { window.samePage = true; }")
    button = page.get_by_role("button", name=f"Went well for {strategy.title}")
    button.focus()
    scrolled = page.evaluate("() => window.scrollY")
    assert scrolled > 0  # the card is down the page, so a jump would show
    page.keyboard.press("Enter")
    card = page.locator(f"#strategy-{strategy.pk}")
    expect(card.get_by_text("Logged ✓")).to_be_visible()
    expect(card.get_by_text("Done today by you.")).to_be_visible()
    assert page.evaluate("() => window.samePage") is True  # no page load
    assert page.evaluate("() => window.scrollY") == scrolled  # the page did not move
    assert PracticeLog.objects.filter(strategy=strategy, caregiver=world.parent).count() == 1
    undo = card.get_by_role("button", name=re.compile("Undo"))
    expect(undo).to_be_focused()
    visit.check("today-logged")

    # Undo, by keyboard, while it is offered.
    page.keyboard.press("Enter")
    expect(card.get_by_text("Undone: not logged.")).to_be_visible()
    assert not PracticeLog.objects.filter(strategy=strategy).exists()
    assert page.evaluate("() => window.samePage") is True

    # A goal's progress, in words.
    visit.go(f"/goals/{goal.pk}/")
    expect(page.locator("main")).to_contain_text("Shoes on by himself most mornings")
    visit.check("goal-progress")


def test_the_question_about_emails_is_answered_from_today(world, open_browser):
    """A family that never answered: Today asks, by keyboard on a phone, and
    Not now puts it away; How we contact you says therapy e-mails are off and
    leads to the consents page, where the parent agrees after all."""
    from playwright.sync_api import expect

    from families.models import Consent, ConsentKind
    from families.selectors import consent_given

    Consent.objects.filter(family=world.family).delete()
    visit = open_browser("phone", user=world.parent)
    page = visit.page
    visit.go("/")
    needs = page.locator("section", has=page.get_by_role("heading", name="Needs you now"))
    expect(needs).to_contain_text("therapy (reminders, progress summaries, new messages)?")
    visit.check("today-email-question")
    page.get_by_role("button", name=re.compile("^Not now")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("We will not ask again for 30 days.")).to_be_visible()
    expect(needs).not_to_contain_text("May we e-mail you")

    visit.go("/preferences/")
    expect(page.locator("main")).to_contain_text("E-mails about therapy are off for")
    visit.check("preferences-email-off")
    page.get_by_role("link", name="Change this under What you have agreed to").click()
    agree = page.get_by_role("button", name=re.compile("Being contacted by e-mail"))
    agree.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Thank you: your consent is recorded.")).to_be_visible()
    visit.check("consents-email-agreed")
    assert consent_given(world.family, ConsentKind.EMAIL_CONTACT)
    visit.go("/")
    expect(needs).not_to_contain_text("May we e-mail you")
