"""A therapist writes a note in a real browser: autosave ("Saved 10:42" in a
bar that stays in sight), signing after a confirmation of what it freezes,
and an addendum; the timeline rolls the week's practice up; then the parent
reads the family summary and never the SOAP text."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from families.models import Caregiver
from sessions_app.models import SessionNote
from tests import factories
from tests.sessions_app.factories import SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECTIVE = "Mum says the school run is calmer since the picture list."
OBJECTIVE = "Obstacle course with a four-step sequence; completed three times unaided."
ASSESSMENT = "Motor planning improving; sequencing still needs a visual prompt."
PLAN = "Fade the picture list to two pictures; review in two weeks."
SUMMARY = "Yusuf managed the whole obstacle course by himself three times today!"


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_therapist_writes_autosaves_signs_and_amends_a_note(world, open_browser, viewport):
    from playwright.sync_api import expect

    session = SessionFactory(
        child=world.child,
        therapist=world.therapist,
        starts_at=timezone.now() - timedelta(hours=2),
        caregivers=[Caregiver.objects.get(user=world.parent)],
    )
    goal = factories.GoalFactory(child=world.child, title="Yusuf climbs the stairs alone")
    stairs = factories.HomeStrategyFactory(child=world.child, title="Stair game", goals=[goal])
    # Practice this week, logged at home: rolled up on the timeline.
    for outcome in ("well", "hard", "well"):
        factories.PracticeLogFactory(
            strategy=stairs, outcome=outcome, practised_on=timezone.localdate()
        )
    therapist = open_browser(viewport, user=world.therapist)
    page = therapist.page
    therapist.go("/")
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    if viewport == "desktop":
        # The menu fits one line at 1,280 px: every item at the same height.
        tops = page.locator("#main-nav .nav-link").evaluate_all(
            "links => links.map(link => Math.round(link.getBoundingClientRect().top))"
        )
        assert len(set(tops)) == 1, tops
        expect(page.get_by_role("link", name=re.compile("^Notes to sign 1"))).to_be_visible()
    therapist.check("caseload")
    # A name opens the child's page; the clinical timeline is one click on.
    page.get_by_role("link", name=world.child.full_name, exact=True).click()
    page.get_by_role("link", name="Clinical timeline").click()
    expect(page.get_by_role("heading", name=re.compile("clinical timeline"))).to_be_visible()
    expect(page.get_by_text("Stair game: 3 times, 2 went well, 1 hard")).to_be_visible()
    therapist.check("timeline")
    # From the timeline, one click opens the note of the session.
    page.get_by_role("link", name=re.compile("Write the note")).click()
    expect(page.get_by_role("heading", name="Session note")).to_be_visible()
    therapist.check("note-empty")

    page.get_by_label("Subjective").fill(SUBJECTIVE)
    page.get_by_label("Objective").fill(OBJECTIVE)
    status = page.locator("#autosave-status")
    expect(status).to_have_text(re.compile(r"^Saved \d\d:\d\d$"), timeout=15_000)
    note = SessionNote.objects.get(session=session)
    assert note.subjective == SUBJECTIVE and note.objective == OBJECTIVE
    assert not note.is_signed

    page.get_by_label("Assessment", exact=True).fill(ASSESSMENT)
    page.get_by_label("Plan", exact=True).fill(PLAN)
    page.get_by_label("Summary for the family").fill(SUMMARY)
    page.get_by_label(re.compile("Level today for")).select_option("1")
    page.get_by_label("“Stair game”").select_option("retired")
    expect(status).to_have_text(re.compile(r"^Saved \d\d:\d\d$"), timeout=15_000)
    # The bar with the save state and the buttons stays in sight at the foot
    # of the window while the note is scrolled.
    page.get_by_label("Subjective").scroll_into_view_if_needed()
    expect(status).to_be_in_viewport()
    expect(page.get_by_role("button", name="Sign…")).to_be_in_viewport()
    therapist.check("note-draft")
    page.get_by_role("button", name="Sign…").click()
    # Signing asks first, showing what it will freeze.
    expect(page.get_by_role("heading", name="Sign this note?")).to_be_visible()
    expect(page.get_by_text("Yusuf climbs the stairs alone: +1")).to_be_visible()
    expect(page.get_by_text(PLAN)).to_be_visible()
    assert not SessionNote.objects.get(session=session).is_signed
    therapist.check("note-confirm")
    page.get_by_role("button", name="Sign and freeze the note").click()
    expect(page.get_by_text("The note is signed.")).to_be_visible()
    expect(page.get_by_text(re.compile(f"Signed by {world.therapist.full_name}"))).to_be_visible()
    note.refresh_from_db()
    assert note.is_signed and note.signed_by == world.therapist and note.plan == PLAN
    assert goal.ratings.get().level == 1
    assert not world.child.strategies.get().is_active
    therapist.check("note-signed")

    page.get_by_label("Reason").fill("Correction")
    page.get_by_label("What to add").fill("It was four times, not three.")
    page.get_by_role("button", name="Add the addendum").click()
    expect(page.get_by_text("It was four times, not three.")).to_be_visible()
    assert note.addenda.get().author == world.therapist
    therapist.check("note-addendum")

    parent = open_browser(viewport, user=world.parent)
    parent.go(f"/children/{world.child.pk}/")
    parent.page.get_by_role("link", name=re.compile("sessions")).click()
    expect(parent.page.get_by_text(SUMMARY)).to_be_visible()
    html = parent.page.content()
    for clinical in (SUBJECTIVE, OBJECTIVE, ASSESSMENT, PLAN, "It was four times, not three."):
        assert clinical not in html
    parent.check("family-sessions")


def test_autosave_retries_after_a_dropped_connection_without_losing_text(world, open_browser):
    from playwright.sync_api import expect

    session = SessionFactory(
        child=world.child, therapist=world.therapist, starts_at=timezone.now() - timedelta(hours=1)
    )
    therapist = open_browser("desktop", user=world.therapist)
    page = therapist.page
    therapist.go(f"/sessions/{session.pk}/note/")
    failures = {"left": 1}

    def flaky(route):
        if failures["left"]:
            failures["left"] -= 1
            route.abort()
        else:
            route.continue_()

    page.route("**/note/autosave/", flaky)
    page.get_by_label("Subjective").fill("Typed while the connection dropped")
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("Not saved yet", timeout=15_000)
    expect(page.get_by_label("Subjective")).to_have_value("Typed while the connection dropped")
    expect(status).to_have_text(re.compile(r"^Saved \d\d:\d\d$"), timeout=20_000)
    assert (
        SessionNote.objects.get(session=session).subjective == "Typed while the connection dropped"
    )
    # The aborted request is the point of this test, not a fault of the page.
    therapist.console_errors.clear()
