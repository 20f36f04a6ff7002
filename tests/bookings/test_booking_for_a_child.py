"""A supporting caregiver the family lets book for a child (Scope.MAKES_BOOKINGS:
Dana, the childminder who books for Yusuf) books and cancels for that child
as a parent does, and for no other; without it (the nanny, who sees Maryam's
bookings) nobody but the parents books. One rule: bookings.permissions."""

import re
from datetime import time
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from bookings import emails, selectors, services
from bookings.forms import slot_choice
from bookings.models import Booking, Service
from bookings.permissions import (
    bookable_children,
    booking_audience,
    booking_families,
    can_manage_booking,
    may_book,
)
from families.models import Caregiver, SupportingLink
from notifications.models import OutboxMessage
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    BookingFactory,
    GroupSessionFactory,
    ServiceFactory,
    in_days,
)

pytestmark = [pytest.mark.django_db, pytest.mark.timesweep]


@pytest.fixture
def dana(world):
    return world.persona("supporting_booker")


@pytest.fixture
def coaching(world):
    """A parents' consultation on the half hour, the world's therapist (Yusuf's
    lead) working every day."""
    service = ServiceFactory(name="Parent coaching consultation", duration_minutes=45)
    for weekday in range(7):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday, ends_at=time(12))
    return service


def _membership(world, user) -> Caregiver:
    return Caregiver.objects.get(user=user, family=world.family)


def _first_time(world, service) -> str:
    times = selectors.family_times(service=service, people=[world.therapist], day=None)
    return slot_choice(*times.times[0])[0]


def _booking(world, children, *, days: int = 4) -> Booking:
    return BookingFactory(
        family=world.family,
        appointment=AppointmentFactory(therapist=world.therapist, starts_at=in_days(days)),
        children=children,
        booked_by=world.parent,
    )


def test_who_books_for_which_child(world, dana):
    booked_for = {
        name: set(bookable_children(world.persona(name)))
        for name in (
            "parent",
            "other_parent",
            "supporting",
            "supporting_unlinked",
            "supporting_goals_only",
            "supporting_booker",
            "therapist",
        )
    }
    assert booked_for == {
        "parent": {world.child, world.sibling},
        "other_parent": {world.other_child},
        # Seeing the bookings is not booking them.
        "supporting": set(),
        "supporting_unlinked": set(),
        "supporting_goals_only": set(),
        "supporting_booker": {world.child},
        "therapist": set(),
    }
    assert list(booking_families(dana)) == [world.family]
    assert may_book(dana, family=world.family, children=[world.child])
    assert not may_book(dana, family=world.family, children=[world.sibling])
    assert not may_book(dana, family=world.family, children=[world.child, world.sibling])
    # Naming no child is booking for the whole family: the parents' (and the office's).
    assert not may_book(dana, family=world.family, children=())
    assert may_book(world.parent, family=world.family, children=())
    assert may_book(world.admin, family=world.family, children=())
    assert not may_book(world.other_parent, family=world.family, children=[world.child])


def test_dana_books_a_consultation_about_yusuf_from_the_strip_and_hears_of_it(
    world, dana, coaching, client, django_capture_on_commit_callbacks
):
    client.force_login(dana)
    bookings_page = client.get(reverse("bookings:my_bookings")).text
    assert reverse("bookings:book_start") in bookings_page
    assert coaching.name in client.get(reverse("bookings:book_start")).text
    value = _first_time(world, coaching)
    url = reverse("bookings:book_service", args=[coaching.pk]) + "?" + urlencode({"slot": value})
    confirm = client.get(url)
    # Only Yusuf is offered, ticked already; Maryam is not hers to book for.
    assert re.search(rf'value="{world.child.pk}"[^>]*checked', confirm.text)
    assert f'value="{world.sibling.pk}"' not in confirm.text
    # She may name herself to bring him, nobody else.
    escorts = list(confirm.context["form"].fields["escort"].queryset)
    assert escorts == [_membership(world, dana)]

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"slot": value, "children": [world.child.pk]})
    booking = Booking.objects.get(family=world.family)
    assert done["Location"] == reverse("bookings:booking_detail", args=[booking.pk])
    assert booking.booked_by == dana and list(booking.children.all()) == [world.child]
    assert AuditEvent.objects.filter(user=dana, record_type="booking", record_id=booking.pk)
    # Her confirmation, as the parents get theirs.
    confirmed = OutboxMessage.objects.filter(kind=emails.CONFIRMED, object_id=booking.pk)
    assert set(confirmed.values_list("recipient_email", flat=True)) == {
        dana.email,
        world.parent.email,
    }
    assert {m.to[0] for m in mail.outbox} == {dana.email, world.parent.email}
    # Reminders follow who sees the booking: her too (she takes them by default).
    assert dana.pk in {row[2] for row in booking_audience(Booking.objects.filter(pk=booking.pk))}
    # Her booking's page lets her cancel it.
    detail = client.get(done["Location"]).text
    assert reverse("bookings:booking_cancel", args=[booking.pk]) in detail


def test_dana_cannot_book_for_maryam_whatever_is_posted(world, dana, coaching, client):
    client.force_login(dana)
    value = _first_time(world, coaching)
    url = reverse("bookings:book_service", args=[coaching.pk]) + f"?slot={value}"
    response = client.post(url, {"slot": value, "children": [world.sibling.pk]})
    assert response.status_code == 200
    assert "children" in response.context["form"].errors
    assert not Booking.objects.exists()
    therapist, starts_at = world.therapist, in_days(3, 10)
    for children in ([world.sibling], [world.child, world.sibling]):
        with pytest.raises(ValidationError, match="only for the children"):
            services.appointment_book(
                service=coaching,
                therapist=therapist,
                starts_at=starts_at,
                family=world.family,
                children=children,
                by=dana,
            )
    # Nor name someone else to bring him: that shows them the booking.
    with pytest.raises(ValidationError, match="A parent chooses"):
        services.appointment_book(
            service=coaching,
            therapist=therapist,
            starts_at=starts_at,
            family=world.family,
            children=[world.child],
            escort=_membership(world, world.supporting),
            by=dana,
        )
    assert not Booking.objects.exists()


def test_dana_cancels_yusufs_bookings_only(world, dana, client):
    yusufs, maryams, both = (
        _booking(world, [world.child]),
        _booking(world, [world.sibling], days=5),
        _booking(world, [world.child, world.sibling], days=6),
    )
    assert can_manage_booking(dana, yusufs)
    assert not can_manage_booking(dana, maryams) and not can_manage_booking(dana, both)
    client.force_login(dana)
    # She sees the booking of both (Yusuf's bookings are shared with her) without a way to cancel it.
    both_page = client.get(reverse("bookings:booking_detail", args=[both.pk])).text
    assert reverse("bookings:booking_cancel", args=[both.pk]) not in both_page
    for booking in (maryams, both):
        response = client.post(reverse("bookings:booking_cancel", args=[booking.pk]))
        assert response.status_code == 404
        booking.refresh_from_db()
        assert booking.is_active
    with pytest.raises(ValidationError, match="can cancel this booking"):
        services.booking_cancel(booking=both, by=dana)

    response = client.post(
        reverse("bookings:booking_cancel", args=[yusufs.pk]), {"reason": "He has a cold"}
    )
    assert response.status_code == 302
    yusufs.refresh_from_db()
    assert yusufs.status == Booking.Status.CANCELLED
    assert "He has a cold" in yusufs.cancellation_reason


def test_the_nanny_sees_maryams_bookings_and_books_nothing(world, coaching, client):
    nanny = world.supporting_unlinked
    maryams = _booking(world, [world.sibling])
    client.force_login(nanny)
    assert client.get(reverse("bookings:book_start")).status_code == 404
    assert client.get(reverse("bookings:book_service", args=[coaching.pk])).status_code == 404
    page = client.get(reverse("bookings:my_bookings")).text
    assert reverse("bookings:book_start") not in page
    detail = client.get(reverse("bookings:booking_detail", args=[maryams.pk])).text
    assert reverse("bookings:booking_cancel", args=[maryams.pk]) not in detail
    assert client.post(reverse("bookings:booking_cancel", args=[maryams.pk])).status_code == 404
    with pytest.raises(ValidationError, match="Only a parent"):
        services.appointment_book(
            service=coaching,
            therapist=world.therapist,
            starts_at=in_days(3, 10),
            family=world.family,
            children=[world.sibling],
            by=nanny,
        )


def test_taking_booking_away_stops_it_at_once(world, dana, coaching, client):
    yusufs = _booking(world, [world.child])
    client.force_login(dana)
    assert client.get(reverse("bookings:book_start")).status_code == 200
    SupportingLink.objects.filter(caregiver__user=dana).update(makes_bookings=False)
    assert client.get(reverse("bookings:book_start")).status_code == 404
    detail = client.get(reverse("bookings:booking_detail", args=[yusufs.pk]))
    assert detail.status_code == 200  # she still sees it
    assert reverse("bookings:booking_cancel", args=[yusufs.pk]) not in detail.text
    assert client.post(reverse("bookings:booking_cancel", args=[yusufs.pk])).status_code == 404


def test_a_group_place_names_yusuf_and_the_waitlist_stays_with_the_parents(
    world, dana, client, django_capture_on_commit_callbacks
):
    group = GroupSessionFactory(therapist=world.therapist, capacity=1)
    url = reverse("bookings:group_place", args=[group.pk])
    client.force_login(dana)
    page = client.get(url)
    assert [c.pk for c in page.context["form"].fields["children"].queryset] == [world.child.pk]
    # Naming nobody would take the whole family's place.
    response = client.post(url, {})
    assert response.status_code == 200
    assert "Choose who is coming." in response.text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"children": [world.child.pk]})
    place = Booking.objects.get(group_session=group)
    assert list(place.children.all()) == [world.child] and place.booked_by == dana

    # A full group: the waitlist place is the family's, so not offered to her.
    full = GroupSessionFactory(therapist=world.therapist, capacity=1)
    BookingFactory(family=world.other_family, appointment=None, group_session=full)
    full_page = client.get(reverse("bookings:group_place", args=[full.pk])).text
    assert "a parent or guardian can put" in full_page
    assert reverse("bookings:waitlist_join", args=[full.pk]) not in full_page
    join = client.post(reverse("bookings:waitlist_join", args=[full.pk]))
    assert join.status_code == 404
    with pytest.raises(ValidationError, match="for the whole family"):
        services.waitlist_join(group_session=full, family=world.family, by=dana)
    client.force_login(world.parent)
    assert (
        reverse("bookings:waitlist_join", args=[full.pk])
        in client.get(reverse("bookings:group_place", args=[full.pk])).text
    )


def test_the_practices_booking_pages_still_offer_the_whole_family(world):
    from bookings.forms import BookingPeopleForm

    service = ServiceFactory(kind=Service.Kind.THERAPY, parent_only=False)
    form = BookingPeopleForm(family=world.family, service=service)
    assert set(form.fields["children"].queryset) == {world.child, world.sibling}
    assert form.fields["escort"].queryset.count() == world.family.caregivers.count()
