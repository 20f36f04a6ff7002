"""The foundation of the demo practice: staff, families, children, caseloads.

Every step looks things up before creating them, so running it again changes
nothing. Other apps add their own demo data on top (see seed_demo).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from accounts.models import Role, User
from families.models import (
    AccessLevel,
    Caregiver,
    CaseloadAssignment,
    Child,
    Consent,
    ConsentKind,
    Family,
    Relationship,
)

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - published demo log-in, see README


@dataclass
class DemoPractice:
    users: dict[str, User] = field(default_factory=dict)
    families: dict[str, Family] = field(default_factory=dict)
    children: dict[str, Child] = field(default_factory=dict)


STAFF = [
    ("admin@demo.example", "Pat Morgan", Role.ADMIN),
    ("therapist1@demo.example", "Amira Khan", Role.THERAPIST),
    ("therapist2@demo.example", "Tom Hughes", Role.THERAPIST),
]

FAMILIES = [
    {
        "key": "bennett",
        "name": "The Bennett family",
        "address": "14 Orchard Lane\nHeadington, Oxford",
        "postcode": "OX3 7LD",
        "phone": "07700 900123",
        "caregivers": [
            ("parent1@demo.example", "Sarah Bennett", Relationship.PARENT, AccessLevel.PRIMARY, []),
            (
                "grandparent1@demo.example",
                "Margaret Bennett",
                Relationship.GRANDPARENT,
                AccessLevel.SUPPORTING,
                ["oliver"],
            ),
        ],
        "children": [
            {
                "key": "oliver",
                "first_name": "Oliver",
                "last_name": "Bennett",
                "preferred_name": "Ollie",
                "years": 6,
                "school": "St Andrew's Primary",
                "needs": "Dyspraxia (DCD). Buttons, shoelaces and getting dressed take a long time; mornings are a rush.",
                "enjoys": "Lego, dinosaurs, swimming with Grandma",
                "what_helps": "A picture list of the morning routine; a countdown before changes",
                "therapist": ("therapist1@demo.example", "lead"),
            },
            {
                "key": "lily",
                "first_name": "Lily",
                "last_name": "Bennett",
                "preferred_name": "",
                "years": 4,
                "school": "Little Acorns Nursery",
                "needs": "Sensory processing differences: finds noisy places and hair brushing very hard.",
                "enjoys": "Messy play, the swings, singing",
                "what_helps": "Deep-pressure hugs, warning before touch, ear defenders in busy places",
                "therapist": ("therapist2@demo.example", "lead"),
            },
        ],
    },
    {
        "key": "okafor",
        "name": "The Okafor family",
        "address": "3 Riverside Court\nBotley, Oxford",
        "postcode": "OX2 0HA",
        "phone": "07700 900456",
        "caregivers": [
            ("parent2@demo.example", "Chidi Okafor", Relationship.PARENT, AccessLevel.PRIMARY, []),
            (
                "nanny2@demo.example",
                "Anna Kowalski",
                Relationship.NANNY,
                AccessLevel.SUPPORTING,
                ["zara"],
            ),
        ],
        "children": [
            {
                "key": "zara",
                "first_name": "Zara",
                "last_name": "Okafor",
                "preferred_name": "",
                "years": 8,
                "school": "Botley Primary School",
                "needs": "Autistic. Mealtimes are hard (few foods, dislikes mixed textures); tired after school.",
                "enjoys": "Drawing, trains, her trampoline",
                "what_helps": "A quiet ten minutes after school, knowing the plan for the day",
                "therapist": ("therapist1@demo.example", "lead"),
            },
        ],
    },
    {
        "key": "patel",
        "name": "The Patel family",
        "address": "27 Cowley Road\nOxford",
        "postcode": "OX4 1HP",
        "phone": "07700 900789",
        "caregivers": [
            ("parent3@demo.example", "Priya Patel", Relationship.PARENT, AccessLevel.PRIMARY, []),
        ],
        "children": [
            {
                "key": "arjun",
                "first_name": "Arjun",
                "last_name": "Patel",
                "preferred_name": "",
                "years": 11,
                "school": "Cheney School",
                "needs": "ADHD. Handwriting is slow and tiring; organising his school bag and homework is a battle.",
                "enjoys": "Football, Minecraft, cooking with Dad",
                "what_helps": "Movement breaks, checklists, a timer he can see",
                "therapist": ("therapist2@demo.example", "lead"),
            },
        ],
    },
]


def _user(email: str, full_name: str, role: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, full_name=full_name, role=role
        )
    return user


def seed(practice: DemoPractice) -> None:
    today = timezone.localdate()
    for email, name, role in STAFF:
        practice.users[email] = _user(email, name, role)
    for spec in FAMILIES:
        family, _ = Family.objects.get_or_create(
            name=spec["name"],
            defaults={
                "address": spec["address"],
                "postcode": spec["postcode"],
                "phone": spec["phone"],
            },
        )
        practice.families[spec["key"]] = family
        for child_spec in spec["children"]:
            born = today.replace(year=today.year - child_spec["years"]) - timedelta(days=40)
            child, _ = Child.objects.get_or_create(
                family=family,
                first_name=child_spec["first_name"],
                defaults={
                    "last_name": child_spec["last_name"],
                    "preferred_name": child_spec["preferred_name"],
                    "date_of_birth": born,
                    "school": child_spec["school"],
                    "needs": child_spec["needs"],
                    "enjoys": child_spec["enjoys"],
                    "what_helps": child_spec["what_helps"],
                },
            )
            practice.children[child_spec["key"]] = child
            therapist_email, kind = child_spec["therapist"]
            CaseloadAssignment.objects.get_or_create(
                child=child,
                therapist=practice.users[therapist_email],
                defaults={"kind": kind, "starts_on": today - timedelta(days=120)},
            )
        for email, name, relationship, access, child_keys in spec["caregivers"]:
            user = _user(email, name, Role.CAREGIVER)
            practice.users[email] = user
            caregiver, _ = Caregiver.objects.get_or_create(
                user=user,
                family=family,
                defaults={"relationship": relationship, "access_level": access},
            )
            if child_keys:
                caregiver.children.set([practice.children[key] for key in child_keys])
        # The demo families said yes to e-mails about therapy, so that the demo
        # sends reminders and summaries. Never given again once answered: a
        # withdrawal made while trying the demo stands.
        first_parent = next(
            practice.users[email]
            for email, _name, _relationship, access, _children in spec["caregivers"]
            if access == AccessLevel.PRIMARY
        )
        if not Consent.objects.filter(family=family, kind=ConsentKind.EMAIL_CONTACT).exists():
            Consent.objects.create(
                family=family, kind=ConsentKind.EMAIL_CONTACT, given_by=first_parent
            )
