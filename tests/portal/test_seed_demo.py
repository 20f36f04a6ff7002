import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from families.models import Caregiver, CaseloadAssignment, Child, Family

DEMO_LOGINS = [
    "admin@demo.example",
    "therapist1@demo.example",
    "therapist2@demo.example",
    "parent1@demo.example",
    "parent2@demo.example",
    "parent3@demo.example",
    "grandparent1@demo.example",
    "nanny2@demo.example",
]


def _counts():
    return (
        User.objects.count(),
        Family.objects.count(),
        Child.objects.count(),
        Caregiver.objects.count(),
        CaseloadAssignment.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_logins(capsys, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = _counts()
    output = capsys.readouterr().out
    for email in DEMO_LOGINS:
        assert email in output
    assert "portal-demo-2026" in output
    call_command("seed_demo")
    assert _counts() == first
    assert first[1] >= 3 and first[2] >= 4
    for email in DEMO_LOGINS:
        assert User.objects.get(email=email).check_password("portal-demo-2026")


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
    assert not User.objects.exists()
    call_command("seed_demo", "--force")
    assert User.objects.filter(email="parent1@demo.example").exists()


@pytest.mark.django_db
def test_demo_caseloads_differ_and_supporting_caregivers_exist(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    one = set(
        Child.objects.filter(assignments__therapist__email="therapist1@demo.example").values_list(
            "pk", flat=True
        )
    )
    two = set(
        Child.objects.filter(assignments__therapist__email="therapist2@demo.example").values_list(
            "pk", flat=True
        )
    )
    assert one and two and not one & two
    assert (
        Caregiver.objects.get(user__email="grandparent1@demo.example").relationship == "grandparent"
    )
    assert Caregiver.objects.get(user__email="nanny2@demo.example").relationship == "nanny"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "sees", "never"),
    [
        ("parent1@demo.example", ["Ollie", "Lily"], ["Zara", "Arjun"]),
        ("grandparent1@demo.example", ["Ollie"], ["Lily", "Zara"]),
        ("nanny2@demo.example", ["Zara"], ["Ollie", "Arjun"]),
        ("parent3@demo.example", ["Arjun"], ["Ollie", "Zara"]),
        ("therapist1@demo.example", ["Oliver", "Zara"], ["Lily", "Arjun"]),
        ("therapist2@demo.example", ["Lily", "Arjun"], ["Oliver", "Zara"]),
        ("admin@demo.example", ["The Bennett family", "The Okafor family", "The Patel family"], []),
    ],
)
def test_each_demo_login_lands_on_its_own_home(client, settings, email, sees, never):
    settings.DEBUG = True
    call_command("seed_demo")
    client.force_login(User.objects.get(email=email))
    content = client.get(reverse("home")).content.decode()
    for name in sees:
        assert name in content
    for name in never:
        assert name not in content
