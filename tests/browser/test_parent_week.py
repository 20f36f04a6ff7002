"""A parent's week in the demo practice, keyboard only, on a phone and on a
desktop: this week's strategies by routine, a practice logged in one tap, a
win with a photo (on its own page and in place), the summaries of sessions, a goal's progress chart, a consultation and a group place booked, and the
consultation cancelled."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from PIL import Image

from accounts.models import User
from bookings.models import Booking
from families.models import Child
from goals.models import PracticeLog, Win
from sessions_app.models import SessionNote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def press(locator) -> None:
    """Operate a link or button from the keyboard, as a keyboard user would."""
    locator.focus()
    locator.page.keyboard.press("Enter")


def _photo(name: str) -> dict:
    """A small JPEG as a phone's camera would hand it over."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (240, 170, 30)).save(out, format="JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}


def _expect_photo_shown(page, win) -> None:
    """The win's card shows its photo, and the browser could load it."""
    from playwright.sync_api import expect

    photo = page.locator(f'img[src="/shared-media/{win.photos.get().id}/"]')
    expect(photo).to_be_visible()
    photo.scroll_into_view_if_needed()  # it loads lazily
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    assert photo.get_attribute("alt") == "Photo shared with this win"


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    settings.DEBUG = False


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_parent_week_by_keyboard(demo, open_browser, viewport):
    from playwright.sync_api import expect

    parent_user = User.objects.get(email="parent1@demo.example")
    ollie = Child.objects.get(first_name="Oliver")
    visit = open_browser(viewport)
    page = visit.page

    visit.go("/accounts/login/")
    page.get_by_label("Email").focus()
    page.keyboard.type(parent_user.email)
    page.keyboard.press("Tab")
    page.keyboard.type("portal-demo-2026")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Today", level=1)).to_be_visible()
    assert "Zara" not in page.content()

    # This week at home, grouped by routine; one tap logs a practice.
    card = page.locator("article", has=page.get_by_role("link", name="Ollie", exact=True))
    press(card.get_by_role("link", name=re.compile("This week at home")))
    expect(page.get_by_role("heading", name="This week at home", level=1)).to_be_visible()
    routine_headings = page.locator("main h2").all_inner_texts()
    assert len(routine_headings) >= 2
    visit.check("routines")
    logs_before = PracticeLog.objects.filter(strategy__child=ollie).count()
    went_well = page.get_by_role("button", name=re.compile("Went well")).first
    card = went_well.evaluate("button => button.closest('.practice-area').id")
    press(went_well)
    # The card answers in place, offering to undo the practice just logged.
    expect(page.locator(f"#{card} [data-undo-offer]")).to_be_attached()
    expect(page.locator(f"#{card}").get_by_role("status")).to_contain_text("Logged ✓")
    assert PracticeLog.objects.filter(strategy__child=ollie).count() == logs_before + 1
    visit.check("practice-logged")

    # A small win, with a photo (the family agreed to photos): on its own
    # page, as without script, then in place on the goals page.
    visit.go(f"/children/{ollie.pk}/")
    press(page.get_by_role("link", name="Share a win"))
    visit.check("win-form")
    page.locator("main textarea").first.focus()
    page.keyboard.type("Ollie zipped up his coat by himself!")
    page.get_by_label("A photo (optional)").set_input_files(_photo("coat.jpg"))
    press(page.locator("main form").get_by_role("button").last)
    expect(page.get_by_text("Ollie zipped up his coat by himself!").first).to_be_visible()
    win = Win.objects.get(child=ollie, text__contains="zipped up his coat")
    assert win.photos.count() == 1
    _expect_photo_shown(page, win)
    visit.check("win-with-photo")

    wins = page.locator(f"#wins-{ollie.pk}")
    wins.get_by_label("What happened?").fill("Ollie tied one shoe!")
    wins.get_by_label("A photo (optional)").set_input_files(_photo("shoe.jpg"))
    press(wins.get_by_role("button", name="Share the win"))
    expect(page.locator(f"#wins-{ollie.pk}").get_by_role("status")).to_contain_text("Shared ✓")
    in_place = Win.objects.get(child=ollie, text="Ollie tied one shoe!")
    assert in_place.photos.count() == 1
    _expect_photo_shown(page, in_place)
    visit.check("win-in-place-with-photo")

    # What happened in sessions: the family summary, never the clinical notes.
    note = SessionNote.objects.filter(session__child=ollie, status="signed").latest("signed_at")
    visit.go(f"/children/{ollie.pk}/sessions/")
    expect(page.get_by_role("heading", name="Ollie's sessions")).to_be_visible()
    expect(page.locator("main")).to_contain_text(note.family_summary.split("\n")[0][:40])
    html = page.content()
    for clinical in (note.objective, note.assessment, note.plan):
        assert not clinical.strip() or clinical.strip()[:40] not in html
    visit.check("session-summaries")

    # A goal and its progress chart, with a text alternative.
    visit.go(f"/children/{ollie.pk}/goals/")
    visit.check("goals")
    press(page.get_by_role("link", name=re.compile("See all progress on")).first)
    chart = page.locator("main svg[role='img']").first
    expect(chart).to_be_visible()
    assert "Progress on" in chart.locator(":scope > title").text_content()
    expect(page.locator("main table").first).to_be_visible()
    visit.check("goal-detail")

    # Book a consultation.
    visit.go("/book/")
    visit.check("book")
    press(page.get_by_role("link", name="Parent coaching consultation"))
    visit.check("book-slots")
    # The strip's first day is shown; its first time, on the hour or half hour.
    press(page.locator(".slot-list a").first)
    visit.check("book-confirm")
    # A consultation is about some of the children: Ollie, ticked by keyboard.
    about = page.get_by_role("checkbox", name=re.compile("Ollie"))
    about.focus()
    page.keyboard.press("Space")
    press(page.get_by_role("button", name="Confirm booking"))
    expect(page.get_by_text("You're booked.").first).to_be_visible()
    consultation = Booking.objects.filter(
        family=ollie.family, appointment__service__name="Parent coaching consultation"
    ).latest("pk")
    assert consultation.status == "confirmed"
    # The confirmation says "Appointment at <the practice>" (the family has not
    # chosen the detailed wording): no service, no child's name in the inbox.
    confirmations = [m for m in mail.outbox if m.subject.startswith("Booked: ")]
    assert confirmations
    assert all("Appointment at" in m.body for m in confirmations)
    assert not any(
        "Parent coaching consultation" in m.subject + m.body or ollie.first_name in m.body
        for m in confirmations
    )
    visit.check("booked")

    # A place in a group that has room.
    visit.go("/book/")
    press(page.get_by_role("link", name="Parent group coaching"))
    visit.check("groups")
    press(page.get_by_role("link", name=re.compile("Book a place")).first)
    press(page.get_by_role("button", name="Confirm booking"))
    expect(page.get_by_text("You're booked.").first).to_be_visible()
    assert Booking.objects.filter(
        family=ollie.family, group_session__isnull=False, status="confirmed"
    ).exists()

    # And cancel the consultation.
    visit.go(f"/bookings/{consultation.pk}/")
    press(page.get_by_role("button", name="Cancel this booking"))
    expect(page.get_by_text("The booking is cancelled.").first).to_be_visible()
    consultation.refresh_from_db()
    assert consultation.status == "cancelled"
    visit.check("cancelled")
