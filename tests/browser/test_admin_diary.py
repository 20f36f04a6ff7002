"""The practice manager's day in a real browser: working hours, a family into a
group session, the waitlist when a place frees, attendance."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from bookings.models import Appointment, Booking, GroupSession, WaitlistEntry, WeeklyAvailability
from families.models import Family
from tests.factories import CaregiverFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    settings.DEBUG = False


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_admin_runs_the_diary(demo, open_browser, viewport):
    from playwright.sync_api import expect

    admin = open_browser(viewport, user=User.objects.get(email="admin@demo.example"))
    page = admin.page
    therapist = User.objects.get(email="therapist1@demo.example")

    admin.go("/diary/")
    expect(page.get_by_role("heading", name="Diary", level=1)).to_be_visible()
    admin.check("diary-week")
    if viewport == "desktop":
        # The menu fits one line at 1,280 px, the practice's records under one item,
        # which opens from the keyboard.
        tops = page.locator("#main-nav .nav-link").evaluate_all(
            "links => links.map(link => Math.round(link.getBoundingClientRect().top))"
        )
        assert len(set(tops)) == 1, tops
        page.get_by_role("button", name="Oversight").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("link", name="Audit trail")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.get_by_role("link", name="Audit trail")).to_be_hidden()

    # Working hours: add a Saturday morning clinic.
    admin.go(f"/diary/therapists/{therapist.pk}/hours/")
    admin.check("hours")
    page.get_by_label("Weekday").select_option(label="Saturday")
    page.locator("main form", has=page.get_by_role("button", name="Add hours")).get_by_label(
        "From"
    ).fill("10:00")
    page.locator("main form", has=page.get_by_role("button", name="Add hours")).get_by_label(
        "Until"
    ).fill("12:00")
    page.get_by_role("button", name="Add hours").click()
    expect(page.get_by_role("button", name="Remove Saturday 10:00")).to_be_visible()
    assert WeeklyAvailability.objects.filter(therapist=therapist, weekday=5).exists()

    # A family into a group session that has places.
    open_group = GroupSession.objects.get(topic="Bedtime routines")
    admin.go(f"/diary/groups/{open_group.pk}/")
    admin.check("group-with-places")
    okafor = Family.objects.get(name="The Okafor family")
    page.get_by_label("Family").select_option(label=okafor.name)
    page.get_by_role("button", name="Book a place").click()
    expect(page.get_by_role("link", name=f"Cancel {okafor.name}'s place")).to_be_visible()
    assert Booking.objects.filter(
        group_session=open_group, family=okafor, status="confirmed"
    ).exists()

    # The full group's waitlist: the admin moves a family up the list, then a
    # place frees and the first on the list is offered it.
    full_group = GroupSession.objects.get(topic="Calmer mornings")
    latecomer = CaregiverFactory(family__name="The Evans family").family
    last = WaitlistEntry.objects.filter(group_session=full_group).order_by("-position").first()
    WaitlistEntry.objects.create(
        group_session=full_group, family=latecomer, position=last.position + 1
    )
    admin.go(f"/diary/groups/{full_group.pk}/")
    expect(page.get_by_role("heading", name="Waitlist")).to_be_visible()
    admin.check("full-group-waitlist")
    page.get_by_role("button", name=f"Up {latecomer.name}").click()
    expect(page.get_by_role("heading", name="Waitlist")).to_be_visible()
    waiting = WaitlistEntry.objects.filter(group_session=full_group).order_by("position").first()
    assert waiting.family == latecomer
    leaving = Booking.objects.filter(group_session=full_group, status="confirmed").first()
    mail.outbox.clear()
    # Cancelling a family's place asks for a reason and a confirmation.
    page.get_by_role("link", name=f"Cancel {leaving.family.name}'s place").click()
    expect(
        page.get_by_role("heading", name=f"Cancel {leaving.family.name}'s place")
    ).to_be_visible()
    admin.check("cancel-place")
    page.get_by_label("Reason").fill("Asked to come to a later group")
    page.get_by_role("button", name="Cancel the place").click()
    expect(page.get_by_text("Tick the box to confirm.")).to_be_visible()
    page.get_by_label("Yes, cancel this family's place and tell them").check()
    page.get_by_role("button", name="Cancel the place").click()
    expect(page.locator("main")).to_contain_text("Offered a place until")
    waiting.refresh_from_db()
    assert waiting.offered_at is not None
    offered_to = {address for message in mail.outbox for address in message.to}
    assert offered_to & set(waiting.family.caregivers.values_list("user__email", flat=True))
    admin.check("place-offered")

    # Attendance for a session that has happened.
    past = (
        Appointment.objects.filter(starts_at__lt=timezone.now(), status="booked")
        .order_by("-starts_at")
        .first()
    )
    if past is None:
        past = (
            Appointment.objects.filter(starts_at__lt=timezone.now()).order_by("-starts_at").first()
        )
    # The demo's past visits are recorded already; this one still waits.
    past.bookings.update(status="confirmed")
    admin.go(f"/diary/appointments/{past.pk}/")
    expect(page.locator("main")).to_contain_text("Attendance not recorded yet")
    expect(page.get_by_role("link", name="Move", exact=True)).to_have_count(0)
    admin.check("appointment")
    page.get_by_label("Attended").check()
    page.get_by_role("button", name="Record").click()
    expect(page.locator("main")).to_contain_text(re.compile("Attended", re.I))
    assert past.bookings.filter(status="attended").exists()
    # Recorded once: the page now tells what happened and offers it no more.
    admin.go(f"/diary/appointments/{past.pk}/")
    expect(page.get_by_role("heading", name="Record attendance")).to_have_count(0)
    admin.check("appointment-attended")
