"""Retention (25th birthday, 26th if 17 at the end of care), the sweep, and
erasure of contact data that keeps the clinical record."""

from datetime import date

import pytest
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from families import services
from families.models import Caregiver, Child
from families.retention import children_past_retention, is_past_retention, retention_until
from notifications.models import MobileNumber, PushDevice
from tests.accounts.helpers import enrol
from tests.factories import PASSWORD, CaregiverFactory, ChildFactory

pytestmark = pytest.mark.timesweep


@pytest.mark.parametrize(
    ("born", "discharged", "kept_until"),
    [
        (date(2010, 5, 1), None, date(2035, 5, 1)),
        (date(2010, 5, 1), date(2020, 1, 1), date(2035, 5, 1)),  # 9 at discharge
        (date(2010, 5, 1), date(2027, 6, 1), date(2036, 5, 1)),  # 17 at discharge
        (date(2010, 5, 1), date(2027, 4, 30), date(2035, 5, 1)),  # still 16
        (date(2010, 5, 1), date(2028, 5, 1), date(2035, 5, 1)),  # just 18
        (date(2008, 2, 29), None, date(2033, 3, 1)),  # leap-day birthday
    ],
)
@pytest.mark.now("2026-12-09 10:00")  # a pure rule of fixed dates: no sweep
def test_retention_until(born, discharged, kept_until, db):
    child = Child(date_of_birth=born, discharged_on=discharged)
    assert retention_until(child) == kept_until


def test_sweep_lists_only_children_past_their_date(world):
    today = date(2040, 1, 1)
    due = ChildFactory(date_of_birth=date(2014, 12, 31), first_name="Due")
    seventeen = ChildFactory(
        date_of_birth=date(2014, 6, 1), discharged_on=date(2031, 9, 1), first_name="Kept"
    )
    not_yet = ChildFactory(date_of_birth=date(2015, 1, 2), first_name="Young")
    listed = children_past_retention(today=today)
    assert due in listed
    assert seventeen not in listed
    assert not_yet not in listed
    assert is_past_retention(seventeen, today=date(2040, 6, 1))


def test_sweep_command_lists_and_changes_nothing(world, capsys):
    ChildFactory(date_of_birth=date(1990, 1, 1), first_name="Grownup")
    call_command("retention_sweep")
    call_command("retention_sweep")
    output = capsys.readouterr().out
    assert output.count("Grownup") == 2
    assert Child.objects.filter(first_name="Grownup").exists()


def test_retention_page_runs_constant_queries(world, client, django_assert_num_queries):
    client.force_login(world.admin)
    ChildFactory(date_of_birth=date(1990, 1, 1))
    with django_assert_num_queries(4):  # session, user, children due, the menu's unread count
        client.get(reverse("privacy:retention"))
    for _ in range(5):
        ChildFactory(date_of_birth=date(1991, 1, 1))
    with django_assert_num_queries(4):
        response = client.get(reverse("privacy:retention"))
    assert len(response.context["due"]) == 6


def test_admin_destroys_a_record_past_its_date(world, client):
    old = ChildFactory(family=world.family, date_of_birth=date(1990, 1, 1), first_name="Grownup")
    client.force_login(world.admin)
    url = reverse("privacy:child_purge", args=[old.pk])
    client.post(url, {})  # not confirmed
    assert Child.objects.filter(pk=old.pk).exists()
    response = client.post(url, {"confirm": "destroy"})
    assert response.status_code == 302
    assert not Child.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(action="delete", child_id=old.pk, user=world.admin).exists()


def test_a_record_before_its_date_cannot_be_destroyed(world, client):
    client.force_login(world.admin)
    url = reverse("privacy:child_purge", args=[world.child.pk])
    assert "cannot be destroyed" in client.get(url).content.decode()
    assert client.post(url, {"confirm": "destroy"}).status_code == 404
    with pytest.raises(ValidationError):
        services.child_purge(child=world.child, by=world.admin)
    assert Child.objects.filter(pk=world.child.pk).exists()


def test_families_are_told_how_long_records_are_kept(world, client):
    client.force_login(world.parent)
    text = client.get(reverse("privacy:notice")).content.decode()
    assert "25th birthday" in text and "26th birthday" in text and "17" in text


# --- Erasure ----------------------------------------------------------------------


def test_erasure_removes_contact_data_and_closes_accounts_keeps_clinical_record(world, client):
    world.family.address = "1 Ahmed Street"
    world.family.phone = "07700 900001"
    world.family.save()
    enrol(world.parent)
    # The nanny also works for the other family: she keeps her account there.
    CaregiverFactory(
        user=world.supporting_unlinked, family=world.other_family, access_level="supporting"
    )
    phone = Client()
    phone.force_login(world.parent)
    MobileNumber.objects.create(user=world.parent, number="+447911123456")
    PushDevice.objects.create(
        user=world.parent, endpoint="https://fcm.googleapis.com/fcm/send/a", p256dh="x", auth="y"
    )

    client.force_login(world.admin)
    url = reverse("privacy:family_erase", args=[world.family.pk])
    client.post(url, {})  # not confirmed: nothing happens
    world.family.refresh_from_db()
    assert world.family.address == "1 Ahmed Street"

    response = client.post(url, {"confirm": "erase"})
    assert response.status_code == 302
    world.family.refresh_from_db()
    assert (world.family.address, world.family.phone, world.family.email) == ("", "", "")
    assert "Ahmed" not in world.family.name

    world.parent.refresh_from_db()
    assert not world.parent.is_active
    assert "example.org" not in world.parent.email
    assert not world.parent.has_usable_password()
    assert not Authenticator.objects.filter(user=world.parent).exists()
    # Nothing more goes to their phone.
    assert not MobileNumber.objects.filter(user=world.parent).exists()
    assert not PushDevice.objects.filter(user=world.parent).exists()
    assert not Client().login(email="parent@example.org", password=PASSWORD)
    # Their open session ends too.
    assert reverse("account_login") in phone.get(reverse("home"))["Location"]

    world.supporting_unlinked.refresh_from_db()
    assert world.supporting_unlinked.is_active
    assert not Caregiver.objects.filter(
        user=world.supporting_unlinked, family=world.family
    ).exists()

    # The clinical record stays, with its caseload.
    assert Child.objects.filter(pk=world.child.pk, needs=world.child.needs).exists()
    assert world.child.assignments.exists()
    # And the other family is untouched.
    world.other_family.refresh_from_db()
    assert world.other_family.name == "The Jones family"
    assert AuditEvent.objects.filter(
        action="change", record_type="family", record_id=str(world.family.pk)
    ).exists()


def test_only_the_admin_can_erase(world, client):
    for persona in ("parent", "therapist", "supporting"):
        client.force_login(world.persona(persona))
        response = client.post(
            reverse("privacy:family_erase", args=[world.family.pk]), {"confirm": "erase"}
        )
        assert response.status_code == 404
    world.parent.refresh_from_db()
    assert world.parent.is_active
