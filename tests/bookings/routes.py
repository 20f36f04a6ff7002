from datetime import timedelta

from django.utils import timezone

from bookings.models import (
    AvailabilityException,
    Booking,
    PracticeClosure,
    Service,
    WaitlistEntry,
)
from bookings.video import new_room_name
from families.models import Caregiver
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    BookingFactory,
    GroupSessionFactory,
    RoomFactory,
    ServiceFactory,
)
from tests.matrix import ALL_PERSONAS, BOOKER, GOALS_ONLY, Route

ADMIN = frozenset({"admin"})
STAFF = frozenset({"therapist", "other_therapist", "admin"})
CAREGIVERS = frozenset(
    {"parent", "other_parent", "supporting", "supporting_unlinked", GOALS_ONLY, BOOKER}
)
PRIMARIES = frozenset({"parent", "other_parent"})
# Those who book for a child of a family: its parents, and the childminder the
# world's family lets book for Yusuf (BOOKER). The nanny sees her child's
# bookings and may not book.
BOOKERS = PRIMARIES | {BOOKER}


def _booking(world) -> Booking:
    """A booking of the world's family with its child, the grandparent bringing
    the child, in the world's therapist's diary. Made once per world, so
    that tests walking every route in one world do not double-book."""
    existing = Booking.objects.filter(
        family=world.family, appointment__therapist=world.therapist
    ).first()
    if existing is not None:
        return existing
    appointment = AppointmentFactory(therapist=world.therapist)
    return BookingFactory(
        family=world.family,
        appointment=appointment,
        children=[world.child],
        escort=Caregiver.objects.get(user=world.supporting, family=world.family),
        booked_by=world.parent,
    )


def _video_booking(world) -> Booking:
    """A video consultation of the world's family about its child, the
    grandparent invited to see it, starting in 10 minutes (its link shown)."""
    existing = Booking.objects.filter(
        family=world.family, appointment__therapist=world.therapist, appointment__by_video=True
    ).first()
    if existing is not None:
        return existing
    starts = timezone.now() + timedelta(minutes=10)
    appointment = AppointmentFactory(
        therapist=world.therapist,
        service=ServiceFactory(location=Service.Location.EITHER),
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        by_video=True,
        video_room=new_room_name(),
    )
    return BookingFactory(
        family=world.family,
        appointment=appointment,
        children=[world.child],
        escort=Caregiver.objects.get(user=world.supporting, family=world.family),
        booked_by=world.parent,
    )


def _booking_for_the_family(world) -> dict:
    """A booking for the world's sibling that nobody of the family brings:
    seen by the parents and by the supporting caregiver with whom the family
    shares her bookings (the nanny), not by others linked to the family."""
    booking = BookingFactory(
        family=world.family,
        appointment=AppointmentFactory(),
        children=[world.sibling],
        booked_by=world.parent,
    )
    return {"pk": booking.pk}


def _booking_for_both_children(world) -> dict:
    booking = BookingFactory(
        family=world.family,
        appointment=AppointmentFactory(),
        children=[world.child, world.sibling],
        booked_by=world.parent,
    )
    return {"pk": booking.pk}


def _appointment(world):
    return {"pk": _booking(world).appointment_id}


def _waitlist_entry(world):
    group = GroupSessionFactory(therapist=world.therapist, capacity=1)
    BookingFactory(family=world.other_family, appointment=None, group_session=group)
    entry = WaitlistEntry.objects.create(group_session=group, family=world.family, position=1)
    return {"pk": entry.pk}


def _away(world):
    starts = timezone.now() + timedelta(days=10)
    away = AvailabilityException.objects.create(
        therapist=world.therapist, starts_at=starts, ends_at=starts + timedelta(days=1)
    )
    return {"pk": away.pk}


def _closure(world):
    day = timezone.localdate() + timedelta(days=30)
    return {"pk": PracticeClosure.objects.create(first_day=day, last_day=day, reason="Training").pk}


def _group_place(world):
    group = GroupSessionFactory(therapist=world.therapist, capacity=3)
    return {"pk": BookingFactory(family=world.family, appointment=None, group_session=group).pk}


def _waitlist_with_a_free_place(world):
    group = GroupSessionFactory(therapist=world.therapist, capacity=2)
    BookingFactory(family=world.other_family, appointment=None, group_session=group)
    entry = WaitlistEntry.objects.create(group_session=group, family=world.family, position=1)
    return {"pk": entry.pk}


ROUTES = [
    Route("bookings:service_list", ADMIN),
    Route("bookings:service_create", ADMIN),
    Route("bookings:service_edit", ADMIN, kwargs=lambda w: {"pk": ServiceFactory().pk}),
    Route("bookings:room_list", ADMIN),
    Route("bookings:room_edit", ADMIN, kwargs=lambda w: {"pk": RoomFactory().pk}),
    Route("bookings:availability", ADMIN, kwargs=lambda w: {"pk": w.therapist.pk}),
    Route(
        "bookings:availability_delete",
        ADMIN,
        kwargs=lambda w: {"pk": AvailabilityFactory(therapist=w.therapist).pk},
        method="post",
    ),
    Route("bookings:exception_delete", ADMIN, kwargs=_away, method="post"),
    Route("bookings:closure_list", ADMIN),
    Route(
        "bookings:closure_list",
        ADMIN,
        method="post",
        data=lambda w: {"first_day": "2099-12-24", "last_day": "2099-12-26", "reason": "Christmas"},
    ),
    Route("bookings:closure_delete", ADMIN, kwargs=_closure, method="post"),
    Route("bookings:first_visit", ADMIN, kwargs=lambda w: {"pk": w.family.pk}),
    Route("bookings:diary", STAFF),
    Route("bookings:appointment_new", ADMIN),
    Route("bookings:appointment_detail", frozenset({"therapist", "admin"}), kwargs=_appointment),
    Route("bookings:appointment_move", ADMIN, kwargs=_appointment),
    Route("bookings:appointment_cancel", ADMIN, kwargs=_appointment),
    Route(
        "bookings:appointment_attendance",
        frozenset({"therapist", "admin"}),
        kwargs=_appointment,
        method="post",
        data=lambda w: {"outcome": "late_cancelled"},
    ),
    Route("bookings:group_list", ADMIN),
    Route("bookings:group_create", ADMIN),
    Route("bookings:group_detail", ADMIN, kwargs=lambda w: {"pk": GroupSessionFactory().pk}),
    Route("bookings:group_cancel", ADMIN, kwargs=lambda w: {"pk": GroupSessionFactory().pk}),
    Route(
        "bookings:group_cancel",
        ADMIN,
        kwargs=lambda w: {"pk": GroupSessionFactory().pk},
        method="post",
        data=lambda w: {"reason": "Therapist unwell"},
    ),
    Route("bookings:waitlist_move", ADMIN, kwargs=_waitlist_entry, method="post"),
    Route("bookings:waitlist_offer", ADMIN, kwargs=_waitlist_with_a_free_place, method="post"),
    Route("bookings:group_place_cancel", ADMIN, kwargs=_group_place),
    Route("bookings:my_bookings", CAREGIVERS),
    Route(
        "bookings:booking_detail",
        frozenset({"parent", "supporting_unlinked", "admin"}),
        kwargs=_booking_for_the_family,
    ),
    Route(
        "bookings:booking_detail",
        frozenset({"parent", "supporting", BOOKER, "therapist", "admin"}),
        kwargs=lambda w: {"pk": _booking(w).pk},
    ),
    # Yusuf's booking: his parents, the practice, and the childminder who books for him.
    Route(
        "bookings:booking_cancel",
        frozenset({"parent", BOOKER, "admin"}),
        kwargs=lambda w: {"pk": _booking(w).pk},
        method="post",
    ),
    # Maryam's: not the childminder's to see, nor the nanny's to cancel.
    Route(
        "bookings:booking_cancel",
        frozenset({"parent", "admin"}),
        kwargs=_booking_for_the_family,
        method="post",
    ),
    # Both children's: the childminder sees it (Yusuf's), but books for him only.
    Route(
        "bookings:booking_cancel",
        frozenset({"parent", "admin"}),
        kwargs=_booking_for_both_children,
        method="post",
    ),
    Route(
        "bookings:booking_ics",
        frozenset({"parent", "supporting", BOOKER, "therapist", "admin"}),
        kwargs=lambda w: {"pk": _booking(w).pk},
    ),
    # Whoever may see the booking is sent on: to the call, or back to the booking.
    Route(
        "bookings:booking_video",
        frozenset({"parent", "supporting", BOOKER, "therapist", "admin"}),
        kwargs=lambda w: {"pk": _video_booking(w).pk},
        ok=(302,),
    ),
    Route("bookings:book_start", BOOKERS),
    Route("bookings:book_service", BOOKERS, kwargs=lambda w: {"pk": ServiceFactory().pk}),
    Route("bookings:group_place", BOOKERS, kwargs=lambda w: {"pk": GroupSessionFactory().pk}),
    # A family's place on a waitlist names no child: the parents'.
    Route(
        "bookings:waitlist_join",
        PRIMARIES,
        kwargs=lambda w: {"pk": GroupSessionFactory().pk},
        method="post",
    ),
    Route("bookings:waitlist_accept", frozenset({"parent"}), kwargs=_waitlist_entry),
    Route("bookings:waitlist_leave", frozenset({"parent"}), kwargs=_waitlist_entry, method="post"),
    Route("bookings:calendar_settings", ALL_PERSONAS),
    Route("bookings:calendar_reset", ALL_PERSONAS, method="post"),
]

EXEMPT = {
    "bookings:calendar_feed": "takes a secret token, not an id: tests/bookings/test_calendar.py",
}
