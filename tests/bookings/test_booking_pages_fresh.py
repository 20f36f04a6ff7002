"""A family's bookings and the diary, rendered afresh: what changes in the
database, or on the clock, shows at once, and the diary's filters are drawn
as the form draws them."""

from datetime import timedelta

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.urls import reverse
from django.utils import timezone

from bookings import selectors
from bookings.forms import DiaryFilterForm
from bookings.models import Booking, Service, WaitlistEntry
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    BookingFactory,
    GroupSessionFactory,
    RoomFactory,
    in_days,
)
from tests.factories import CaregiverFactory

pytestmark = pytest.mark.django_db


def _section(text: str, heading: str, following: str) -> str:
    return text[text.index(heading) : text.index(following)]


def test_a_changed_booking_shows_on_the_familys_page(world, login):
    booking = BookingFactory(
        family=world.family,
        appointment=AppointmentFactory(therapist=world.therapist, starts_at=in_days(2, 10)),
        children=[world.child],
    )
    client = login(world.parent)
    first = client.get(reverse("bookings:my_bookings")).text
    assert "Yusuf" in _section(first, "Coming up", "Past and cancelled")
    # The same values again: the same card.
    again = client.get(reverse("bookings:my_bookings")).text
    assert _section(again, "Coming up", "Past and cancelled") == _section(
        first, "Coming up", "Past and cancelled"
    )

    room = RoomFactory(name="Sensory room")
    booking.appointment.room = room
    booking.appointment.save()
    booking.children.add(world.sibling)
    CaregiverFactory(family=world.family, user__full_name="Omar Ahmed")
    booking.escort = world.family.caregivers.get(user__full_name="Omar Ahmed")
    booking.save()
    changed = client.get(reverse("bookings:my_bookings")).text
    upcoming = _section(changed, "Coming up", "Past and cancelled")
    assert "(Sensory room)" in upcoming
    assert "For Maryam, Yusuf" in upcoming
    assert "Omar Ahmed is bringing them" in upcoming

    booking.status = Booking.Status.CANCELLED
    booking.save()
    cancelled = client.get(reverse("bookings:my_bookings")).text
    assert "Nothing booked yet" in _section(cancelled, "Coming up", "Past and cancelled")
    assert "Cancelled" in cancelled[cancelled.index("Past and cancelled") :]


def test_a_booking_moves_to_the_past_as_the_clock_passes_its_start(world, login, monkeypatch):
    BookingFactory(
        family=world.family,
        appointment=AppointmentFactory(therapist=world.therapist, starts_at=in_days(1, 10)),
    )
    client = login(world.parent)
    before = client.get(reverse("bookings:my_bookings")).text
    assert "Nothing booked yet" not in before

    later = timezone.now() + timedelta(days=2)

    class TwoDaysOn:
        def __getattr__(self, name):
            return getattr(timezone, name)

        @staticmethod
        def now():
            return later

    monkeypatch.setattr(selectors, "timezone", TwoDaysOn())
    after = client.get(reverse("bookings:my_bookings")).text
    assert "Nothing booked yet" in _section(after, "Coming up", "Past and cancelled")
    assert "booking-card" in after[after.index("Past and cancelled") :]


def test_a_group_booking_card_shows_its_topic(world, login):
    group = GroupSessionFactory(therapist=world.therapist, topic="Calmer bedtimes")
    BookingFactory(family=world.family, appointment=None, group_session=group)
    text = login(world.parent).get(reverse("bookings:my_bookings")).text
    assert ": Calmer bedtimes" in _section(text, "Coming up", "Past and cancelled")


def test_a_diary_day_is_drawn_again_when_its_bookings_change(world, login):
    AvailabilityFactory(therapist=world.therapist, weekday=in_days(1).weekday())
    appointment = AppointmentFactory(therapist=world.therapist, starts_at=in_days(1, 10))
    group = GroupSessionFactory(therapist=world.therapist, starts_at=in_days(1, 14), capacity=4)
    client = login(world.admin)
    params = {"view": "day", "date": in_days(1).date().isoformat()}
    first = client.get(reverse("bookings:diary"), params).text
    assert "0 of 4 booked" in first
    assert "Free" in first
    assert world.family.name not in first

    BookingFactory(family=world.family, appointment=appointment, children=[world.child])
    BookingFactory(family=world.other_family, appointment=None, group_session=group)
    WaitlistEntry.objects.create(group_session=group, family=world.family, position=1)
    second = client.get(reverse("bookings:diary"), params).text
    assert f"{world.family.name} (Yusuf)" in second
    assert "1 of 4 booked · 1 waiting" in second
    # Only admins are offered the group's page.
    assert reverse("bookings:group_detail", args=[group.pk]) in second
    own = login(world.therapist).get(reverse("bookings:diary"), params).text
    assert f"{world.family.name} (Yusuf)" in own
    assert reverse("bookings:group_detail", args=[group.pk]) not in own


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"view": "day", "date": "2027-03-27"},
        {"view": "week", "date": "not a date", "therapist": "999999"},
        {"view": "fortnight", "therapist": "", "service": ""},
    ],
)
def test_the_diary_filters_are_drawn_as_the_form_draws_them(world, login, data):
    service = Service.objects.create(name="Sensory diet review", kind=Service.Kind.REVIEW)
    data = {**data, "therapist": data.get("therapist", str(world.therapist.pk))}
    data.setdefault("service", str(service.pk))
    html = login(world.admin).get(reverse("bookings:diary"), data).text
    form = DiaryFilterForm(data, therapists=selectors.therapists())
    form.is_valid()
    # Each field as crispy-bootstrap5 draws it: label, widget (marked invalid
    # where the value was ignored) and its error.
    for name in ("view", "date", "therapist", "service"):
        assert str(as_crispy_field(form[name])) in html, name
