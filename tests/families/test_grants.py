"""Issue 19, finding 2: who may give access to a family. Only a family's
primary caregiver or the practice admin grants primary access; a therapist
invites supporting caregivers only, for children on their caseload; every
grant is audited and the family's other primary caregivers are told."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from families import services
from families.models import AccessLevel, Caregiver, Invitation, Relationship
from tests import factories


def _invite(client, family, **fields):
    data = {
        "full_name": "Someone New",
        "email": "someone.new@example.org",
        "relationship": "other",
        "access_level": "supporting",
        **fields,
    }
    return client.post(reverse("families:invitation_create", args=[family.pk]), data)


def test_therapists_form_offers_supporting_access_for_their_own_children_only(world, client):
    client.force_login(world.therapist)
    page = client.get(reverse("families:invitation_create", args=[world.family.pk]))
    form = page.context["form"]
    assert [value for value, _ in form.fields["access_level"].choices] == ["supporting"]
    assert list(form.fields["children"].queryset) == [world.child]
    html = page.content.decode()
    assert 'value="primary"' not in html
    assert f'value="{world.sibling.pk}"' not in html


def test_a_therapist_cannot_make_anyone_a_primary_caregiver(world, client):
    client.force_login(world.therapist)
    response = _invite(client, world.family, access_level="primary", children=[world.child.pk])
    assert response.status_code == 200
    assert "access_level" in response.context["form"].errors
    # The typed name stays in the form.
    assert 'value="Someone New"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_service_refuses_a_therapists_primary_grant_whatever_is_posted(world):
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(
            family=world.family,
            by=world.therapist,
            email=world.therapist.email.replace("@", "+me@"),
            full_name="Me",
            relationship=Relationship.OTHER,
            access_level=AccessLevel.PRIMARY,
            children=[],
        )
    assert "access_level" in refused.value.message_dict
    assert not Invitation.objects.exists()


def test_a_therapist_cannot_grant_access_to_a_child_off_their_caseload(world, client):
    client.force_login(world.therapist)
    response = _invite(client, world.family, children=[world.sibling.pk])
    assert response.status_code == 200
    assert "children" in response.context["form"].errors
    with pytest.raises(ValidationError):
        services.invitation_create(
            family=world.family,
            by=world.therapist,
            email="nanny2@example.org",
            full_name="Nanny",
            relationship=Relationship.NANNY,
            access_level=AccessLevel.SUPPORTING,
            children=[world.child, world.sibling],
        )
    assert not Invitation.objects.exists()


def test_a_therapists_supporting_invitation_is_audited_and_the_parents_are_told(
    world, client, django_capture_on_commit_callbacks
):
    second_parent = factories.UserFactory(email="second.parent@example.org")
    factories.CaregiverFactory(user=second_parent, family=world.family)
    client.force_login(world.therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(
            client,
            world.family,
            full_name="Mrs Price",
            email="teacher@example.org",
            children=[world.child.pk],
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    event = AuditEvent.objects.get(action=AuditEvent.Action.INVITE)
    assert (event.user, event.record_id) == (world.therapist, str(invitation.pk))
    assert event.detail.startswith("supporting")
    notices = {m.to[0]: m for m in mail.outbox if m.to[0] != "teacher@example.org"}
    assert set(notices) == {world.parent.email, second_parent.email}
    body = notices[world.parent.email].body
    assert "Nia Thomas has invited Mrs Price" in body
    assert "supporting caregiver" in body and world.child.display_name in body
    assert world.sibling.display_name not in body


def test_admin_and_parent_may_grant_primary_access_and_the_other_parents_are_told(
    world, client, django_capture_on_commit_callbacks
):
    second_parent = factories.UserFactory(email="second.parent@example.org")
    factories.CaregiverFactory(user=second_parent, family=world.family)
    client.force_login(world.admin)
    page = client.get(reverse("families:invitation_create", args=[world.family.pk]))
    assert 'value="primary"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert _invite(client, world.family, access_level="primary").status_code == 302
    told = {m.to[0] for m in mail.outbox if "has changed" in m.subject}
    assert told == {second_parent.email, world.parent.email}
    assert "primary caregiver" in mail.outbox[0].body + mail.outbox[1].body

    mail.outbox.clear()
    client.force_login(world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(client, world.family, access_level="primary", email="dad@example.org")
    assert response.status_code == 302
    # The parent who invited knows; the other parent is told.
    told = [m.to[0] for m in mail.outbox if "has changed" in m.subject]
    assert told == [second_parent.email]


def test_a_therapist_cannot_resend_a_primary_invitation(world):
    invitation, _ = factories.make_invitation(
        family=world.family, by=world.admin, access_level=AccessLevel.PRIMARY
    )
    with pytest.raises(ValidationError):
        services.invitation_resend(invitation=invitation, by=world.therapist)
    services.invitation_resend(invitation=invitation, by=world.admin)


def test_making_a_supporting_caregiver_primary_is_told_to_the_parents(
    world, client, django_capture_on_commit_callbacks
):
    nanny = Caregiver.objects.get(user=world.supporting_unlinked)
    client.force_login(world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("families:caregiver_edit", args=[nanny.pk]),
            {"relationship": "nanny", "access_level": "primary", "children": []},
        )
    assert response.status_code == 302
    nanny.refresh_from_db()
    assert nanny.access_level == AccessLevel.PRIMARY
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.PERMISSION, record_id=str(nanny.pk), user=world.admin
    ).exists()
    notices = {m.to[0]: m for m in mail.outbox if "has changed" in m.subject}
    assert set(notices) == {world.parent.email, world.supporting_unlinked.email}
    to_parent = notices[world.parent.email]
    assert "Beth Evans" in to_parent.body and "primary caregiver" in to_parent.body
    # And Beth herself is told what she now sees.
    to_her = notices[world.supporting_unlinked.email]
    assert "What you can see" in to_her.subject and "You are now a primary" in to_her.body
