"""Today asks a primary caregiver whose family has never answered whether we
may e-mail them about the children's therapy: Yes gives the consent (recorded
and audited as on the consents page); Not now hides the question from them for
30 days. Plain forms: no script needed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families import services as family_services
from families.models import AccessLevel, Caregiver, Consent, ConsentKind
from families.selectors import consent_given
from portal import export
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.timesweep]

EMAIL = ConsentKind.EMAIL_CONTACT


def _never_answered(family) -> None:
    Consent.objects.filter(family=family, kind=EMAIL).delete()


def _today(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _answer(client, world, answer, user=None):
    client.force_login(user or world.parent)
    return client.post(
        reverse("families:email_question", args=[world.family.pk]), {"answer": answer}
    )


def _asked(html: str) -> bool:
    return "May we e-mail you about" in html


def test_a_family_that_never_answered_is_asked_plainly_in_needs_you_now(world, client):
    _never_answered(world.family)
    html = _today(client, world.parent)
    needs = html.index("Needs you now")
    question = html.index("May we e-mail you about")
    assert needs < question < html.index("Coming up")
    assert "Nothing needs you right now" not in html
    sentence = html[question : html.index("?", question) + 1]
    assert world.child.display_name in sentence and world.sibling.display_name in sentence
    assert sentence.endswith("therapy (reminders, progress summaries, new messages)?")
    # Two buttons in a plain form: it works without script.
    form = html[html.rindex("<form", 0, question) : html.index("</form>", question)]
    assert 'method="post"' in form
    assert reverse("families:email_question", args=[world.family.pk]) in form
    assert 'name="answer" value="yes"' in form and 'name="answer" value="not_now"' in form
    assert reverse("families:consents", args=[world.family.pk]) in form


def test_only_primary_caregivers_of_a_family_that_never_answered_are_asked(world, client):
    assert not _asked(_today(client, world.parent))  # the world's families agreed
    family_services.consent_withdraw(family=world.family, kind=EMAIL, by=world.parent)
    assert not _asked(_today(client, world.parent))  # withdrawing is an answer
    _never_answered(world.family)
    assert _asked(_today(client, world.parent))
    assert not _asked(_today(client, world.supporting))
    assert not _asked(_today(client, world.other_parent))


def test_a_family_whose_children_have_all_left_care_is_not_asked(world, client):
    _never_answered(world.family)
    world.family.children.update(discharged_on=timezone.localdate())
    assert not _asked(_today(client, world.parent))


def test_yes_gives_the_consent_audited_and_the_question_goes(world, client):
    _never_answered(world.family)
    response = _answer(client, world, "yes")
    assert response.status_code == 302 and response.url == reverse("home")
    assert consent_given(world.family, EMAIL)
    consent = Consent.objects.get(family=world.family, kind=EMAIL)
    assert consent.given_by == world.parent
    event = AuditEvent.objects.get(action=AuditEvent.Action.CONSENT)
    assert (event.user, event.record_id) == (world.parent, str(consent.pk))
    html = _today(client, world.parent)
    assert not _asked(html)
    assert "Thank you: we will e-mail you" in html


def test_not_now_hides_it_for_thirty_days_for_that_person_only(world, client, clock_at):
    _never_answered(world.family)
    second = factories.CaregiverFactory(family=world.family, access_level=AccessLevel.PRIMARY)
    assert _answer(client, world, "not_now").status_code == 302
    assert not consent_given(world.family, EMAIL)
    assert not Consent.objects.filter(family=world.family, kind=EMAIL).exists()
    assert not _asked(_today(client, world.parent))
    assert _asked(_today(client, second.user))  # the other parent is still asked
    clock_at.shift(timedelta(days=29))
    assert not _asked(_today(client, world.parent))
    clock_at.shift(timedelta(days=2))
    assert _asked(_today(client, world.parent))


def test_answering_on_the_consents_page_ends_the_question(world, client):
    _never_answered(world.family)
    assert _answer(client, world, "not_now").status_code == 302
    url = reverse("families:consents", args=[world.family.pk])
    client.post(url, {"kind": EMAIL, "decision": "give"})
    client.post(url, {"kind": EMAIL, "decision": "withdraw"})
    Caregiver.objects.filter(family=world.family).update(email_question_postponed_at=None)
    assert not _asked(_today(client, world.parent))


def test_only_a_primary_caregiver_of_the_family_may_answer(world, client):
    _never_answered(world.family)
    url = reverse("families:email_question", args=[world.family.pk])
    for persona in ("supporting", "other_parent", "therapist", "admin"):
        client.force_login(world.persona(persona))
        assert client.post(url, {"answer": "yes"}).status_code == 404, persona
    client.force_login(world.parent)
    assert client.get(url).status_code == 405
    assert not Consent.objects.filter(family=world.family, kind=EMAIL).exists()


def test_an_answer_that_is_neither_changes_nothing(world, client):
    _never_answered(world.family)
    response = _answer(client, world, "maybe")
    assert response.status_code == 302
    assert not Consent.objects.filter(family=world.family, kind=EMAIL).exists()
    assert not Caregiver.objects.filter(email_question_postponed_at__isnull=False).exists()
    assert "Please answer Yes or Not now." in _today(client, world.parent)


def test_asking_costs_no_more_queries(world, client, django_assert_num_queries):
    client.force_login(world.parent)
    with CaptureQueriesContext(connection) as agreed:
        client.get(reverse("home"))
    _never_answered(world.family)
    with django_assert_num_queries(len(agreed.captured_queries)):
        html = client.get(reverse("home")).content.decode()
    assert _asked(html)


def test_the_download_reads_right_after_not_now_then_yes(world, client):
    """What you have agreed to: the consent given from Today, by whom and
    when; E-mail choices: when this person said Not now."""
    _never_answered(world.family)
    _answer(client, world, "not_now")
    _answer(client, world, "yes")
    scope = export.export_scope(family=world.family, requester=world.parent)
    [agreed] = [row for row in export.consents_section(scope).rows if row["consent"] == EMAIL.label]
    consent = Consent.objects.get(family=world.family, kind=EMAIL)
    assert agreed["given_by"] == export._name(world.parent)
    assert agreed["given_at"] == consent.given_at and agreed["withdrawn_at"] is None
    [later] = [
        row
        for row in export.email_choices_section(scope).rows
        if row["choice"].startswith("May we e-mail you about therapy")
    ]
    assert (later["who"], later["value"]) == (export._name(world.parent), "Not now")
    assert later["since"] == Caregiver.objects.get(user=world.parent).email_question_postponed_at
