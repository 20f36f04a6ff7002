from datetime import time, timedelta

import factory
from django.utils import timezone

from bookings.models import (
    Appointment,
    Booking,
    GroupSession,
    Room,
    Service,
    WeeklyAvailability,
)
from tests.factories import FamilyFactory, TherapistFactory


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Parent coaching consultation {n}")
    kind = Service.Kind.CONSULTATION
    duration_minutes = 60
    buffer_minutes = 0
    capacity = 1
    parent_only = True
    location = Service.Location.CLINIC
    bookable_online = True
    book_notice_hours = 24
    cancel_notice_hours = 24
    description = "A chat about how things are going at home."


class GroupServiceFactory(ServiceFactory):
    name = factory.Sequence(lambda n: f"Parent group coaching {n}")
    kind = Service.Kind.GROUP
    duration_minutes = 90
    capacity = 8


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    name = factory.Sequence(lambda n: f"Room {n}")


class AvailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WeeklyAvailability

    therapist = factory.SubFactory(TherapistFactory)
    weekday = 0
    starts_at = time(9)
    ends_at = time(17)


def in_days(days: int, hour: int = 10):
    """An aware datetime `days` from now at a local hour."""
    local = timezone.localtime() + timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    service = factory.SubFactory(ServiceFactory, kind=Service.Kind.THERAPY, parent_only=False)
    therapist = factory.SubFactory(TherapistFactory)
    starts_at = factory.LazyFunction(lambda: in_days(3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=60))


class GroupSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupSession

    service = factory.SubFactory(GroupServiceFactory)
    therapist = factory.SubFactory(TherapistFactory)
    starts_at = factory.LazyFunction(lambda: in_days(5, 18))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(minutes=90))
    capacity = 6
    topic = "Calmer mornings"


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking
        skip_postgeneration_save = True

    family = factory.SubFactory(FamilyFactory)
    appointment = factory.SubFactory(AppointmentFactory)
    status = Booking.Status.CONFIRMED

    @factory.post_generation
    def children(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.children.set(extracted)
