"""Who may see and change which part of the diary, and who books for which
child. Builds on families.permissions; anything not yours answers 404."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Role, User
from bookings.models import Appointment, Booking, GroupSession, Service, WaitlistEntry
from families.models import AccessLevel, Caregiver, Child, Family
from families.permissions import (
    Access,
    Membership,
    audience,
    caregiver_memberships,
    family_access,
    seen_through,
)


def primary_families(user: User) -> QuerySet[Family]:
    """Families this user is a primary caregiver of: what is the family's as
    a whole (its place on a group's waitlist, a booking that names no child)
    is theirs to book and cancel."""
    if not user.is_authenticated or user.role != Role.CAREGIVER:
        return Family.objects.none()
    return Family.objects.filter(
        caregivers__user=user, caregivers__access_level=AccessLevel.PRIMARY
    ).order_by("name", "id")


def memberships_booking_for(child=None, family=None) -> QuerySet[Caregiver]:
    """The family's side of who books for a child and cancels its bookings,
    stated once: the primary caregivers of its family, and the supporting
    caregivers to whom the family gives booking for that child
    (`SupportingLink.makes_bookings`). `child` and `family` are values, or by
    default OuterRefs of an enclosing Child query."""
    child = OuterRef("pk") if child is None else child
    return Caregiver.objects.filter(family=OuterRef("family") if family is None else family).filter(
        Q(access_level=AccessLevel.PRIMARY)
        | Q(access_level=AccessLevel.SUPPORTING, links__child=child, links__makes_bookings=True)
    )


def bookable_children(user: User) -> QuerySet[Child]:
    """The children a user may book for, and whose bookings they may cancel:
    the practice office any child; the family's side by
    `memberships_booking_for`. Therapists book nothing (the office keeps
    the diary)."""
    if not user.is_authenticated or not user.is_active:
        return Child.objects.none()
    if user.role == Role.ADMIN:
        return Child.objects.all()
    if user.role != Role.CAREGIVER:
        return Child.objects.none()
    # As in families.permissions.children_for: the user's few memberships
    # first, so the plan starts from them rather than from every child.
    member_of = Caregiver.objects.filter(user=user).values("family_id")
    return Child.objects.filter(family_id__in=member_of).filter(
        Exists(memberships_booking_for().filter(user=user))
    )


def booking_families(user: User) -> QuerySet[Family]:
    """Families a user books for: those of the children they may book for."""
    return Family.objects.filter(pk__in=bookable_children(user).values("family_id")).order_by(
        "name", "id"
    )


def get_booking_family(user: User, family_id: str | int | None) -> Family:
    """The family a caregiver books for: the one asked for, or their first."""
    families = booking_families(user)
    family = families.filter(pk=family_id).first() if family_id else families.first()
    if family is None:
        raise Http404
    return family


def may_book(user: User, *, family: Family, children: Iterable[Child]) -> bool:
    """Whether `user` may book `children` of `family`, or cancel a booking
    for them: each child named must be one they may book for
    (`bookable_children`); a booking that names no child (a family's place
    in a group) is the whole family's, so the practice's or a primary
    caregiver's (`primary_families`). The one rule the pages, the forms and
    the services ask."""
    ids = {child.pk for child in children}
    if not ids:
        return (
            user.is_authenticated and user.is_active and user.role == Role.ADMIN
        ) or primary_families(user).filter(pk=family.pk).exists()
    return bookable_children(user).filter(family=family, pk__in=ids).count() == len(ids)


def escorts_for(user: User, family: Family) -> QuerySet[Caregiver]:
    """Whom `user` may name to bring a child to a booking of `family`.
    Being named shows a person the booking and sends them its reminders
    (`memberships_seeing_booking`), so it is the parents' (or the
    practice's) choice: a supporting caregiver who books names only
    themselves."""
    caregivers = family.caregivers.select_related("user")
    if family_access(user, family) in (Access.PRIMARY, Access.ADMIN):
        return caregivers
    return caregivers.filter(user=user) if user.is_authenticated else caregivers.none()


@dataclass(frozen=True)
class Memberships:
    """A caregiver's places in families: the families they are a primary
    caregiver of, and their caregiver rows (by which they bring children)."""

    primary_family_ids: tuple[int, ...]
    caregiver_ids: tuple[int, ...]
    family_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, memberships: Iterable[Membership]) -> "Memberships":
        """From the memberships a page has already read (families.permissions)."""
        rows = list(memberships)
        return cls(
            primary_family_ids=tuple(
                m.family_id for m in rows if m.access_level == AccessLevel.PRIMARY
            ),
            caregiver_ids=tuple(m.caregiver_id for m in rows),
            family_ids=tuple({m.family_id for m in rows}),
        )


def memberships_of(user: User) -> Memberships:
    return Memberships.of(caregiver_memberships(user))


def memberships_seeing_booking() -> QuerySet[Caregiver]:
    """The family's side of who sees a booking (the enclosing query's), stated
    once: the primary caregivers of its family; the caregiver named to bring
    the child (chosen by a primary caregiver or the practice); and the
    supporting caregivers with whom the family shares the bookings of a child
    it is for (`SupportingLink.sees_bookings`)."""
    for_children = Booking.children.through.objects.filter(
        booking_id=OuterRef(OuterRef("pk"))
    ).values("child_id")
    return Caregiver.objects.filter(family=OuterRef("family")).filter(
        Q(access_level=AccessLevel.PRIMARY)
        | Q(pk=OuterRef("escort"))
        | Q(
            access_level=AccessLevel.SUPPORTING,
            links__sees_bookings=True,
            links__child__in=for_children,
        )
    )


def bookings_visible_to(user: User, *, memberships: Memberships | None = None) -> QuerySet[Booking]:
    """Bookings a user may see: the practice all (therapists their own
    diary), the family by `memberships_seeing_booking`. A page that needs the
    caregiver's memberships for more than this passes them in
    (`memberships_of`), saving the query."""
    if not user.is_authenticated or not user.is_active:
        return Booking.objects.none()
    if user.role == Role.ADMIN:
        return Booking.objects.all()
    if user.role == Role.THERAPIST:
        return Booking.objects.filter(
            Q(appointment__therapist=user) | Q(group_session__therapist=user)
        )
    # The user's memberships first (a handful of rows), then bookings by their
    # own indexed family column, and the rule for each of those. Joining
    # caregivers inside the booking query (with an OR, and the DISTINCT it
    # needed) made PostgreSQL read every booking of the practice (issue 9,
    # `make bench`). One small query buys a plan that does not grow.
    if memberships is None:
        memberships = memberships_of(user)
    return Booking.objects.filter(family_id__in=memberships.family_ids).filter(
        Exists(memberships_seeing_booking().filter(pk__in=memberships.caregiver_ids))
    )


def bookings_seen_through(
    bookings: QuerySet[Booking], caregiver_ids: Iterable[int]
) -> dict[int, set[int]]:
    """For the summaries: which of `bookings` each membership sees (one query)."""
    return seen_through(bookings, memberships_seeing_booking(), caregiver_ids)


def booking_audience(bookings: QuerySet[Booking]) -> QuerySet:
    """Who hears about each of `bookings` (confirmations, reminders): the
    people who see it. Rows of (booking id, caregiver id, user id, e-mail,
    reminders by e-mail, by text, by push, the booking's escort). One query."""
    return audience(bookings, memberships_seeing_booking()).values_list(
        "pk",
        "seen_by",
        "family__caregivers__user_id",
        "family__caregivers__user__email",
        "family__caregivers__receives_reminders",
        "family__caregivers__reminders_by_text",
        "family__caregivers__reminders_by_push",
        "escort_id",
    )


def get_booking_for_user(user: User, pk: int) -> Booking:
    booking = (
        bookings_visible_to(user)
        .select_related(
            "family",
            "escort__user",
            "appointment__service",
            "appointment__therapist",
            "appointment__series",
            "appointment__room",
            "group_session__service",
            "group_session__therapist",
            "group_session__room",
        )
        .filter(pk=pk)
        .first()
    )
    if booking is None:
        raise Http404
    return booking


def can_manage_booking(user: User, booking: Booking) -> bool:
    """Whether `user` may cancel the booking (`may_book` for its children)."""
    return may_book(user, family=booking.family, children=booking.children.all())


def get_appointment_for_staff(user: User, pk: int, *, admin_only: bool = False) -> Appointment:
    """Admins: any appointment; therapists: their own (unless admin_only)."""
    queryset = Appointment.objects.select_related("service", "therapist", "room")
    if user.role == Role.THERAPIST and not admin_only:
        queryset = queryset.filter(therapist=user)
    elif user.role != Role.ADMIN:
        raise Http404
    appointment = queryset.filter(pk=pk).first()
    if appointment is None:
        raise Http404
    return appointment


def get_group_for_admin(user: User, pk: int) -> GroupSession:
    if user.role != Role.ADMIN:
        raise Http404
    group = (
        GroupSession.objects.select_related("service", "therapist", "room").filter(pk=pk).first()
    )
    if group is None:
        raise Http404
    return group


def get_group_for_family(user: User, pk: int) -> GroupSession:
    """A group a family can book online (open, upcoming), for those who book
    for a child of a family."""
    if not booking_families(user).exists():
        raise Http404
    group = (
        GroupSession.objects.select_related("service", "therapist", "room")
        .filter(
            pk=pk,
            service__bookable_online=True,
            service__active=True,
            cancelled_at__isnull=True,
            starts_at__gt=timezone.now(),
        )
        .first()
    )
    if group is None:
        raise Http404
    return group


def get_service_for_family(user: User, pk: int) -> Service:
    if not booking_families(user).exists():
        raise Http404
    service = Service.objects.filter(pk=pk, active=True, bookable_online=True).first()
    if service is None:
        raise Http404
    return service


def get_waitlist_entry_for_user(user: User, pk: int) -> WaitlistEntry:
    entry = (
        WaitlistEntry.objects.select_related("group_session__service", "family")
        .filter(pk=pk)
        .first()
    )
    # A place on a waitlist names no child: it is the whole family's.
    if entry is None or not may_book(user, family=entry.family, children=()):
        raise Http404
    return entry
