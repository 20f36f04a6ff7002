"""Issue 19, finding 10 (the smaller ones): simultaneous invitation accepts,
line breaks in e-mail headers, and no browser cache for signed-in pages."""

import socket
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from families.models import Caregiver, Invitation
from tests import factories


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twelve_simultaneous_accepts_make_one_account_and_no_server_error():
    family = factories.FamilyFactory()
    child = factories.ChildFactory(family=family)
    _, token = factories.make_invitation(family=family, children=[child])
    url = reverse("families:invitation_accept", args=[token])
    barrier = threading.Barrier(12)
    statuses: list[int] = []

    def accept() -> None:
        client = Client(raise_request_exception=False)
        data = {
            "full_name": "New Person",
            "password1": "a-long-Passphrase-19",
            "password2": "a-long-Passphrase-19",
        }
        barrier.wait()
        try:
            statuses.append(client.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(statuses) == 12
    assert 500 not in statuses
    assert statuses.count(302) == 1
    # The others were told the link was used (or, if they came a moment
    # later, that the address now has an account to log in with).
    assert set(statuses) <= {302, 410, 200}
    assert User.objects.filter(email="new.person@example.org").count() == 1
    person = User.objects.get(email="new.person@example.org")
    assert Caregiver.objects.filter(user=person, family=family).count() == 1
    assert Invitation.objects.get().accepted_by == person


def _invite(client, family, **extra):
    return client.post(
        reverse("families:invitation_create", args=[family.pk]),
        {
            "full_name": "Grace Ahmed",
            "email": "grace@example.org",
            "relationship": "grandparent",
            "access_level": "supporting",
            **extra,
        },
        follow=True,
    )


# Real commits: the e-mail goes when the invitation commits, before the page
# answers, as in production (captured callbacks would run after the view).
@pytest.mark.django_db(transaction=True)
def test_a_family_name_with_a_line_break_still_gets_its_invitation_sent(world, client):
    world.family.name = "The Ahmed\r\nBcc: everyone@example.org family"
    world.family.save()
    client.force_login(world.parent)
    response = _invite(client, world.family, children=[world.child.pk])
    invitations = [m for m in mail.outbox if m.to == ["grace@example.org"]]
    assert len(invitations) == 1
    subject = invitations[0].subject
    assert "\n" not in subject and "\r" not in subject
    assert "The Ahmed Bcc: everyone@example.org family" in subject
    assert invitations[0].bcc == []
    assert "We&#x27;ve sent an invitation to grace@example.org" in response.content.decode()
    assert Invitation.objects.get().sent_at is not None


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_the_parent_is_told_when_the_invitation_email_could_not_be_sent(world, client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.EMAIL_TIMEOUT = 2
    client.force_login(world.parent)
    response = _invite(client, world.family, children=[world.child.pk])
    page = response.content.decode()
    assert "We&#x27;ve sent" not in page
    assert "we couldn&#x27;t send the e-mail just now" in page
    invitation = Invitation.objects.get()
    assert invitation.sent_at is None and invitation.is_pending


@pytest.mark.parametrize(
    ("persona", "url_name", "arg"),
    [
        ("parent", "home", None),
        ("parent", "families:child_detail", "child"),
        ("therapist", "families:child_detail", "child"),
        ("admin", "families:family_detail", "family"),
    ],
)
def test_signed_in_pages_are_never_stored_by_a_browser_or_proxy(
    world, login, persona, url_name, arg
):
    client = login(getattr(world, persona))
    url = reverse(url_name, args=[getattr(world, arg).pk] if arg else [])
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
