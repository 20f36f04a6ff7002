"""Demo diary: services, rooms, working hours, a week of appointments around
today, one group session that is full with a waitlist and one with places.
Everything is looked up before it is made, so running it twice changes nothing."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from bookings.models import (
    Appointment,
    Booking,
    GroupSession,
    Room,
    Service,
    WaitlistEntry,
    WeeklyAvailability,
)
from bookings.slots import LONDON
from bookings.video import room_for_new_appointment
from families.demo import DemoPractice
from families.models import Caregiver

SERVICES = [
    {
        "name": "Initial assessment",
        "kind": Service.Kind.ASSESSMENT,
        "duration_minutes": 90,
        "buffer_minutes": 15,
        "description": "A first long visit: we get to know your child and hear what matters to you.",
    },
    {
        "name": "1:1 therapy session",
        "kind": Service.Kind.THERAPY,
        "duration_minutes": 60,
        "buffer_minutes": 10,
        "description": "A session with your child, with you there to try the ideas together.",
    },
    {
        "name": "Parent coaching consultation",
        "kind": Service.Kind.CONSULTATION,
        "duration_minutes": 45,
        "parent_only": True,
        "location": Service.Location.VIDEO,
        "bookable_online": True,
        "description": "A video call for parents and carers: talk through what's hard at home.",
    },
    {
        "name": "Parent group coaching",
        "kind": Service.Kind.GROUP,
        "duration_minutes": 90,
        "capacity": 6,
        "parent_only": True,
        "bookable_online": True,
        "description": "A friendly small group for parents, each week on a different routine.",
    },
]

ROOMS = ["Sensory room", "Therapy room 1"]

# (therapist, weekdays, from, until, room)
HOURS = [
    ("therapist1@demo.example", range(5), time(9), time(17), "Sensory room"),
    ("therapist2@demo.example", range(4), time(9, 30), time(16, 30), "Therapy room 1"),
]

# (child key or None, family key, therapist, service name, day offset, local time, escort e-mail)
APPOINTMENTS = [
    ("oliver", "bennett", "therapist1@demo.example", "1:1 therapy session", -2, time(10), None),
    ("oliver", "bennett", "therapist1@demo.example", "1:1 therapy session", 2, time(10), None),
    (
        "zara",
        "okafor",
        "therapist1@demo.example",
        "1:1 therapy session",
        1,
        time(14),
        "nanny2@demo.example",
    ),
    ("lily", "bennett", "therapist2@demo.example", "1:1 therapy session", -1, time(10), None),
    ("lily", "bennett", "therapist2@demo.example", "1:1 therapy session", 3, time(10), None),
    ("arjun", "patel", "therapist2@demo.example", "Initial assessment", 0, time(14), None),
    # A parents-only consultation, about Zara (she stays at home).
    (
        "zara",
        "okafor",
        "therapist1@demo.example",
        "Parent coaching consultation",
        4,
        time(16),
        None,
    ),
]


def _working_day(day, *, backwards: bool = False):
    """Monday to Thursday, when both demo therapists work."""
    step = timedelta(days=-1 if backwards else 1)
    while day.weekday() >= 4:
        day += step
    return day


def _local(day, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON)


def seed(practice: DemoPractice) -> None:
    today = timezone.localdate()
    now = timezone.now()
    admin = practice.users["admin@demo.example"]
    services = {}
    for spec in SERVICES:
        service, _ = Service.objects.get_or_create(
            name=spec["name"], defaults={k: v for k, v in spec.items() if k != "name"}
        )
        services[spec["name"]] = service
    rooms = {name: Room.objects.get_or_create(name=name)[0] for name in ROOMS}
    for email, weekdays, starts, ends, room in HOURS:
        for weekday in weekdays:
            WeeklyAvailability.objects.get_or_create(
                therapist=practice.users[email],
                weekday=weekday,
                starts_at=starts,
                defaults={"ends_at": ends, "room": rooms[room]},
            )

    for child_key, family_key, email, service_name, offset, at, escort_email in APPOINTMENTS:
        service = services[service_name]
        therapist = practice.users[email]
        starts_at = _local(_working_day(today + timedelta(days=offset), backwards=offset < 0), at)
        appointment = Appointment.objects.filter(therapist=therapist, starts_at=starts_at).first()
        if appointment is not None:
            continue
        room = rooms[HOURS[0][4] if email == HOURS[0][0] else HOURS[1][4]]
        appointment = Appointment.objects.create(
            service=service,
            therapist=therapist,
            room=None if service.location == Service.Location.VIDEO else room,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=service.duration_minutes),
            by_video=service.location == Service.Location.VIDEO,
            video_room=room_for_new_appointment()
            if service.location == Service.Location.VIDEO
            else "",
        )
        family = practice.families[family_key]
        escort = (
            Caregiver.objects.filter(family=family, user__email=escort_email).first()
            if escort_email
            else None
        )
        booking = Booking.objects.create(
            family=family,
            appointment=appointment,
            booked_by=admin,
            escort=escort,
            status=Booking.Status.ATTENDED if starts_at < now else Booking.Status.CONFIRMED,
        )
        if child_key:
            booking.children.set([practice.children[child_key]])

    group_service = services["Parent group coaching"]
    therapist = practice.users["therapist1@demo.example"]
    full = _group(
        group_service,
        therapist,
        rooms["Sensory room"],
        today + timedelta(days=5),
        "Calmer mornings",
        capacity=2,
    )
    for key in ("bennett", "okafor"):
        Booking.objects.get_or_create(
            group_session=full,
            family=practice.families[key],
            defaults={"booked_by": admin},
        )
    WaitlistEntry.objects.get_or_create(
        group_session=full,
        family=practice.families["patel"],
        defaults={"position": 1, "joined_by": practice.users["parent3@demo.example"]},
    )
    open_group = _group(
        group_service,
        therapist,
        rooms["Sensory room"],
        today + timedelta(days=12),
        "Bedtime routines",
        capacity=6,
    )
    Booking.objects.get_or_create(
        group_session=open_group, family=practice.families["patel"], defaults={"booked_by": admin}
    )


def _group(service, therapist, room, day, topic, *, capacity):
    day = _working_day(day)
    starts_at = _local(day, time(17, 30))
    group = GroupSession.objects.filter(topic=topic, starts_at__gte=timezone.now()).first()
    if group is None:
        group = GroupSession.objects.create(
            service=service,
            therapist=therapist,
            room=room,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=service.duration_minutes),
            capacity=capacity,
            topic=topic,
        )
    return group
