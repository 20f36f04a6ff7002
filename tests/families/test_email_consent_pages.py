"""The consents page and How we contact you say truthfully what the consent to
being e-mailed about therapy covers, that account e-mails are always sent,
and (How we contact you) when therapy e-mails are off for a family."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from families import services
from families.models import Consent, ConsentKind
from tests.factories import CaregiverFactory, FamilyFactory

pytestmark = pytest.mark.django_db

EMAIL = ConsentKind.EMAIL_CONTACT
PREFERENCES = reverse("families:preferences")
OFF = "E-mails about therapy are off for"


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_consents_page_says_what_the_email_consent_covers(world, client):
    html = _page(client, world.parent, reverse("families:consents", args=[world.family.pk]))
    start = html.index(EMAIL.label.replace("'", "&#x27;"))
    card = html[start : html.index("</section>", start)]
    for words in (
        "Appointment reminders",
        "progress summaries",
        "when a message is waiting",
        "offers of a place in a group",
        "bookings that the practice, or someone else in the family, makes or cancels",
        "E-mails about your account",
        "password resets",
        "confirmations of bookings you make or cancel yourself are always sent",
    ):
        assert words in card, words
    assert PREFERENCES in card
    # Staff read the same words, without the family's own page to change them.
    staff = _page(client, world.admin, reverse("families:consents", args=[world.family.pk]))
    assert "are always sent" in staff and PREFERENCES not in staff


def test_how_we_contact_you_says_account_emails_are_always_sent(world, client):
    html = _page(client, world.parent, PREFERENCES)
    assert "E-mails about your account" in html and "are always sent" in html
    assert OFF not in html  # the family agrees


def test_a_withdrawn_consent_shows_therapy_emails_off_with_the_way_back(world, client):
    services.consent_withdraw(family=world.family, kind=EMAIL, by=world.parent)
    html = _page(client, world.parent, PREFERENCES)
    assert f"{OFF} {world.family.name}" in html
    assert "The family has withdrawn its agreement" in html
    assert reverse("families:consents", args=[world.family.pk]) in html
    # A supporting caregiver is told who can change it (the page is not theirs).
    grandad = _page(client, world.supporting, PREFERENCES)
    assert f"{OFF} {world.family.name}" in grandad
    assert "A primary caregiver of the family can change this." in grandad
    assert reverse("families:consents", args=[world.family.pk]) not in grandad


def test_a_family_that_never_answered_is_shown_as_not_yet_agreed(world, client):
    Consent.objects.filter(family=world.family, kind=EMAIL).delete()
    html = _page(client, world.parent, PREFERENCES)
    assert "The family has not yet agreed" in html


def test_each_family_of_a_person_shows_its_own_state(world, client):
    """A parent in two families: only the one without consent says it is off."""
    second = FamilyFactory(name="The Second family", email_consent=False)
    CaregiverFactory(user=world.parent, family=second)
    html = _page(client, world.parent, PREFERENCES)
    assert f"{OFF} The Second family" in html
    assert f"{OFF} {world.family.name}" not in html


def test_showing_it_costs_no_query(world, client, django_assert_num_queries):
    client.force_login(world.parent)
    with CaptureQueriesContext(connection) as agreed:
        client.get(PREFERENCES)
    services.consent_withdraw(family=world.family, kind=EMAIL, by=world.parent)
    with django_assert_num_queries(len(agreed.captured_queries)):
        assert OFF in client.get(PREFERENCES).content.decode()
