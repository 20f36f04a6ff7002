"""Throttling, no account enumeration, session lifetimes and log-out
everywhere after a password change."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from tests.accounts.helpers import password_login, session_cookie
from tests.factories import PASSWORD


def _fail(client, email, times, ip="203.0.113.9"):
    for _ in range(times):
        client.post(
            reverse("account_login"), {"login": email, "password": "wrong-password"}, REMOTE_ADDR=ip
        )


@pytest.fixture
def low_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3
    # allauth's own rate limit would answer first; these tests are about axes.
    settings.ACCOUNT_RATE_LIMITS = False


def test_account_locked_after_failures_with_a_clear_message(low_limit, world, client):
    _fail(client, world.parent.email, 3)
    response = password_login(client, world.parent.email)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Log-in paused" in text
    assert settings.PRACTICE_PHONE in text
    assert "_auth_user_id" not in client.session


def test_lockout_holds_the_account_at_the_address_it_came_from(low_limit, world):
    _fail(Client(), world.parent.email, 3, ip="198.51.100.1")
    response = Client().post(
        reverse("account_login"),
        {"login": world.parent.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.1",
    )
    assert response.status_code == 429


def _login_from(ip: str, email: str):
    return Client().post(
        reverse("account_login"), {"login": email, "password": PASSWORD}, REMOTE_ADDR=ip
    )


def test_a_stranger_cannot_lock_a_therapist_out_of_work(settings, world):
    """Issue 19, finding 4: ten wrong passwords (and more) for a therapist's
    account, from one address with a new invented X-Forwarded-For each time,
    lock nobody but the stranger: the therapist logs in from the practice."""
    settings.ACCOUNT_RATE_LIMITS = False
    attacker = Client()
    for n in range(settings.AXES_FAILURE_LIMIT + 5):
        attacker.post(
            reverse("account_login"),
            {"login": world.therapist.email, "password": "wrong-password"},
            REMOTE_ADDR="198.51.100.66",
            HTTP_X_FORWARDED_FOR=f"10.0.{n}.1",
        )
    # The stranger's address is locked for that account...
    assert _login_from("198.51.100.66", world.therapist.email).status_code == 429
    # ...and the therapist, from the practice's own address, is not.
    response = password_login(Client(), world.therapist.email)
    assert response.status_code == 302  # logged in (a lock-out answers 429)


def test_lockout_is_per_address_across_accounts(low_limit, settings, world):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 3
    client = Client()
    for email in ["a@example.org", "b@example.org", "c@example.org"]:
        _fail(client, email, 1, ip="198.51.100.7")
    response = Client().post(
        reverse("account_login"),
        {"login": world.parent.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 429
    # Another address is not affected.
    response = password_login(Client(), world.parent.email)
    assert response.status_code == 302


def test_an_invented_forwarded_address_does_not_dodge_the_address_limit(low_limit, settings, world):
    """Issue 19, finding 4: with no trusted proxy, X-Forwarded-For is ignored,
    so a new invented address on every try still counts against the real one."""
    settings.AXES_ADDRESS_FAILURE_LIMIT = 3
    for n, email in enumerate(["a@example.org", "b@example.org", "c@example.org"]):
        Client().post(
            reverse("account_login"),
            {"login": email, "password": "wrong-password"},
            REMOTE_ADDR="198.51.100.8",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = Client().post(
        reverse("account_login"),
        {"login": world.parent.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.8",
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.8"}


def test_unknown_and_known_accounts_lock_alike(low_limit, world):
    _fail(Client(), "nobody@example.org", 3, ip="198.51.100.3")
    _fail(Client(), world.parent.email, 3, ip="198.51.100.4")
    unknown = Client().post(
        reverse("account_login"),
        {"login": "nobody@example.org", "password": "x"},
        REMOTE_ADDR="198.51.100.3",
    )
    known = Client().post(
        reverse("account_login"),
        {"login": world.parent.email, "password": "x"},
        REMOTE_ADDR="198.51.100.4",
    )
    assert unknown.status_code == known.status_code == 429


def test_admin_sees_and_lifts_a_lockout(low_limit, world, client):
    _fail(Client(), world.parent.email, 3, ip="198.51.100.8")
    client.force_login(world.admin)
    page = client.get(reverse("accounts:lockouts")).content.decode()
    assert world.parent.email in page
    assert "198.51.100.8" in page
    response = client.post(
        reverse("accounts:lockout_lift"),
        {"kind": "pair", "account": world.parent.email, "address": "198.51.100.8"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=world.parent.email).exists()
    event = AuditEvent.objects.get(record_type="lockout", user=world.admin)
    assert event.detail == f"lifted for {world.parent.email} at 198.51.100.8"
    assert _login_from("198.51.100.8", world.parent.email).status_code == 302


def test_admin_lifts_an_address_lockout(low_limit, settings, world, client):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 3
    for email in ["a@example.org", "b@example.org", "c@example.org"]:
        _fail(Client(), email, 1, ip="198.51.100.9")
    client.force_login(world.admin)
    page = client.get(reverse("accounts:lockouts")).content.decode()
    assert "Every account at address <strong>198.51.100.9</strong>" in page
    client.post(reverse("accounts:lockout_lift"), {"kind": "address", "address": "198.51.100.9"})
    assert not AccessAttempt.objects.exists()
    assert _login_from("198.51.100.9", world.parent.email).status_code == 302


def test_lift_rejects_a_malformed_address(world, client):
    client.force_login(world.admin)
    response = client.post(
        reverse("accounts:lockout_lift"), {"kind": "address", "address": "'; DROP TABLE x"}
    )
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(record_type="lockout").exists()


def test_lockouts_page_is_constant_queries(low_limit, world, client, django_assert_num_queries):
    client.force_login(world.admin)
    _fail(Client(), "one@example.org", 3, ip="198.51.100.11")
    with django_assert_num_queries(4):  # session, user, attempts, the menu's unread count
        client.get(reverse("accounts:lockouts"))
    for n in range(5):
        _fail(Client(), f"more{n}@example.org", 3, ip=f"198.51.100.{20 + n}")
    with django_assert_num_queries(4):
        page = client.get(reverse("accounts:lockouts"))
    assert "more4@example.org" in page.content.decode()


def test_login_answer_is_the_same_for_known_and_unknown_emails(world):
    known = Client().post(
        reverse("account_login"), {"login": world.parent.email, "password": "wrong-password"}
    )
    unknown = Client().post(
        reverse("account_login"), {"login": "nobody@example.org", "password": "wrong-password"}
    )
    assert known.status_code == unknown.status_code == 200

    def errors(response):
        return [str(e) for e in response.context["form"].non_field_errors()] + [
            str(e) for field in response.context["form"] for e in field.errors
        ]

    assert errors(known) == errors(unknown)
    assert errors(known)


def test_password_reset_answer_is_the_same_for_known_and_unknown_emails(world):
    known = Client().post(reverse("account_reset_password"), {"email": world.parent.email})
    unknown = Client().post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    done_known = Client().get(known["Location"]).content
    done_unknown = Client().get(unknown["Location"]).content
    assert done_known == done_unknown


def test_failed_login_is_audited(world):
    Client().post(
        reverse("account_login"),
        {"login": world.parent.email, "password": "wrong-password"},
        REMOTE_ADDR="203.0.113.50",
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert event.user == world.parent
    assert event.ip_address == "203.0.113.50"
    assert event.path == reverse("account_login")


def test_login_is_audited(world):
    password_login(Client(), world.parent.email)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, user=world.parent).exists()


def test_mfa_changes_are_audited(transactional_db, world, client):
    from tests.accounts.helpers import totp_code

    password_login(client, world.parent.email)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    client.post(reverse("mfa_deactivate_totp"))
    details = list(
        AuditEvent.objects.filter(action=AuditEvent.Action.MFA, user=world.parent)
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert any("added" in detail for detail in details)
    assert any("removed" in detail for detail in details)


# --- Sessions -----------------------------------------------------------------


def test_staff_session_expires_after_30_minutes_idle(world, client):
    password_login(client, world.therapist.email, remember="on")
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == 30 * 60
    assert session_cookie(client)["max-age"] == 30 * 60


def test_family_session_lasts_14_days_with_remember_me(world, client):
    password_login(client, world.parent.email, remember="on")
    client.get(reverse("home"))
    assert client.session.get_expiry_age() == 14 * 24 * 60 * 60
    assert session_cookie(client)["max-age"] == 14 * 24 * 60 * 60


def test_family_session_ends_with_the_browser_without_remember_me(world, client):
    password_login(client, world.parent.email)
    client.get(reverse("home"))
    assert client.session.get_expire_at_browser_close()
    assert not session_cookie(client)["max-age"]


def test_expired_staff_session_is_logged_out(world, client):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.force_login(world.therapist)
    assert client.get(reverse("home")).status_code == 200
    Session.objects.filter(session_key=session_cookie(client).value).update(
        expire_date=timezone.now() - timezone.timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert reverse("account_login") in response["Location"]


def test_password_change_logs_out_every_other_session(world, client):
    laptop = Client()
    laptop.force_login(world.parent)
    phone = Client()
    phone.force_login(world.parent)
    assert phone.get(reverse("home")).status_code == 200

    response = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-brand-new-password-77",
            "password2": "a-brand-new-password-77",
        },
    )
    assert response.status_code == 302
    assert reverse("account_login") in phone.get(reverse("home"))["Location"]
    assert reverse("account_login") in laptop.get(reverse("home"))["Location"]
    assert len(mail.outbox) <= 1


def test_login_page_offers_remember_me_in_plain_words(client):
    text = client.get(reverse("account_login")).content.decode()
    assert "Keep me logged in on this device for 14 days" in text


def test_security_middleware_adds_no_queries_to_ordinary_pages(world, client):
    """After a real log-in, the first page costs what every later page costs:
    the second-factor and session checks read the session only."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    password_login(client, world.parent.email, remember="on")
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("home"))
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("home"))
    assert len(first.captured_queries) == len(second.captured_queries)
    assert not any('django_session" SET' in q["sql"] for q in second.captured_queries)
