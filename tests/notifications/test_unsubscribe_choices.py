"""Unsubscribing by an e-mail's link changes the person's own choices on
their E-mail choices page, in every family they belong to, and "send them
again" changes them back."""

import pytest
from django.urls import reverse

from bookings.emails import CONFIRMED, REMINDER
from families.models import Caregiver, SummaryFrequency
from notifications import services
from notifications.models import EmailOptOut
from notifications.signing import unsubscribe_token
from portal.summaries import SUMMARY
from tests.factories import CaregiverFactory, FamilyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mum(world):
    """A mother in two families (a second marriage), whose address was stored
    with capitals: the link carries it in lower case."""
    person = UserFactory(email="Kerry.Walsh@Example.org")
    first = CaregiverFactory(user=person, family=world.family)
    second = CaregiverFactory(
        user=person, family=FamilyFactory(), summary_frequency=SummaryFrequency.MONTHLY
    )
    return person, first, second


def _url(email, kind):
    return reverse("notifications:unsubscribe", args=[unsubscribe_token(email, kind)])


def _choices(*memberships):
    for membership in memberships:
        membership.refresh_from_db()
    return [(m.receives_reminders, m.summary_frequency) for m in memberships]


def test_unsubscribing_from_reminders_unticks_them_in_every_family_of_that_address(
    world, client, mum
):
    person, first, second = mum
    url = _url(person.email, REMINDER)
    # As a mail program's one-click POST sends it (RFC 8058).
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200

    assert _choices(first, second) == [
        (False, SummaryFrequency.WEEKLY),
        (False, SummaryFrequency.MONTHLY),  # summaries untouched
    ]
    # Nobody else's choices change, in the same family or elsewhere.
    assert set(
        Caregiver.objects.exclude(user=person).values_list("receives_reminders", flat=True)
    ) == {True}

    client.post(url, {"action": "resubscribe"})
    assert _choices(first, second) == [
        (True, SummaryFrequency.WEEKLY),
        (True, SummaryFrequency.MONTHLY),
    ]
    assert not EmailOptOut.objects.exists()


def test_unsubscribing_from_summaries_sets_never_and_send_them_again_restores_the_usual(
    world, client, mum
):
    person, first, second = mum
    url = _url(person.email, SUMMARY)
    client.post(url)
    assert _choices(first, second) == [
        (True, SummaryFrequency.OFF),  # reminders untouched
        (True, SummaryFrequency.OFF),
    ]
    assert set(
        Caregiver.objects.exclude(user=person).values_list("summary_frequency", flat=True)
    ) == {SummaryFrequency.WEEKLY}

    client.post(url, {"action": "resubscribe"})
    # The practice's usual frequency (the field's default), not "Never".
    usual = Caregiver._meta.get_field("summary_frequency").get_default()
    assert usual != SummaryFrequency.OFF
    assert _choices(first, second) == [(True, usual), (True, usual)]
    assert not EmailOptOut.objects.filter(kind=SUMMARY).exists()


def test_send_them_again_keeps_a_family_that_has_its_own_frequency(world, mum):
    person, first, second = mum
    Caregiver.objects.filter(pk=first.pk).update(summary_frequency=SummaryFrequency.OFF)
    services.resubscribe(email=person.email, kind=SUMMARY)
    usual = Caregiver._meta.get_field("summary_frequency").get_default()
    assert _choices(first, second) == [(True, usual), (True, SummaryFrequency.MONTHLY)]


def test_a_kind_not_chosen_on_the_page_changes_no_choices(world, client, mum):
    person, first, second = mum
    page = client.get(_url(person.email, CONFIRMED))
    assert "How we contact you</a>" not in page.text  # nothing to change there
    client.post(_url(person.email, CONFIRMED))
    assert EmailOptOut.objects.filter(kind=CONFIRMED).exists()
    assert _choices(first, second) == [
        (True, SummaryFrequency.WEEKLY),
        (True, SummaryFrequency.MONTHLY),
    ]


def test_the_page_says_where_to_change_it_later(world, client):
    url = _url(world.parent.email, REMINDER)
    preferences = reverse("families:preferences")
    assert f'href="{preferences}"' in client.get(url).text
    done = client.post(url).text
    assert "You're unsubscribed" in done and f'href="{preferences}"' in done
    assert "log in" in done
