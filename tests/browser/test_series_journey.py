"""The practice manager books a term of weekly visits in a real browser: a
closure and a therapist's leave are skipped, the clashes shown first, one
visit moved and the last ones cancelled; then a new family is registered,
given a lead therapist and booked for the initial assessment in one flow."""

from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from bookings.models import Appointment, AppointmentSeries, Booking
from families.models import CaseloadAssignment, Child, Family
from tests.factories import FamilyFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    settings.DEBUG = False


def local_day(moment):
    return timezone.localtime(moment).date()


@pytest.mark.now("2027-01-04 09:00")
def test_admin_books_a_term_of_weekly_visits_and_a_new_familys_first_visit(demo, open_browser):
    from playwright.sync_api import expect

    # A large practice: enough families that the family choice gets a search box.
    FamilyFactory.create_batch(12)
    admin = open_browser("desktop", user=User.objects.get(email="admin@demo.example"))
    page = admin.page
    amira = User.objects.get(email="therapist1@demo.example")
    bennett = Family.objects.get(name="The Bennett family")
    ollie = Child.objects.get(family=bennett, first_name="Oliver")

    # The practice closes for a training day.
    admin.go("/diary/closures/")
    expect(page.get_by_role("heading", name="Practice closures", level=1)).to_be_visible()
    page.get_by_label("From").fill("2027-01-19")
    page.get_by_label("Until").fill("2027-01-19")
    page.get_by_label("Reason").fill("Staff training")
    page.get_by_role("button", name="Add the closure").click()
    expect(page.get_by_role("button", name="Remove Staff training")).to_be_visible()
    admin.check("closures")

    # Amira's leave, next to her working hours.
    admin.go(f"/diary/therapists/{amira.pk}/hours/")
    away = page.locator("main form", has=page.get_by_role("button", name="Add time away"))
    away.get_by_label("From").fill("2027-02-01T08:00")
    away.get_by_label("Until").fill("2027-02-05T18:00")
    away.get_by_label("Reason").fill("Annual leave")
    away.get_by_role("button", name="Add time away").click()
    expect(page.get_by_text("Annual leave")).to_be_visible()
    admin.check("leave")

    # Ten Tuesdays at 15:30 for Ollie.
    admin.go("/diary/appointments/new/")
    page.get_by_label("Service").select_option(label="1:1 therapy session")
    page.locator("#id_therapist").select_option(label=str(amira))
    page.get_by_label("Date").fill("2027-01-05")
    page.get_by_label("Find a family").fill("bennett")
    expect(page.locator("#id_family")).to_have_value(str(bennett.pk))
    page.get_by_role("button", name="Show free time").click()
    expect(page.get_by_text(f"Free time for {amira} on Tuesday 5 January")).to_be_visible()
    page.get_by_label("Start time").fill("15:30")
    page.get_by_label(ollie.display_name).check()
    page.get_by_label("Every week").check()
    page.get_by_label("Number of visits").fill("10")
    page.get_by_role("button", name="Check the dates of a series").click()
    plan = page.get_by_role("region", name="The visits")
    expect(plan).to_contain_text("8 free, 2 with a clash (not booked)")
    expect(plan).to_contain_text("The practice is closed (Staff training).")
    expect(plan).to_contain_text(f"{amira} is on leave (Annual leave).")
    admin.check("series-clashes")
    page.get_by_role("button", name="Book 8 visits").click()
    expect(page.get_by_text("Weekly on Tuesdays at 15:30, 8 visits, 8 to go")).to_be_visible()
    admin.check("series-first-visit")
    series = AppointmentSeries.objects.get(family=bennett)
    visits = list(series.visits.order_by("starts_at"))
    assert [local_day(v.starts_at) for v in visits] == [
        date(2027, 1, 5),
        date(2027, 1, 12),
        date(2027, 1, 26),
        date(2027, 2, 9),
        date(2027, 2, 16),
        date(2027, 2, 23),
        date(2027, 3, 2),
        date(2027, 3, 9),
    ]

    # One visit moves to the Wednesday morning.
    admin.go(f"/diary/appointments/{visits[1].pk}/")
    page.get_by_role("link", name="Move", exact=True).click()
    admin.check("move-visit")
    page.get_by_label("New day").fill("2027-01-13")
    page.get_by_label("Start time").fill("09:15")
    page.get_by_label("This visit only").check()
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_text("The appointment has been moved.")).to_be_visible()
    visits[1].refresh_from_db()
    assert timezone.localtime(visits[1].starts_at).strftime("%Y-%m-%d %H:%M") == "2027-01-13 09:15"

    # From the 8th Tuesday on (23 February), the family stops coming.
    eighth = next(v for v in visits if local_day(v.starts_at) == date(2027, 2, 23))
    admin.go(f"/diary/appointments/{eighth.pk}/")
    page.get_by_role("link", name="Cancel", exact=True).click()
    page.get_by_label("This and the following visits").check()
    page.get_by_label("Reason").fill("The family is moving away")
    admin.check("cancel-following")
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.get_by_text("3 visits are cancelled.")).to_be_visible()
    expect(page.get_by_text("Weekly on Tuesdays at 15:30, 5 visits, 5 to go")).to_be_visible()
    assert list(
        series.visits.filter(status="cancelled").order_by("starts_at").values_list("pk", flat=True)
    ) == [v.pk for v in visits[5:]]

    # A new family: registered, given a lead therapist, booked for the assessment.
    admin.go("/families/new/")
    page.locator("#id_family-name").fill("The Brown family")
    page.locator("#id_caregiver-full_name").fill("Megan Brown")
    page.locator("#id_caregiver-email").fill("megan@example.org")
    page.locator("#id_children-0-first_name").fill("Alfie")
    page.locator("#id_children-0-last_name").fill("Brown")
    page.locator("#id_children-0-date_of_birth").fill("2019-05-02")
    page.get_by_role("button", name="Register and send the invitation").click()
    expect(page.get_by_role("heading", name="First visit for The Brown family")).to_be_visible()
    admin.check("first-visit")
    page.locator("#id_therapist").select_option(label=str(amira))
    page.get_by_label("Alfie").check()
    page.get_by_role("button", name="Assign the lead therapist").click()
    expect(page.get_by_text(f"{amira} is the lead therapist.")).to_be_visible()
    page.get_by_role("link", name=f"Book the initial assessment with {amira}").click()
    expect(page.get_by_text(f"Free time for {amira}")).to_be_visible()
    admin.check("book-assessment")
    page.get_by_label("Start time").fill("09:00")
    page.get_by_label("Alfie").check()
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("heading", name="Initial assessment", level=1)).to_be_visible()
    admin.check("assessment-booked")
    brown = Family.objects.get(name="The Brown family")
    assert CaseloadAssignment.objects.filter(
        child__family=brown, therapist=amira, kind="lead"
    ).exists()
    booking = Booking.objects.get(family=brown)
    assert booking.appointment.service.kind == "assessment"
    assert booking.appointment.therapist == amira
    assert timezone.localtime(booking.appointment.starts_at).strftime("%Y-%m-%d %H:%M") == (
        "2027-01-05 09:00"
    )
    assert Appointment.objects.filter(series=series, status="booked").count() == 5

    # The diary draws it all to scale: the first week's visit and the assessment,
    # the training day closed, and Amira's leave.
    admin.go("/diary/?date=2027-01-05")
    expect(page.get_by_text("Alfie").first).to_be_visible()
    admin.check("grid-first-week")
    admin.go("/diary/?date=2027-01-19")
    expect(page.get_by_text("Practice closed — Staff training").first).to_be_visible()
    admin.check("grid-closed-day")
    admin.go(f"/diary/?date=2027-02-02&therapist={amira.pk}")
    expect(page.get_by_text("On leave").first).to_be_visible()
    admin.check("grid-leave")


@pytest.mark.now("2027-01-04 09:00")
def test_the_new_diary_pages_fit_a_phone(demo, open_browser):
    """Closures, a series visit's move and cancel pages, cancelling a group
    place and a new family's first visit, at 375 px: nothing wider than the
    screen, and axe finds nothing serious."""
    from datetime import time

    from bookings import services
    from bookings.models import GroupSession, Service

    admin_user = User.objects.get(email="admin@demo.example")
    amira = User.objects.get(email="therapist1@demo.example")
    bennett = Family.objects.get(name="The Bennett family")
    booked = services.series_book(
        service=Service.objects.get(name="1:1 therapy session"),
        therapist=amira,
        family=bennett,
        children=[Child.objects.get(family=bennett, first_name="Oliver")],
        first_day=date(2027, 1, 5),
        at=time(15, 30),
        every_weeks=1,
        count=3,
        by=admin_user,
    )
    place = Booking.objects.filter(group_session__isnull=False, status="confirmed").first()
    assert GroupSession.objects.filter(pk=place.group_session_id).exists()
    new_family = FamilyFactory(name="The Brown family")
    Child.objects.create(
        family=new_family, first_name="Alfie", last_name="Brown", date_of_birth=date(2019, 5, 2)
    )

    admin = open_browser("phone", user=admin_user)
    visit = booked.bookings[1].appointment
    for name, path in [
        ("closures", "/diary/closures/"),
        ("series-visit", f"/diary/appointments/{visit.pk}/"),
        ("move-visit", f"/diary/appointments/{visit.pk}/move/"),
        ("cancel-visit", f"/diary/appointments/{visit.pk}/cancel/"),
        ("cancel-place", f"/diary/places/{place.pk}/cancel/"),
        ("first-visit", f"/diary/families/{new_family.pk}/first-visit/"),
    ]:
        admin.go(path)
        admin.check(name)
        width = admin.page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide on a phone"
