"""The diary as a time grid in a real browser: the grid from 768 px wide and
the list below it, the toggle between them, today's line, free time that
starts a booking with that therapist and time, by keyboard, and axe on each."""

import re
from urllib.parse import unquote

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    settings.DEBUG = False


def test_the_practice_day_as_a_grid_at_1280px(demo, open_browser):
    from playwright.sync_api import expect

    admin = open_browser("desktop", user=User.objects.get(email="admin@demo.example"))
    page = admin.page
    therapist = User.objects.get(email="therapist2@demo.example")

    admin.go("/diary/?view=day")
    expect(page.get_by_role("heading", name="Diary", level=1)).to_be_visible()
    # Drawn to scale: the hours down the side, and today's line.
    expect(page.locator(".dg-gutter").first).to_be_visible()
    expect(page.locator(".dg-now").first).to_be_visible()
    assessment = page.get_by_role("link", name=re.compile(r"^14:00 GMT.*Initial assessment"))
    expect(assessment).to_be_visible()
    # An hour is drawn twice as tall as half an hour: the blocks are to scale.
    hour = page.locator(".dg-gutter li").first.bounding_box()["height"]
    box = page.locator("li", has=assessment).bounding_box()
    assert box["height"] == pytest.approx(hour * 1.5, abs=3)  # a 90-minute assessment
    admin.check("diary-day-grid")

    # The whole practice's week, the page the benchmark measures.
    admin.go("/diary/")
    expect(page.get_by_role("heading", name=re.compile("^Monday")).first).to_be_visible()
    admin.check("diary-week-grid")

    # Free time, by keyboard: it starts a booking with that therapist then.
    admin.go("/diary/?view=day")
    free = page.get_by_role("link", name=re.compile(rf"^15:45 GMT.*Free to book with {therapist}"))
    free.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    assert f"therapist={therapist.pk}" in page.url
    expect(page.get_by_label("Therapist")).to_have_value(str(therapist.pk))
    expect(page.get_by_label("Date")).to_have_value(timezone.localdate().isoformat())
    admin.check("booking-from-free-time")

    # By pointer: from the five minutes clicked, here an hour into the free time.
    admin.go("/diary/?view=day")
    free = page.get_by_role("link", name=re.compile(r"^09:00 GMT.*Free to book with"))
    box = free.bounding_box()
    page.mouse.click(box["x"] + 20, box["y"] + hour + 2)
    expect(page.get_by_role("heading", name="Book an appointment")).to_be_visible()
    assert f"starts_at={timezone.localdate().isoformat()}T10:00" in unquote(page.url)

    # The list, by the toggle; it keeps the day asked for.
    admin.go("/diary/?view=day")
    page.get_by_role("link", name="List").click()
    expect(page.get_by_role("link", name="List")).to_have_attribute("aria-current", "page")
    expect(page.locator(".dg-gutter").first).to_be_hidden()
    expect(page.get_by_label("View")).to_have_value("day")
    admin.check("diary-day-list")


def test_a_phone_starts_with_the_list_and_can_show_the_grid(demo, open_browser):
    from playwright.sync_api import expect

    admin = open_browser("phone", user=User.objects.get(email="admin@demo.example"))
    page = admin.page
    admin.go("/diary/?view=day")
    expect(page.locator(".dg-gutter").first).to_be_hidden()
    expect(
        page.get_by_role("link", name=re.compile(r"^14:00 GMT.*Initial assessment"))
    ).to_be_visible()
    admin.check("diary-list")
    page.get_by_role("link", name="Time grid").click()
    expect(page.locator(".dg-gutter").first).to_be_visible()
    admin.check("diary-grid")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_therapists_own_week_side_by_side(demo, open_browser, viewport):
    from playwright.sync_api import expect

    therapist = open_browser(viewport, user=User.objects.get(email="therapist1@demo.example"))
    page = therapist.page
    therapist.go("/diary/")
    expect(page.get_by_role("heading", name="My diary", level=1)).to_be_visible()
    # Their own diary: nothing leads to booking, and no one else's columns.
    expect(page.get_by_role("link", name=re.compile("to book with"))).to_have_count(0)
    expect(page.get_by_label("Therapist")).to_have_count(0)
    therapist.check("own-week")


def test_a_closed_day_and_leave_in_the_grid_and_the_list(demo, open_browser):
    """The practice closed on Thursday (a visit still booked that day, to be
    moved), one therapist away for part of today and the other on Friday:
    drawn as blocks that say so, with no free time offered in them."""
    from datetime import datetime, time, timedelta

    from playwright.sync_api import expect

    from bookings.models import AvailabilityException, PracticeClosure
    from bookings.slots import LONDON

    # The tests' Wednesday morning (tests/clock.py).
    today = timezone.localdate()
    assert today.weekday() == 2
    thursday, friday = today + timedelta(days=1), today + timedelta(days=2)

    def at(day, hour):
        return datetime.combine(day, time(hour), tzinfo=LONDON)

    amira = User.objects.get(email="therapist1@demo.example")
    other = User.objects.get(email="therapist2@demo.example")
    PracticeClosure.objects.create(first_day=thursday, last_day=thursday, reason="Staff training")
    AvailabilityException.objects.create(
        therapist=other, starts_at=at(today, 11), ends_at=at(today, 13), reason="Training course"
    )
    AvailabilityException.objects.create(
        therapist=amira,
        starts_at=at(friday, 0),
        ends_at=at(friday + timedelta(days=3), 0),
        reason="Annual leave",
    )

    admin = open_browser("desktop", user=User.objects.get(email="admin@demo.example"))
    page = admin.page
    # Today: the leave in its therapist's column, free time either side of it.
    admin.go("/diary/?view=day")
    leave = page.get_by_text("On leave · Training course")
    expect(leave).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile(rf"^09:30 GMT.*Free to book with {other}"))
    ).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile(rf"^13:00 GMT.*Free to book with {other}"))
    ).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile(rf"^11:00 GMT.*Free to book with {other}"))
    ).to_have_count(0)
    admin.check("diary-day-leave")

    # Thursday: closed in every column, nothing to book; the visit still
    # booked is drawn beside the closure.
    admin.go(f"/diary/?view=day&date={thursday.isoformat()}")
    closed = page.get_by_text("Practice closed — Staff training")
    expect(closed).to_have_count(2)
    expect(closed.first).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("to book with"))).to_have_count(0)
    expect(
        page.get_by_role("link", name=re.compile(r"^14:00 GMT.*1:1 therapy session"))
    ).to_be_visible()
    admin.check("diary-closed-day")

    # Amira's week side by side: Thursday closed, Friday to Sunday away.
    admin.go(f"/diary/?therapist={amira.pk}")
    expect(page.get_by_text("Practice closed — Staff training")).to_be_visible()
    expect(page.get_by_text("On leave · Annual leave")).to_have_count(3)
    expect(page.get_by_text("On leave · Annual leave").first).to_be_visible()
    admin.check("diary-week-closed-and-leave")

    # The list says the same.
    admin.go(f"/diary/?therapist={amira.pk}&layout=list")
    expect(page.locator(".dg-gutter").first).to_be_hidden()
    expect(page.get_by_text("Practice closed — Staff training")).to_be_visible()
    expect(page.get_by_text("On leave · Annual leave").first).to_be_visible()
    admin.check("diary-week-list-closed-and-leave")

    # On a phone, the closed day as a list.
    phone = open_browser("phone", user=User.objects.get(email="admin@demo.example"))
    phone.go(f"/diary/?view=day&date={thursday.isoformat()}")
    expect(phone.page.get_by_text("Practice closed — Staff training").first).to_be_visible()
    expect(phone.page.get_by_role("link", name=re.compile("to book with"))).to_have_count(0)
    phone.check("diary-closed-day-list")
