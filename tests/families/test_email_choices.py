"""The E-mail choices page and unsubscribe links tell one story: the page
shows an unsubscribe as unticked / "Never", and asking for an e-mail there
lifts the unsubscribe so that it is really sent again."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.emails import REMINDER, reminders_sweep
from families.models import Caregiver, SummaryFrequency
from notifications.models import EmailOptOut, OutboxMessage
from notifications.services import optout_create
from notifications.signing import unsubscribe_token
from portal.summaries import SUMMARY, summaries_sweep
from tests.factories import CaregiverFactory, FamilyFactory, WinFactory
from tests.notifications.helpers import due_booking

pytestmark = pytest.mark.django_db

URL = reverse("families:preferences")


def _reminder_box(html: str, membership: Caregiver) -> str:
    [box] = re.findall(rf'<input[^>]*name="m{membership.pk}-receives_reminders"[^>]*>', html)
    return box


def _chosen_frequency(html: str, membership: Caregiver) -> str:
    select = re.search(
        rf'<select[^>]*name="m{membership.pk}-summary_frequency".*?</select>', html, re.S
    ).group(0)
    [value] = re.findall(r'<option value="(\w+)"[^>]*selected', select)
    return value


def _save(client, membership: Caregiver, *, reminders: bool, frequency: str):
    data = {"membership": membership.pk, f"m{membership.pk}-summary_frequency": frequency}
    if reminders:
        data[f"m{membership.pk}-receives_reminders"] = "on"
    return client.post(URL, data)


def test_the_page_shows_an_unsubscribe_made_before_the_choices_followed_it(world, login):
    membership = Caregiver.objects.get(user=world.parent)
    client = login(world.parent)
    html = client.get(URL).text
    assert "checked" in _reminder_box(html, membership)
    assert _chosen_frequency(html, membership) == SummaryFrequency.WEEKLY

    # Recorded straight, as links did before: the stored choices still say yes.
    optout_create(email=world.parent.email.upper(), kind=REMINDER)
    optout_create(email=world.parent.email, kind=SUMMARY)
    html = client.get(URL).text
    assert "checked" not in _reminder_box(html, membership)
    assert _chosen_frequency(html, membership) == SummaryFrequency.OFF
    # Another person's unsubscribe is not theirs.
    assert not EmailOptOut.objects.filter(email=world.other_parent.email).exists()
    html = login(world.other_parent).get(URL).text
    other = Caregiver.objects.get(user=world.other_parent)
    assert "checked" in _reminder_box(html, other)


def test_ticking_reminders_again_lifts_the_unsubscribe_and_they_are_sent(world, client, login):
    client.post(
        reverse("notifications:unsubscribe", args=[unsubscribe_token(world.parent.email, REMINDER)])
    )
    membership = Caregiver.objects.get(user=world.parent)
    membership.refresh_from_db()
    assert membership.receives_reminders is False

    client = login(world.parent)
    assert "checked" not in _reminder_box(client.get(URL).text, membership)
    response = _save(client, membership, reminders=True, frequency=SummaryFrequency.WEEKLY)
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.receives_reminders is True
    assert not EmailOptOut.objects.filter(kind=REMINDER).exists()
    assert "checked" in _reminder_box(client.get(URL).text, membership)

    due_booking(world)
    reminders_sweep()
    row = OutboxMessage.objects.get(kind=REMINDER, recipient=world.parent)
    assert row.status == OutboxMessage.Status.SENT, row.skip_reason
    assert [m.to for m in mail.outbox] == [[world.parent.email]]


def test_saving_without_asking_for_reminders_keeps_the_unsubscribe(world, login):
    optout_create(email=world.parent.email, kind=REMINDER)
    membership = Caregiver.objects.get(user=world.parent)
    _save(login(world.parent), membership, reminders=False, frequency=SummaryFrequency.MONTHLY)
    assert EmailOptOut.objects.filter(email=world.parent.email, kind=REMINDER).exists()
    membership.refresh_from_db()
    assert (membership.receives_reminders, membership.summary_frequency) == (False, "monthly")


def test_choosing_summaries_again_lifts_the_unsubscribe_and_one_is_sent(world, client, login):
    client.post(
        reverse("notifications:unsubscribe", args=[unsubscribe_token(world.parent.email, SUMMARY)])
    )
    membership = Caregiver.objects.get(user=world.parent)
    client = login(world.parent)
    assert _chosen_frequency(client.get(URL).text, membership) == SummaryFrequency.OFF

    _save(client, membership, reminders=True, frequency=SummaryFrequency.WEEKLY)
    assert not EmailOptOut.objects.filter(kind=SUMMARY).exists()

    WinFactory(child=world.child, text="Buttons done up all by himself")
    summaries_sweep(today=timezone.localdate() + timedelta(days=7))
    row = OutboxMessage.objects.get(kind=SUMMARY, recipient=world.parent)
    assert row.status == OutboxMessage.Status.SENT, row.skip_reason
    assert any(m.to == [world.parent.email] for m in mail.outbox)


def test_lifting_an_old_unsubscribe_for_one_family_leaves_the_others_as_shown(world, login):
    """The unsubscribe predates the choices following it: the person's other
    family showed "no reminders" and keeps it once the unsubscribe is lifted."""
    here = Caregiver.objects.get(user=world.parent)
    elsewhere = CaregiverFactory(user=world.parent, family=FamilyFactory())
    optout_create(email=world.parent.email, kind=REMINDER)
    optout_create(email=world.parent.email, kind=SUMMARY)
    client = login(world.parent)
    html = client.get(URL).text
    assert "checked" not in _reminder_box(html, elsewhere)
    assert _chosen_frequency(html, elsewhere) == SummaryFrequency.OFF

    _save(client, here, reminders=True, frequency=SummaryFrequency.FORTNIGHTLY)
    assert not EmailOptOut.objects.exists()
    here.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (here.receives_reminders, here.summary_frequency) == (True, "fortnightly")
    assert (elsewhere.receives_reminders, elsewhere.summary_frequency) == (False, "off")
    html = client.get(URL).text
    assert "checked" not in _reminder_box(html, elsewhere)
    assert _chosen_frequency(html, elsewhere) == SummaryFrequency.OFF


def test_the_page_runs_the_same_queries_for_one_family_or_three(world, login):
    client = login(world.parent)
    optout_create(email=world.parent.email, kind=REMINDER)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    one = queries()
    CaregiverFactory(user=world.parent, family=FamilyFactory())
    CaregiverFactory(user=world.parent, family=FamilyFactory())
    assert queries() == one


def test_the_page_offers_message_emails_and_the_detailed_wording(world, client):
    """Two more choices, per family: e-mails about a waiting message (on by
    default) and the detailed wording of appointments (off by default)."""
    membership = Caregiver.objects.get(user=world.parent)
    client.force_login(world.parent)
    html = client.get(URL).content.decode()
    assert re.search(rf'name="m{membership.pk}-receives_message_nudges"[^>]*checked', html)
    assert not re.search(rf'name="m{membership.pk}-detailed_email_wording"[^>]*checked', html)
    assert "Appointment at" in html  # the choice says what the default wording is

    client.post(
        URL,
        {
            "membership": membership.pk,
            f"m{membership.pk}-receives_reminders": "on",
            f"m{membership.pk}-summary_frequency": SummaryFrequency.WEEKLY,
            f"m{membership.pk}-detailed_email_wording": "on",
        },
    )
    membership.refresh_from_db()
    assert membership.detailed_email_wording
    assert not membership.receives_message_nudges


def test_an_unsubscribe_from_message_emails_shows_on_the_page_and_can_be_undone(world, client):
    membership = Caregiver.objects.get(user=world.parent)
    client.force_login(world.parent)
    client.post(
        reverse(
            "notifications:unsubscribe",
            args=[unsubscribe_token(world.parent.email, "message_nudge")],
        )
    )
    membership.refresh_from_db()
    assert not membership.receives_message_nudges
    html = client.get(URL).content.decode()
    assert not re.search(rf'name="m{membership.pk}-receives_message_nudges"[^>]*checked', html)
    client.post(
        URL,
        {
            "membership": membership.pk,
            f"m{membership.pk}-receives_reminders": "on",
            f"m{membership.pk}-summary_frequency": SummaryFrequency.WEEKLY,
            f"m{membership.pk}-receives_message_nudges": "on",
        },
    )
    membership.refresh_from_db()
    assert membership.receives_message_nudges
    assert not EmailOptOut.objects.filter(email=world.parent.email, kind="message_nudge").exists()
