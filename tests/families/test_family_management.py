from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from families.models import AccessLevel, Caregiver, CaseloadAssignment, Child, Family, Invitation
from tests import factories


def test_admin_registers_a_family_with_children_and_invites_the_parent(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.admin)
    data = {
        "family-name": "The Brown family",
        "family-postcode": "ox4 1aa",
        "family-preferred_contact": "email",
        "caregiver-full_name": "Megan Brown",
        "caregiver-email": "megan@example.org",
        "caregiver-relationship": "parent",
        "children-TOTAL_FORMS": "3",
        "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "1",
        "children-MAX_NUM_FORMS": "8",
        "children-0-first_name": "Alfie",
        "children-0-last_name": "Brown",
        "children-0-date_of_birth": "2019-05-02",
        "children-1-first_name": "Isla",
        "children-1-last_name": "Brown",
        "children-1-date_of_birth": "2021-09-30",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("families:family_register"), data)
    family = Family.objects.get(name="The Brown family")
    # Registering leads on to the family's lead therapist and first visit.
    assert response.status_code == 302
    assert response["Location"] == reverse("bookings:first_visit", args=[family.pk])
    assert family.postcode == "OX4 1AA"
    assert sorted(family.children.values_list("first_name", flat=True)) == ["Alfie", "Isla"]
    invitation = Invitation.objects.get(family=family)
    assert invitation.access_level == AccessLevel.PRIMARY
    assert [m.to for m in mail.outbox] == [["megan@example.org"]]


def test_registration_errors_keep_everything_typed(world, client):
    client.force_login(world.admin)
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    data = {
        "family-name": "The Brown family",
        "family-phone": "07700 900000",
        "family-preferred_contact": "email",
        "caregiver-full_name": "Megan Brown",
        "caregiver-email": "not-an-email",
        "caregiver-relationship": "parent",
        "children-TOTAL_FORMS": "3",
        "children-INITIAL_FORMS": "0",
        "children-MIN_NUM_FORMS": "1",
        "children-MAX_NUM_FORMS": "8",
        "children-0-first_name": "Alfie",
        "children-0-last_name": "Brown",
        "children-0-date_of_birth": future,
    }
    response = client.post(reverse("families:family_register"), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "cannot be in the future" in content
    assert "Enter a valid email address" in content
    for typed in (
        "The Brown family",
        "07700 900000",
        "Megan Brown",
        "not-an-email",
        "Alfie",
        future,
    ):
        assert f'value="{typed}"' in content
    assert not Family.objects.filter(name="The Brown family").exists()


def test_primary_removes_a_supporting_caregiver(world, client):
    membership = Caregiver.objects.get(user=world.supporting)
    client.force_login(world.parent)
    response = client.post(reverse("families:caregiver_remove", args=[membership.pk]))
    assert response.status_code == 302
    assert not Caregiver.objects.filter(pk=membership.pk).exists()
    # The grandparent no longer sees the child.
    client.force_login(world.supporting)
    assert client.get(world.child.get_absolute_url()).status_code == 404


def test_the_last_primary_caregiver_cannot_be_removed(world, client):
    membership = Caregiver.objects.get(user=world.parent)
    client.force_login(world.admin)
    response = client.post(reverse("families:caregiver_remove", args=[membership.pk]), follow=True)
    assert "at least one primary caregiver" in response.content.decode()
    assert Caregiver.objects.filter(pk=membership.pk).exists()
    # Nor demoted to supporting.
    response = client.post(
        reverse("families:caregiver_edit", args=[membership.pk]),
        {"relationship": "parent", "access_level": "supporting", f"child_{world.child.pk}": "on"},
    )
    assert "at least one primary caregiver" in response.content.decode()
    membership.refresh_from_db()
    assert membership.access_level == AccessLevel.PRIMARY


def test_with_a_second_parent_the_practice_can_remove_one(world, client):
    second = factories.CaregiverFactory(family=world.family)
    first = Caregiver.objects.get(user=world.parent)
    client.force_login(world.admin)
    client.post(reverse("families:caregiver_remove", args=[first.pk]))
    assert not Caregiver.objects.filter(pk=first.pk).exists()
    assert Caregiver.objects.filter(pk=second.pk).exists()


def test_a_parent_cannot_remove_the_other_parent(world, client):
    second = factories.CaregiverFactory(family=world.family)
    client.force_login(world.parent)
    response = client.post(reverse("families:caregiver_remove", args=[second.pk]), follow=True)
    assert "Only the practice can remove another primary caregiver" in response.content.decode()
    assert Caregiver.objects.filter(pk=second.pk).exists()


def test_primary_changes_which_children_a_supporting_caregiver_sees(world, client):
    membership = Caregiver.objects.get(user=world.supporting)
    client.force_login(world.parent)
    client.post(
        reverse("families:caregiver_edit", args=[membership.pk]),
        {
            "relationship": "grandparent",
            "access_level": "supporting",
            f"child_{world.sibling.pk}": "on",
        },
    )
    client.force_login(world.supporting)
    assert client.get(world.child.get_absolute_url()).status_code == 404
    assert client.get(world.sibling.get_absolute_url()).status_code == 200


def test_admin_assigns_a_new_lead_and_the_old_lead_loses_the_child(world, client):
    client.force_login(world.admin)
    today = timezone.localdate()
    response = client.post(
        reverse("families:caseload_manage", args=[world.child.pk]),
        {"therapist": world.other_therapist.pk, "kind": "lead", "starts_on": today.isoformat()},
    )
    assert response.status_code == 302
    old = CaseloadAssignment.objects.get(child=world.child, therapist=world.therapist)
    assert old.ends_on == today - timedelta(days=1)
    client.force_login(world.therapist)
    assert client.get(world.child.get_absolute_url()).status_code == 404
    client.force_login(world.other_therapist)
    assert client.get(world.child.get_absolute_url()).status_code == 200


def test_ending_an_assignment_before_it_started_is_refused(world, client):
    assignment = CaseloadAssignment.objects.get(child=world.child)
    client.force_login(world.admin)
    response = client.post(
        reverse("families:caseload_end", args=[assignment.pk]),
        {"ends_on": (assignment.starts_on - timedelta(days=5)).isoformat()},
    )
    assert "cannot be before the start date" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.ends_on is None


def test_supporting_caregiver_sees_the_child_but_not_the_family_contacts(world, client):
    client.force_login(world.supporting)
    content = client.get(world.child.get_absolute_url()).content.decode()
    assert world.child.first_name in content
    assert world.parent.email not in content
    assert "Date of birth" not in content


def test_preferences_are_saved_per_family(world, client):
    client.force_login(world.supporting)
    membership = Caregiver.objects.get(user=world.supporting)
    response = client.post(
        reverse("families:preferences"),
        {"membership": membership.pk, f"m{membership.pk}-summary_frequency": "monthly"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.summary_frequency == "monthly" and membership.receives_reminders is False


def test_child_edit_keeps_input_on_error(world, client):
    client.force_login(world.parent)
    response = client.post(
        reverse("families:child_edit", args=[world.child.pk]),
        {
            "first_name": "Yusuf",
            "last_name": "Ahmed",
            "preferred_name": "Yusi",
            "date_of_birth": "not a date",
            "enjoys": "Trains",
        },
    )
    content = response.content.decode()
    assert "Enter a valid date" in content
    assert 'value="Yusi"' in content and "Trains" in content
    assert Child.objects.get(pk=world.child.pk).preferred_name == ""
