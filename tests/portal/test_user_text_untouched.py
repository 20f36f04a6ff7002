"""Issue 19, finding 3: text a family types is escaped once, at the
template, and never post-processed after rendering. A win or a child's name
holding the placeholder the old fragment cache swapped for the viewer's CSRF
token neither breaks a page nor has anyone's token put into it."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.bookings.factories import AppointmentFactory, BookingFactory, in_days
from tests.factories import WinFactory

pytestmark = pytest.mark.django_db

PLACEHOLDER = "fragment-csrf-token-placeholder"


def _tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))


def test_placeholder_text_in_a_win_and_a_name_is_shown_as_typed(world):
    world.child.preferred_name = f"Yusuf {PLACEHOLDER}"
    world.child.save()
    WinFactory(child=world.child, text=f"Said {PLACEHOLDER} out loud")
    BookingFactory(
        family=world.family,
        appointment=AppointmentFactory(therapist=world.therapist, starts_at=in_days(1, 10)),
        children=[world.child],
    )
    pages = [
        (world.parent, reverse("home")),
        (world.parent, reverse("goals:child_goals", args=[world.child.pk])),
        (world.parent, reverse("bookings:my_bookings")),
        (world.therapist, reverse("home")),
        (world.therapist, reverse("sessions_app:timeline", args=[world.child.pk])),
        (world.therapist, reverse("bookings:diary") + f"?view=day&date={in_days(1).date()}"),
        (world.admin, reverse("bookings:diary") + f"?view=day&date={in_days(1).date()}"),
    ]
    for user, url in pages:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        # The text is on the page as typed: nothing replaced it with a token.
        assert PLACEHOLDER in html, url
        # Every token on the page is in a form's hidden field, never in user text.
        for token in _tokens(html):
            outside_forms = html.replace(f'name="csrfmiddlewaretoken" value="{token}"', "")
            assert token not in outside_forms, url
