import pytest
from django.core.management import call_command

from bookings.models import Appointment, Booking, GroupSession, WaitlistEntry
from bookings.services import places_left

pytestmark = pytest.mark.django_db


def _counts():
    return [model.objects.count() for model in (Appointment, Booking, GroupSession, WaitlistEntry)]


def test_demo_diary_is_believable_and_seeding_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    full = GroupSession.objects.get(topic="Calmer mornings")
    assert places_left(full) == 0 and full.waitlist.count() == 1
    assert places_left(GroupSession.objects.get(topic="Bedtime routines")) > 0
    assert Appointment.objects.count() >= 5
