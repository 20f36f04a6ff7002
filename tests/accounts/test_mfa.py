"""A staff account cannot reach any page without a second factor; a family
member who switched it on is asked for it. These tests log in for real, through
the forms: force_login stands for a finished log-in (see tests/conftest.py)."""

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from accounts.middleware import MFA_STEP_URL_NAMES
from tests.accounts.helpers import enrol, password_login, password_only_login, totp_code
from tests.factories import PASSWORD
from tests.matrix import all_routes

ROUTES = all_routes()


def _reaches_pages(client: Client, world) -> list[str]:
    """Every URL of the matrix (and home) this client gets a page from."""
    reached = []
    for route in ROUTES:
        url = reverse(route.name, kwargs=route.kwargs(world))
        response = getattr(client, route.method)(url, route.data(world))
        if response.status_code not in (302, 404):
            reached.append(f"{route.method} {url} → {response.status_code}")
        elif response.status_code == 302:
            location = response["Location"]
            assert any(
                reverse(name) in location
                for name in ("mfa_activate_totp", "mfa_reauthenticate", "account_login")
            ), f"{url} sent to {location}"
    return reached


@pytest.mark.parametrize("persona", ["therapist", "admin"])
def test_staff_without_authenticator_is_sent_to_enrol(persona, world, client):
    user = world.persona(persona)
    response = password_login(client, user.email)
    assert response.status_code == 302

    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    assert _reaches_pages(client, world) == []


@pytest.mark.parametrize("persona", ["therapist", "admin"])
def test_staff_enrol_then_reach_pages(persona, transactional_db, world, client):
    user = world.persona(persona)
    password_login(client, user.email)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]

    # allauth announces the new authenticator after the commit, inside the
    # request (hence a transactional test): the session then counts as passed.
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    # Recovery codes come with it, shown once enrolled.
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("home")).status_code == 200


def test_staff_with_authenticator_must_enter_code_at_log_in(world, client):
    enrol(world.therapist)
    response = password_login(client, world.therapist.email)
    assert response.status_code == 302
    assert reverse("mfa_authenticate") in response["Location"]
    # Not logged in yet: every page sends them to log in.
    assert _reaches_pages(client, world) == []
    assert reverse("account_login") in client.get(reverse("home"))["Location"]

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    child_page = client.get(reverse("families:child_detail", args=[world.child.pk]))
    assert child_page.status_code == 200


def test_recovery_code_works_as_second_factor(world, client):
    codes = enrol(world.admin)
    password_login(client, world.admin.email)
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize("persona", ["therapist", "admin"])
def test_password_only_session_of_staff_reaches_nothing(persona, world):
    """A session that proved the password alone (the Django admin's log-in, or
    any way in other than allauth's) is sent to the second factor everywhere."""
    user = world.persona(persona)
    enrol(user)
    client = Client()
    password_only_login(client, user)
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert _reaches_pages(client, world) == []

    response = client.post(reverse("mfa_reauthenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_django_admin_superuser_needs_second_factor(world):
    from tests.factories import AdminFactory

    operations = AdminFactory(email="ops@example.org", is_staff=True, is_superuser=True)
    client = Client()
    response = client.post(
        reverse("admin:login"),
        {"username": operations.email, "password": PASSWORD, "next": "/django-admin/"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    response = client.get("/django-admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_staff_cannot_switch_off_their_second_factor(world, client):
    enrol(world.therapist)
    client.force_login(world.therapist)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=world.therapist, type=Authenticator.Type.TOTP).exists()
    assert response.status_code in (200, 302)


def test_caregiver_without_second_factor_logs_in_with_password(world, client):
    password_login(client, world.parent.email)
    assert client.get(reverse("home")).status_code == 200


def test_caregiver_can_opt_in_from_account_page(transactional_db, world, client):
    password_login(client, world.parent.email)
    page = client.get(reverse("accounts:account"))
    assert "Two-step log-in" in page.content.decode()
    assert reverse("mfa_index") in page.content.decode()
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert Authenticator.objects.filter(user=world.parent, type="totp").exists()
    assert client.get(reverse("home")).status_code == 200
    # And the next log-in asks for the code.
    other = Client()
    response = password_login(other, world.parent.email)
    assert reverse("mfa_authenticate") in response["Location"]
    assert reverse("account_login") in other.get(reverse("home"))["Location"]


def test_caregiver_who_opted_in_is_asked_for_code(world):
    enrol(world.parent)
    client = Client()
    response = password_login(client, world.parent.email)
    assert reverse("mfa_authenticate") in response["Location"]
    assert _reaches_pages(client, world) == []
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert client.get(reverse("home")).status_code == 200

    # A password-only session (any other way in) is stopped too.
    other = Client()
    password_only_login(other, world.parent)
    assert other.get(reverse("home"))["Location"].startswith(reverse("mfa_reauthenticate"))


def test_caregiver_may_switch_it_off(world, client):
    enrol(world.parent)
    client.force_login(world.parent)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=world.parent, type="totp").exists()


def test_mfa_step_pages_are_only_the_steps():
    # The pages a not-yet-verified session may open lead to the second factor
    # or out; nothing else is let through.
    assert {
        "account_logout",
        "account_reauthenticate",
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "mfa_authenticate",
    } == MFA_STEP_URL_NAMES


def test_force_login_counts_as_passed_for_other_tests(world, client):
    client.force_login(world.therapist)
    assert client.get(reverse("home")).status_code == 200


def test_two_step_pages_render_in_the_portal_layout(world, client):
    enrol(world.parent)
    client.force_login(world.parent)
    for name in ("mfa_index", "mfa_view_recovery_codes", "mfa_deactivate_totp"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert "Skip to main content" in response.content.decode()


def test_security_keys_can_be_added_under_a_strict_csp(world, client):
    enrol(world.therapist)
    client.force_login(world.therapist)
    response = client.get(reverse("mfa_add_webauthn"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "webauthn.js" in text
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    # Its data travels as JSON that the browser does not execute.
    assert "<script>" not in text


def test_staff_may_remove_a_second_factor_while_another_remains(world):
    from allauth.mfa.adapter import get_adapter

    enrol(world.therapist)
    totp = Authenticator.objects.get(user=world.therapist, type="totp")
    assert not get_adapter().can_delete_authenticator(totp)
    key = Authenticator.objects.create(
        user=world.therapist, type=Authenticator.Type.WEBAUTHN, data={"name": "Key"}
    )
    assert get_adapter().can_delete_authenticator(totp)
    assert get_adapter().can_delete_authenticator(key)


def test_client_login_counts_as_passed_for_other_tests(world, client):
    assert client.login(email=world.admin.email, password=PASSWORD)
    assert client.get(reverse("home")).status_code == 200


def test_shortcut_log_ins_leave_the_audit_trail_alone(world, client):
    from accounts.models import AuditEvent

    client.force_login(world.parent)
    client.login(email=world.admin.email, password=PASSWORD)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).exists()
