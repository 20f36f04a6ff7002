"""A child's page gathers the sections of the apps above families from the
registry they fill in AppConfig.ready (families.sections), in order, each
with what it read for this viewer."""

from django.urls import reverse

from families.permissions import Access
from families.sections import sections_for
from tests.factories import WinFactory


def test_the_apps_above_register_their_sections_in_order(world, rf):
    request = rf.get("/")
    request.user = world.parent
    shown = sections_for(request, world.child, Access.PRIMARY)
    assert [section.template for section in shown] == [
        "goals/includes/child_section.html",
        "sessions_app/includes/child_section.html",
        "messaging/includes/child_section.html",
        "intake/includes/child_section.html",
        "reports/includes/child_section.html",
    ]


def test_the_child_page_shows_each_section_for_its_viewer(world, login):
    WinFactory(child=world.child, text="Zipped his coat")
    url = reverse("families:child_detail", args=[world.child.pk])
    parent = login(world.parent).get(url).text
    assert "Goals and home plan" in parent and "Zipped his coat" in parent
    assert reverse("reports:child_reports", args=[world.child.pk]) in parent
    admin = login(world.admin).get(url).text
    # Nothing of the goals for the practice admin, only that sessions happened.
    assert "Goals and home plan" not in admin and "Zipped his coat" not in admin
    assert "Sessions and attendance" in admin
    therapist = login(world.therapist).get(url).text
    assert reverse("sessions_app:timeline", args=[world.child.pk]) in therapist
