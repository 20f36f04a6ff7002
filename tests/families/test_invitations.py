from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from families.models import AccessLevel, Caregiver, Invitation
from tests import factories


def accept_url(token: str) -> str:
    return reverse("families:invitation_accept", args=[token])


def test_parent_invites_a_grandparent_who_gets_an_email_with_a_working_link(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("families:invitation_create", args=[world.family.pk]),
            {
                "full_name": "Grace Ahmed",
                "email": "Grace@Example.org",
                "relationship": "grandparent",
                "access_level": "supporting",
                "children": [world.child.pk],
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="grace@example.org")
    assert list(invitation.children.all()) == [world.child]
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "Grace Ahmed" in body and world.family.name in body
    link = next(line for line in body.splitlines() if "/invite/" in line)
    token = link.rsplit("/invite/", 1)[1].strip("/")
    # Only the hash is kept: the token itself is nowhere in the database.
    assert invitation.token_hash == Invitation.hash_token(token)
    assert not Invitation.objects.filter(token_hash=token).exists()
    client.logout()
    assert client.get(accept_url(token)).status_code == 200


def test_new_person_creates_an_account_and_joins_with_the_invited_access(world, client):
    invitation, token = factories.make_invitation(
        family=world.family, by=world.parent, children=[world.sibling]
    )
    response = client.post(
        accept_url(token),
        {
            "full_name": "Grace Ahmed",
            "password1": "sunny-garden-trowel-91",
            "password2": "sunny-garden-trowel-91",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email=invitation.email)
    assert user.role == Role.CAREGIVER and user.full_name == "Grace Ahmed"
    caregiver = Caregiver.objects.get(user=user, family=world.family)
    assert caregiver.access_level == AccessLevel.SUPPORTING
    assert list(caregiver.children.all()) == [world.sibling]
    # Logged in straight away, and the home page shows the linked child only.
    home = client.get(reverse("home"))
    assert world.sibling.first_name in home.content.decode()
    assert world.child.first_name not in home.content.decode()


def test_weak_or_mismatched_password_keeps_the_name_typed(world, client):
    _, token = factories.make_invitation(family=world.family, children=[world.child])
    response = client.post(
        accept_url(token), {"full_name": "Grace Typed", "password1": "abc", "password2": "abd"}
    )
    assert response.status_code == 200
    assert "The two passwords are not the same." in response.content.decode()
    assert 'value="Grace Typed"' in response.content.decode()
    response = client.post(
        accept_url(token),
        {"full_name": "Grace Typed", "password1": "12345678", "password2": "12345678"},
    )
    assert (
        "too common" in response.content.decode() or "entirely numeric" in response.content.decode()
    )
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_expired_link_gets_a_clear_page(world, client):
    _, token = factories.make_invitation(family=world.family, children=[world.child], days=-1)
    response = client.get(accept_url(token))
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()
    response = client.post(
        accept_url(token),
        {
            "full_name": "X",
            "password1": "sunny-garden-trowel-91",
            "password2": "sunny-garden-trowel-91",
        },
    )
    assert response.status_code == 410
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_link_works_once(world, client):
    _, token = factories.make_invitation(family=world.family, children=[world.child])
    data = {
        "full_name": "Grace",
        "password1": "sunny-garden-trowel-91",
        "password2": "sunny-garden-trowel-91",
    }
    assert client.post(accept_url(token), data).status_code == 302
    client.logout()
    response = client.get(accept_url(token))
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert Caregiver.objects.filter(user__email="new.person@example.org").count() == 1


def test_tampered_or_unknown_token_gets_a_clear_page(world, client):
    _, token = factories.make_invitation(family=world.family, children=[world.child])
    response = client.get(accept_url(token[:-2] + "xx"))
    assert response.status_code == 404
    assert "We don't recognise this link" in response.content.decode()


def test_withdrawn_invitation_cannot_be_used(world, client):
    invitation, token = factories.make_invitation(family=world.family, children=[world.child])
    client.force_login(world.parent)
    client.post(reverse("families:invitation_revoke", args=[invitation.pk]))
    client.logout()
    response = client.get(accept_url(token))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_resend_replaces_the_link_and_extends_the_week(
    world, client, django_capture_on_commit_callbacks
):
    invitation, old_token = factories.make_invitation(
        family=world.family, children=[world.child], days=1
    )
    client.force_login(world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("families:invitation_resend", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert len(mail.outbox) == 1
    client.logout()
    assert client.get(accept_url(old_token)).status_code == 404


def test_wrong_account_is_told_to_log_out_and_nothing_changes(world, client):
    _, token = factories.make_invitation(family=world.family, children=[world.child])
    client.force_login(world.other_parent)
    response = client.get(accept_url(token))
    assert response.status_code == 403
    assert "This invitation is for someone else" in response.content.decode()
    response = client.post(accept_url(token))
    assert response.status_code == 403
    assert not Caregiver.objects.filter(user=world.other_parent, family=world.family).exists()


def test_existing_account_is_asked_to_log_in_then_joins(world, client):
    existing = factories.UserFactory(email="new.person@example.org")
    factories.CaregiverFactory(user=existing)  # already in another family
    _, token = factories.make_invitation(family=world.family, children=[world.child])
    response = client.get(accept_url(token))
    assert "You already have an account" in response.content.decode()
    # Posting a password for an existing address must not take the account over.
    response = client.post(
        accept_url(token),
        {
            "full_name": "X",
            "password1": "sunny-garden-trowel-91",
            "password2": "sunny-garden-trowel-91",
        },
    )
    assert "You already have an account" in response.content.decode()
    assert not Caregiver.objects.filter(user=existing, family=world.family).exists()

    client.force_login(existing)
    assert client.post(accept_url(token)).status_code == 302
    assert Caregiver.objects.filter(
        user=existing, family=world.family, access_level="supporting"
    ).exists()
    assert existing.memberships.count() == 2


def test_staff_address_cannot_be_invited(world, client):
    client.force_login(world.parent)
    response = client.post(
        reverse("families:invitation_create", args=[world.family.pk]),
        {
            "full_name": "Nia",
            "email": world.therapist.email,
            "relationship": "other",
            "access_level": "primary",
        },
    )
    assert response.status_code == 200
    assert "belongs to a member of staff" in response.content.decode()
    assert not Invitation.objects.exists()


def test_supporting_invitation_needs_a_child_and_keeps_the_input(world, client):
    client.force_login(world.parent)
    response = client.post(
        reverse("families:invitation_create", args=[world.family.pk]),
        {
            "full_name": "Grace Kept",
            "email": "grace@example.org",
            "relationship": "grandparent",
            "access_level": "supporting",
        },
    )
    content = response.content.decode()
    assert "Choose at least one child" in content
    assert 'value="Grace Kept"' in content and 'value="grace@example.org"' in content


def test_cannot_invite_with_another_familys_child(world, client):
    client.force_login(world.parent)
    response = client.post(
        reverse("families:invitation_create", args=[world.family.pk]),
        {
            "full_name": "Sneaky",
            "email": "sneaky@example.org",
            "relationship": "other",
            "access_level": "supporting",
            "children": [world.other_child.pk],
        },
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_acceptances_create_one_membership():
    import threading

    from django.db import connection

    from families import services

    family = factories.FamilyFactory()
    child = factories.ChildFactory(family=family)
    person = factories.UserFactory(email="new.person@example.org")
    _, token = factories.make_invitation(family=family, children=[child])
    results = []
    barrier = threading.Barrier(4)

    def accept():
        barrier.wait()
        try:
            services.invitation_accept(raw_token=token, user=person)
            results.append("ok")
        except services.InvitationProblem as problem:
            results.append(problem.reason)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") == 1
    assert set(results) <= {"ok", "used"}
    assert Caregiver.objects.filter(user=person, family=family).count() == 1
