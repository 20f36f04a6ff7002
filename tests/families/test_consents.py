from django.urls import reverse

from accounts.models import AuditEvent
from families import services
from families.models import Consent, ConsentKind
from families.selectors import consent_given

SCHOOL = ConsentKind.SHARE_WITH_SCHOOL


def test_parent_gives_consent_with_who_and_when(world, client):
    client.force_login(world.parent)
    assert not consent_given(world.family, SCHOOL)
    response = client.post(
        reverse("families:consents", args=[world.family.pk]),
        {"kind": SCHOOL, "decision": "give"},
    )
    assert response.status_code == 302
    assert consent_given(world.family, SCHOOL)
    consent = Consent.objects.get(family=world.family, kind=SCHOOL)
    assert consent.given_by == world.parent and consent.given_at is not None
    assert AuditEvent.objects.filter(action="consent", user=world.parent).exists()
    # Only this family: the other family has not agreed to anything.
    assert not consent_given(world.other_family, SCHOOL)


def test_withdraw_is_one_click_and_immediate(world, client):
    services.consent_give(family=world.family, kind=SCHOOL, by=world.parent)
    client.force_login(world.parent)
    page = client.get(reverse("families:consents", args=[world.family.pk]))
    assert "Withdraw" in page.content.decode()
    client.post(
        reverse("families:consents", args=[world.family.pk]),
        {"kind": SCHOOL, "decision": "withdraw"},
    )
    assert not consent_given(world.family, SCHOOL)
    consent = Consent.objects.get(family=world.family, kind=SCHOOL)
    assert consent.withdrawn_by == world.parent and consent.withdrawn_at is not None
    # Given again later: a new record, the history kept.
    services.consent_give(family=world.family, kind=SCHOOL, by=world.parent)
    assert Consent.objects.filter(family=world.family, kind=SCHOOL).count() == 2
    assert consent_given(world.family.pk, SCHOOL)


def test_giving_twice_keeps_one_standing_consent(world):
    first = services.consent_give(family=world.family, kind=SCHOOL, by=world.parent)
    second = services.consent_give(family=world.family, kind=SCHOOL, by=world.parent)
    assert first.pk == second.pk
    assert Consent.objects.current().filter(family=world.family, kind=SCHOOL).count() == 1


def test_staff_see_consents_but_cannot_change_them(world, client):
    services.consent_give(family=world.family, kind=SCHOOL, by=world.parent)
    for persona in ("therapist", "admin"):
        client.force_login(world.persona(persona))
        url = reverse("families:consents", args=[world.family.pk])
        page = client.get(url)
        assert page.status_code == 200
        assert "Agreed" in page.content.decode()
        assert "<form" not in page.content.decode().split("What you have agreed to")[1]
        assert client.post(url, {"kind": SCHOOL, "decision": "withdraw"}).status_code == 404
    assert consent_given(world.family, SCHOOL)


def test_supporting_caregiver_and_other_family_cannot_see(world, client):
    for persona in ("supporting", "other_parent", "other_therapist"):
        client.force_login(world.persona(persona))
        url = reverse("families:consents", args=[world.family.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"kind": SCHOOL, "decision": "give"}).status_code == 404
    assert not Consent.objects.filter(kind=SCHOOL).exists()


def test_bad_choice_is_refused_without_change(world, client):
    client.force_login(world.parent)
    response = client.post(
        reverse("families:consents", args=[world.family.pk]),
        {"kind": "sell_to_advertisers", "decision": "give"},
    )
    assert response.status_code == 302
    assert not Consent.objects.filter(kind=SCHOOL).exists()


def test_consent_page_runs_constant_queries(world, client, django_assert_num_queries):
    client.force_login(world.parent)
    url = reverse("families:consents", args=[world.family.pk])
    # session, user, family, access, consents with who gave and withdrew them,
    # the menu's unread count
    with django_assert_num_queries(6):
        client.get(url)
    for _ in range(5):
        services.consent_give(family=world.family, kind=SCHOOL, by=world.parent)
        services.consent_withdraw(family=world.family, kind=SCHOOL, by=world.parent)
    with django_assert_num_queries(6):
        client.get(url)
