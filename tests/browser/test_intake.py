"""A parent fills in the intake questionnaire on a phone, reloads half-way
(autosaved), carries on, and the therapist's new assessment starts from it."""

import re

import pytest

from intake.models import IntakeQuestionnaire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_intake_survives_a_reload_and_prefills_the_assessment(world, open_browser):
    from playwright.sync_api import expect

    parent = open_browser("phone", user=world.parent)
    page = parent.page
    parent.go(f"/children/{world.child.pk}/")
    page.get_by_role("link", name=re.compile("Tell us about")).click()
    parent.check("intake-overview")
    page.get_by_role("link", name="Early years").click()
    page.get_by_label("Pregnancy, birth and early years").fill("Walked at 18 months.")
    page.get_by_role("button", name="Save and continue").click()

    # Half-way through the next section: typed, autosaved, then the page reloads.
    expect(page.get_by_role("heading", name="Worries and hopes")).to_be_visible()
    # Type only once the autosave script is listening (it loads deferred).
    page.wait_for_load_state("load")
    page.get_by_label("What worries you").fill("Getting dressed takes an hour.")
    # The script's answer ("Saved 10:42:05"), not the page's "Saved 6 Dec, 10:41".
    expect(page.get_by_role("status")).to_have_text(
        re.compile(r"^Saved \d\d:\d\d:\d\d$"), timeout=15_000
    )
    parent.check("intake-autosaved")
    page.reload()
    expect(page.get_by_label("What worries you")).to_have_value("Getting dressed takes an hour.")
    page.get_by_label("What you hope for").fill("Dressed by himself for school.")
    page.get_by_role("button", name="Save and finish later").click()
    expect(page.get_by_text("You can carry on whenever suits you")).to_be_visible()
    questionnaire = IntakeQuestionnaire.objects.get(child=world.child)
    assert questionnaire.hopes == "Dressed by himself for school."

    therapist = open_browser("desktop", user=world.therapist)
    therapist.go(f"/children/{world.child.pk}/assessments/new/")
    tpage = therapist.page
    expect(tpage.get_by_text("Prefilled from the family's")).to_be_visible()
    expect(tpage.get_by_label("Developmental history")).to_have_value("Walked at 18 months.")
    concerns = tpage.get_by_label("Concerns of the parents or carers").input_value()
    assert "Getting dressed takes an hour." in concerns
    assert "Dressed by himself for school." in concerns
    therapist.check("assessment-prefilled")
