"""Today's question about e-mail, on a phone with the keyboard: a family that
never answered is asked, "Not now" puts the question away, and the parent
agrees on the consents page after all. (The rest of Today's keyboard journey
is the family's day: tests/browser/test_family_day_keyboard.py.)"""

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
