"""Seeds the database named by DATABASE_URL for the scale-out test (run in a
subprocess: `python -m tests.ops.scale_seed FAMILIES REMINDERS`) and prints
what the test needs as JSON."""

import json
import sys
from datetime import timedelta


def seed(families: int, reminders: int) -> dict:
    from django.utils import timezone

    from accounts.models import User
    from bookings.models import Appointment, Booking, GroupSession, Service
    from families.models import AccessLevel, Caregiver, Child, Consent, ConsentKind, Family
    from tests.factories import PASSWORD

    def person(email, **extra):
        # A password only for those who log in: hashing is deliberately slow.
        return User.objects.create_user(email=email, password=extra.pop("password", None), **extra)

    now = timezone.now()
    therapist = person("ot@scale.example", role="therapist")
    group_service = Service.objects.create(
        name="Parent group coaching",
        kind=Service.Kind.GROUP,
        duration_minutes=90,
        capacity=3,
        parent_only=True,
        bookable_online=True,
        book_notice_hours=1,
        cancel_notice_hours=1,
    )
    group = GroupSession.objects.create(
        service=group_service,
        therapist=therapist,
        starts_at=now + timedelta(days=7),
        ends_at=now + timedelta(days=7, minutes=90),
        capacity=3,
        topic="Calmer mornings",
    )
    parents = []
    for n in range(families):
        family = Family.objects.create(name=f"Family {n}")
        Consent.objects.create(family=family, kind=ConsentKind.EMAIL_CONTACT)
        Child.objects.create(
            family=family,
            first_name=f"Child{n}",
            last_name="Scale",
            date_of_birth=now.date() - timedelta(days=2500),
        )
        parent = person(f"parent{n}@scale.example", full_name=f"Parent {n}", password=PASSWORD)
        Caregiver.objects.create(
            user=parent, family=family, relationship="parent", access_level=AccessLevel.PRIMARY
        )
        parents.append(parent.email)

    # Confirmed visits an hour from now, booked days ago: each one's 2-hour
    # reminder is due now, to its own family's parent.
    therapy = Service.objects.create(
        name="1:1 therapy session",
        kind=Service.Kind.THERAPY,
        duration_minutes=45,
        capacity=1,
        parent_only=False,
        bookable_online=False,
        reminder_offsets_hours=[2],
    )
    for n in range(reminders):
        family = Family.objects.create(name=f"Reminded family {n}")
        Consent.objects.create(family=family, kind=ConsentKind.EMAIL_CONTACT)
        parent = person(f"reminded{n}@scale.example", full_name=f"Reminded {n}")
        Caregiver.objects.create(
            user=parent, family=family, relationship="parent", access_level=AccessLevel.PRIMARY
        )
        clinician = person(f"ot{n}@scale.example", role="therapist")
        starts = now + timedelta(hours=1)
        appointment = Appointment.objects.create(
            service=therapy,
            therapist=clinician,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=45),
        )
        Booking.objects.create(
            family=family,
            appointment=appointment,
            status=Booking.Status.CONFIRMED,
            created_at=now - timedelta(days=3),
        )
    return {"group": group.pk, "parents": parents, "password": PASSWORD}


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(seed(int(sys.argv[1]), int(sys.argv[2]))))
