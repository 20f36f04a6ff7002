"""Booking a video consultation on a phone, keyboard only: the strip of days
with free times, a time, the child it is about, by video, confirmed, in
fewer than 6 taps once the service is chosen. Every page is checked with
axe-core and the Nu HTML Checker; the day strip's screenshot is kept with the
journeys' artefacts."""

import re
from datetime import time

import pytest
from django.core import mail

from bookings.models import Booking, Service
from tests.bookings.factories import AvailabilityFactory, ServiceFactory
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Taps:
    """Counts what a person does to get somewhere: each key that operates a
    link, a button or a choice (Enter, Space) is a tap. Focus moves to each
    control as a screen reader's or a switch user's would."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def press(self, locator, key: str = "Enter") -> None:
        locator.focus()
        self.page.keyboard.press(key)
        self.count += 1


def test_parent_books_a_video_consultation_for_a_child_from_the_day_strip(
    world, open_browser, settings
):
    from playwright.sync_api import expect

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.JITSI_BASE_URL = "https://meet.practice.example"
    ServiceFactory(
        name="Parent coaching consultation",
        duration_minutes=45,
        location=Service.Location.EITHER,
        slot_grid_minutes=30,
    )
    # The child's own therapist works weekday mornings; another works every day.
    for weekday in range(5):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday, ends_at=time(12))
    for weekday in range(7):
        AvailabilityFactory(therapist=world.other_therapist, weekday=weekday)

    parent = open_browser("phone")
    page = parent.page
    parent.go("/accounts/login/")
    page.get_by_label("Email").focus()
    page.keyboard.type(world.parent.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    parent.go("/book/")
    service_link = page.get_by_role("link", name="Parent coaching consultation")
    service_link.focus()
    page.keyboard.press("Enter")

    # From here on, every tap counts.
    taps = Taps(page)
    expect(page.get_by_role("heading", name="Choose a day")).to_be_visible()
    # The child's own therapist first, and a way to see everyone.
    own = page.get_by_role("link", name=f"{world.child.first_name}'s therapist, {world.therapist}")
    expect(own).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("link", name="Any therapist")).to_be_visible()
    strip = page.get_by_role("navigation", name="Choose a day")
    days = strip.get_by_role("link")
    assert days.count() >= 10  # weekdays only: four weeks of them, less today's notice
    # The strip scrolls sideways on a phone, not the page.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    assert strip.locator("ul").evaluate("el => el.scrollWidth > el.clientWidth")
    parent.check("day-strip")

    taps.press(days.nth(1))
    expect(
        page.get_by_role("navigation", name="Choose a day").get_by_role("link").nth(1)
    ).to_have_attribute("aria-current", "date")
    times = page.locator(".slot-list a")
    expect(times.first).to_have_text(re.compile(r"^\d\d:(00|30)$"))
    parent.check("times")
    taps.press(times.first)

    expect(page.get_by_role("heading", name="Confirm your booking")).to_be_visible()
    parent.check("confirm")
    taps.press(page.get_by_role("checkbox", name=world.child.first_name), "Space")
    taps.press(page.get_by_role("radio", name="By video call"), "Space")
    taps.press(page.get_by_role("button", name="Confirm booking"))

    expect(page.get_by_text("You're booked.").first).to_be_visible()
    expect(page.get_by_text("The link appears here 15 minutes before the start")).to_be_visible()
    parent.check("booked")
    assert taps.count < 6, f"{taps.count} taps after choosing the service"

    booking = Booking.objects.get(family=world.family)
    assert booking.appointment.by_video
    assert booking.appointment.therapist == world.therapist
    assert list(booking.children.all()) == [world.child]
    confirmation = next(m for m in mail.outbox if m.to == [world.parent.email])
    assert [name for name, _, _ in confirmation.attachments] == ["appointment.ics"]
    assert booking.appointment.video_room not in confirmation.subject + confirmation.body
