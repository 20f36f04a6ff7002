"""A therapist's side in a real browser: the caseload, a new goal with its
five-level scale and a strategy for it, and the practice the family logged."""

import re

import pytest
from django.core.management import call_command

from accounts.models import User
from families.models import Child
from goals.models import Goal, HomeStrategy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    settings.DEBUG = False


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_therapist_sets_a_goal_and_a_strategy_and_reads_home_practice(demo, open_browser, viewport):
    from playwright.sync_api import expect

    therapist = User.objects.get(email="therapist1@demo.example")
    ollie = Child.objects.get(first_name="Oliver")
    visit = open_browser(viewport, user=therapist)
    page = visit.page

    visit.go("/")
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    row = page.locator("tr", has=page.get_by_role("link", name=ollie.full_name, exact=True))
    expect(row).to_be_visible()
    expect(page.locator(".caseload-table thead")).to_contain_text("Practice since")
    expect(page.locator(".caseload-table thead")).to_contain_text("Next visit")
    assert "Arjun" not in page.content()
    visit.check("caseload")

    # A goal agreed with the family, with its scale from -2 to +2.
    visit.go(f"/children/{ollie.pk}/goals/new/")
    visit.check("goal-form")
    page.locator("#id_title").fill("Ollie brushes his teeth by himself at bedtime")
    page.locator("#id_area").select_option("self_care")
    page.locator("#id_baseline").fill("Needs hand-over-hand help for the whole of brushing.")
    page.locator("#id_level_minus_2").fill("Brushes with hand-over-hand help")
    page.locator("#id_level_minus_1").fill("Brushes the front teeth with a reminder")
    page.locator("#id_level_0").fill("Brushes all his teeth with one reminder")
    page.locator("#id_level_plus_1").fill("Brushes all his teeth with no reminder")
    page.locator("#id_level_plus_2").fill("Brushes morning and night with no reminder")
    page.locator("main form button[type=submit]").last.click()
    goal = Goal.objects.get(child=ollie, title__startswith="Ollie brushes his teeth")
    assert goal.level_0 == "Brushes all his teeth with one reminder"
    expect(page.locator("main")).to_contain_text("Ollie brushes his teeth by himself at bedtime")
    visit.check("goal-saved")

    # A strategy for that goal, at bedtime.
    visit.go(f"/children/{ollie.pk}/strategies/new/")
    visit.check("strategy-form")
    page.locator("#id_title").fill("Two-minute sand timer")
    page.locator("#id_routine").select_option("bedtime")
    page.locator("#id_what_to_do").fill("Turn the sand timer over when the brush goes in.")
    page.get_by_label(goal.title).check()
    page.locator("main form button[type=submit]").last.click()
    strategy = HomeStrategy.objects.get(child=ollie, title="Two-minute sand timer")
    assert list(strategy.goals.all()) == [goal]

    # The family sees it under bedtime; the therapist reads the home practice.
    visit.go(f"/children/{ollie.pk}/home-practice/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("practice", re.I))
    expect(page.locator("main table").first).to_be_visible()
    visit.check("home-practice")
