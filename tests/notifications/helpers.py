"""Set-up shared by the background-work tests."""

from datetime import timedelta

from django.utils import timezone

from bookings.models import Booking, Service
from families.models import Caregiver
from tests.bookings.factories import AppointmentFactory, BookingFactory, ServiceFactory
from tests.factories import TherapistFactory


def due_booking(world, *, hours_ahead: float = 1.5, service: Service | None = None, **kwargs):
    """A confirmed booking of the world's family, made days ago, starting in
    `hours_ahead` hours: with offsets [48, 2] its 2-hour reminder is due."""
    service = service or ServiceFactory(
        location=Service.Location.VIDEO,
        video_link="https://meet.example.org/ot-room",
        what_to_bring="A favourite toy and comfortable clothes.",
        reminder_offsets_hours=[48, 2],
    )
    starts = timezone.now() + timedelta(hours=hours_ahead)
    appointment = AppointmentFactory(
        service=service,
        therapist=TherapistFactory(),  # each its own diary: no overlap
        starts_at=starts,
        ends_at=starts + timedelta(minutes=service.duration_minutes),
    )
    escort = kwargs.pop("escort", None)
    booking = BookingFactory(
        family=world.family,
        appointment=appointment,
        escort=escort,
        children=[world.child],
        **kwargs,
    )
    Booking.objects.filter(pk=booking.pk).update(created_at=timezone.now() - timedelta(days=5))
    booking.refresh_from_db()
    return booking


def escort_of(world):
    return Caregiver.objects.get(user=world.supporting)
