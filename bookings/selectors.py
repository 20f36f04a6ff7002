"""Reads for the diary pages, each a fixed number of queries whatever the
number of bookings."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role, User
from bookings import slots
from bookings.models import (
    ACTIVE_BOOKING_STATUSES,
    Appointment,
    Booking,
    GroupSession,
    Service,
    WaitlistEntry,
)
from bookings.permissions import bookings_visible_to
from bookings.services import busy_intervals, hours_for
from families.models import AccessLevel, Caregiver, Child


def therapists() -> QuerySet[User]:
    return User.objects.filter(role=Role.THERAPIST, is_active=True).order_by("full_name", "id")


def _bookings_prefetch() -> Prefetch:
    return Prefetch(
        "bookings",
        queryset=Booking.objects.select_related("family", "escort__user")
        .prefetch_related(Prefetch("children", queryset=Child.objects.order_by("first_name")))
        .order_by("created_at", "id"),
    )


def _count_of(queryset: QuerySet, group_field: str) -> Coalesce:
    """How many rows of `queryset` belong to the outer group session, as a
    correlated subquery."""
    counted = (
        queryset.filter(**{group_field: OuterRef("pk")})
        .order_by()
        .values(group_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def groups_with_counts() -> QuerySet[GroupSession]:
    """Group sessions with their places booked, held by an offer, waiting and free.

    Counted by correlated subqueries rather than joins and GROUP BY: joined to
    bookings and waitlists (and to their therapist's row), PostgreSQL grouped
    far more rows than the diary shows once the practice grew (issue 9,
    `make bench`: 120 ms for an empty week at 10 times the practice)."""
    now = timezone.now()
    return GroupSession.objects.select_related("service", "therapist", "room").annotate(
        booked=_count_of(
            Booking.objects.filter(status__in=ACTIVE_BOOKING_STATUSES), "group_session"
        ),
        held=_count_of(
            WaitlistEntry.objects.filter(
                status=WaitlistEntry.Status.OFFERED, offer_expires_at__gt=now
            ),
            "group_session",
        ),
        waiting=_count_of(
            WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING), "group_session"
        ),
        places=F("capacity") - F("booked") - F("held"),
    )


@dataclass
class DiaryItem:
    starts_at: datetime
    ends_at: datetime
    therapist: User
    appointment: Appointment | None = None
    group: GroupSession | None = None
    free: bool = False


@dataclass
class DiaryDay:
    day: date
    items: list[DiaryItem] = field(default_factory=list)


def diary(
    *,
    first_day: date,
    days: int,
    therapist: User | None = None,
    service: Service | None = None,
    people: list[User] | None = None,
) -> list[DiaryDay]:
    """Appointments, groups and free time per local day, in time order: of one
    therapist, of `people` (a page of the practice's therapists), or of all."""
    if people is None:
        people = list(therapists().filter(pk=therapist.pk) if therapist else therapists())
    by_id = {person.pk: person for person in people}
    last_day = first_day + timedelta(days=days - 1)
    start, _ = slots.local_day_bounds(first_day)
    _, end = slots.local_day_bounds(last_day)
    appointments = (
        Appointment.objects.filter(therapist__in=people, starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("service", "therapist", "room")
        .prefetch_related(_bookings_prefetch())
    )
    groups = groups_with_counts().filter(
        therapist__in=people, starts_at__gte=start, starts_at__lt=end, cancelled_at__isnull=True
    )
    if service is not None:
        appointments = appointments.filter(service=service)
        groups = groups.filter(service=service)
    hours = hours_for(by_id)
    busy = busy_intervals(therapist_ids=by_id, start=start, end=end)

    diary_days = {day: DiaryDay(day) for day in slots.days_between(first_day, last_day)}

    def day_of(moment: datetime) -> DiaryDay | None:
        return diary_days.get(timezone.localtime(moment, slots.LONDON).date())

    for appointment in appointments:
        if (entry := day_of(appointment.starts_at)) is not None:
            entry.items.append(
                DiaryItem(
                    appointment.starts_at,
                    appointment.ends_at,
                    appointment.therapist,
                    appointment=appointment,
                )
            )
    for group in groups:
        if (entry := day_of(group.starts_at)) is not None:
            entry.items.append(
                DiaryItem(group.starts_at, group.ends_at, group.therapist, group=group)
            )
    for day, entry in diary_days.items():
        for therapist_id, person in by_id.items():
            windows = slots.windows_on(day, hours.get(therapist_id, []))
            for free_start, free_end in slots.free_intervals(
                windows=windows, busy=busy[therapist_id]
            ):
                entry.items.append(DiaryItem(free_start, free_end, person, free=True))
        entry.items.sort(key=lambda item: (item.starts_at, item.therapist.full_name))
    return list(diary_days.values())


def appointment_page(appointment: Appointment) -> list[Booking]:
    return list(
        Booking.objects.filter(appointment=appointment)
        .select_related("family", "escort__user", "booked_by")
        .prefetch_related("children")
        .order_by("-created_at")
    )


def group_page(group: GroupSession) -> dict:
    bookings = list(
        group.bookings.select_related("family", "escort__user", "booked_by")
        .prefetch_related("children")
        .order_by("status", "created_at", "id")
    )
    waitlist = list(group.waitlist.select_related("family").order_by("position", "id"))
    return {"bookings": bookings, "waitlist": waitlist}


def _with_start(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    return (
        queryset.annotate(starts=Coalesce("appointment__starts_at", "group_session__starts_at"))
        .select_related(
            "family",
            "escort__user",
            "appointment__service",
            "appointment__therapist",
            "appointment__room",
            "group_session__service",
            "group_session__therapist",
            "group_session__room",
        )
        .prefetch_related(Prefetch("children", queryset=Child.objects.order_by("first_name")))
    )


def bookings_for_caregiver(user: User, *, past_limit: int = 50) -> dict:
    """A caregiver's upcoming and past bookings, and their waitlist places."""
    now = timezone.now()
    visible = _with_start(bookings_visible_to(user))
    upcoming = list(
        visible.filter(starts__gte=now, status__in=ACTIVE_BOOKING_STATUSES).order_by("starts", "id")
    )
    past = list(
        visible.exclude(starts__gte=now, status__in=ACTIVE_BOOKING_STATUSES).order_by(
            "-starts", "-id"
        )[:past_limit]
    )
    waitlist = list(
        with_place_in_line(
            WaitlistEntry.objects.filter(
                family__caregivers__user=user,
                family__caregivers__access_level=AccessLevel.PRIMARY,
                status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED),
                group_session__starts_at__gt=now,
            )
        ).select_related("group_session__service", "family")
    )
    return {"upcoming": upcoming, "past": past, "waitlist": waitlist}


def upcoming_for_home(user: User, *, limit: int = 3) -> list[Booking]:
    now = timezone.now()
    return list(
        _with_start(bookings_visible_to(user))
        .filter(starts__gte=now, status__in=ACTIVE_BOOKING_STATUSES)
        .order_by("starts", "id")[:limit]
    )


def _shown(full_name: str, email: str) -> str:
    # How the templates show a user, str(user), on an unsaved instance.
    return str(User(full_name=full_name, email=email))


def _rows_by_pk(model, ids: list[int | None], fields: tuple[str, ...]) -> dict[int, dict]:
    ids = [pk for pk in ids if pk is not None]
    if not ids:
        return {}
    return {row["pk"]: row for row in model.objects.filter(pk__in=ids).values("pk", *fields)}


def upcoming_cards_for_home(user: User, *, limit: int = 3) -> list[dict]:
    """The caregiver's next few bookings as plain values (portal.fragments),
    shaped like a Booking for bookings/includes/booking_card.html.

    The bookings first, joined only to what finds and orders them; then the
    few slots, escorts and children they show. In one query with every join
    the page used, PostgreSQL spent longer planning than running it (issue 9,
    `make bench`)."""
    found = list(
        bookings_visible_to(user)
        .annotate(starts=Coalesce("appointment__starts_at", "group_session__starts_at"))
        .filter(starts__gte=timezone.now(), status__in=ACTIVE_BOOKING_STATUSES)
        .order_by("starts", "id")
        .values_list("pk", "status", "starts", "appointment_id", "group_session_id", "escort_id")[
            :limit
        ]
    )
    if not found:
        return []
    slot_fields = ("service__name", "service__location", "room__name")
    slot_fields += ("therapist__full_name", "therapist__email")
    appointments = _rows_by_pk(Appointment, [row[3] for row in found], slot_fields)
    groups = _rows_by_pk(GroupSession, [row[4] for row in found], (*slot_fields, "topic"))
    escorts = _rows_by_pk(Caregiver, [row[5] for row in found], ("user__full_name", "user__email"))
    children: dict[int, list[dict]] = {row[0]: [] for row in found}
    for booking_id, first_name, preferred_name in (
        Booking.children.through.objects.filter(booking_id__in=children)
        .order_by("child__first_name", "child_id")
        .values_list("booking_id", "child__first_name", "child__preferred_name")
    ):
        name = Child(first_name=first_name, preferred_name=preferred_name).display_name
        children[booking_id].append({"display_name": name})
    locations = dict(Service.Location.choices)
    statuses = dict(Booking.Status.choices)
    cards = []
    for pk, status, starts, appointment_id, group_id, escort_id in found:
        slot = appointments[appointment_id] if appointment_id else groups[group_id]
        cards.append(
            {
                "pk": pk,
                "slot": {
                    "service": {
                        "name": slot["service__name"],
                        "get_location_display": locations.get(
                            slot["service__location"], slot["service__location"]
                        ),
                    },
                    "topic": slot.get("topic", ""),
                    "starts_at": starts,
                    "room": slot["room__name"],
                    "therapist": _shown(slot["therapist__full_name"], slot["therapist__email"]),
                },
                "group_session": group_id is not None,
                "children": {"all": children[pk]},
                "escort": (
                    {
                        "user": _shown(
                            escorts[escort_id]["user__full_name"], escorts[escort_id]["user__email"]
                        )
                    }
                    if escort_id
                    else None
                ),
                "status": status,
                "get_status_display": statuses.get(status, status),
            }
        )
    return cards


def with_place_in_line(entries: QuerySet[WaitlistEntry]) -> QuerySet[WaitlistEntry]:
    """Annotate `place`: 1 for the first family still waiting, and so on
    (positions themselves keep gaps as families take places or leave)."""
    ahead = (
        WaitlistEntry.objects.filter(
            group_session=OuterRef("group_session"),
            status=WaitlistEntry.Status.WAITING,
            position__lte=OuterRef("position"),
        )
        .order_by()
        .values("group_session")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return entries.annotate(place=Subquery(ahead, output_field=IntegerField()))


def waitlist_entry_for(group: GroupSession, family) -> WaitlistEntry | None:
    return (
        with_place_in_line(group.waitlist.filter(family=family))
        .filter(status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED))
        .first()
    )


def services_for_families() -> QuerySet[Service]:
    return Service.objects.filter(active=True, bookable_online=True).order_by("name")


def open_groups(service: Service) -> list[GroupSession]:
    return list(
        groups_with_counts()
        .filter(service=service, starts_at__gt=timezone.now(), cancelled_at__isnull=True)
        .order_by("starts_at")
    )


def service_slots(
    *,
    service: Service,
    first_day: date,
    days: int,
    not_before: datetime | None = None,
    therapist: User | None = None,
) -> list[tuple[date, list[tuple[User, slots.Slot]]]]:
    """Free slots for a service per local day, across the therapists."""
    people = list(therapists().filter(pk=therapist.pk) if therapist else therapists())
    by_id = {person.pk: person for person in people}
    last_day = first_day + timedelta(days=days - 1)
    start, _ = slots.local_day_bounds(first_day)
    _, end = slots.local_day_bounds(last_day)
    hours = hours_for(by_id)
    busy = busy_intervals(therapist_ids=by_id, start=start, end=end)
    result = []
    for day in slots.days_between(first_day, last_day):
        found = []
        for therapist_id, person in by_id.items():
            for slot in slots.free_slots(
                windows=slots.windows_on(day, hours.get(therapist_id, [])),
                busy=busy[therapist_id],
                duration=timedelta(minutes=service.duration_minutes),
                buffer=timedelta(minutes=service.buffer_minutes),
                not_before=not_before,
            ):
                found.append((person, slot))
        found.sort(key=lambda pair: (pair[1].starts_at, pair[0].full_name))
        result.append((day, found))
    return result


def booking_with_details(pk: int) -> Booking | None:
    return _with_start(Booking.objects.filter(pk=pk)).first()


def family_primary_emails(family_id: int) -> list[str]:
    return list(
        Caregiver.objects.filter(family_id=family_id, access_level=AccessLevel.PRIMARY)
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )


def booking_recipients(booking: Booking) -> list[str]:
    """Who hears about a booking: the family's primary caregivers, and the
    person bringing the child (who gets the time, never clinical detail)."""
    emails = family_primary_emails(booking.family_id)
    if booking.escort is not None and booking.escort.user.email not in emails:
        emails.append(booking.escort.user.email)
    return emails


def reminder_recipients(booking: Booking) -> list[str]:
    """For the reminders issue: primaries who want reminders, and the escort."""
    emails = list(
        Caregiver.objects.filter(
            family_id=booking.family_id,
            access_level=AccessLevel.PRIMARY,
            receives_reminders=True,
        ).values_list("user__email", flat=True)
    )
    if booking.escort is not None and booking.escort.user.email not in emails:
        emails.append(booking.escort.user.email)
    return emails


def calendar_bookings(user: User, *, since: datetime) -> list[Booking]:
    """What goes into a family member's calendar feed."""
    return list(
        _with_start(bookings_visible_to(user))
        .filter(starts__gte=since, status__in=ACTIVE_BOOKING_STATUSES)
        .order_by("starts", "id")[:500]
    )


def calendar_staff_items(user: User, *, since: datetime) -> tuple[list, list]:
    appointments = Appointment.objects.filter(starts_at__gte=since).exclude(
        status=Appointment.Status.CANCELLED
    )
    groups = GroupSession.objects.filter(starts_at__gte=since, cancelled_at__isnull=True)
    if user.role == Role.THERAPIST:
        appointments = appointments.filter(therapist=user)
        groups = groups.filter(therapist=user)
    return (
        list(
            appointments.select_related("service", "room", "therapist").order_by("starts_at")[:1000]
        ),
        list(groups.select_related("service", "room", "therapist").order_by("starts_at")[:500]),
    )


def next_visit_by_child(child_ids: list[int]) -> dict[int, Appointment]:
    """Each child's next confirmed appointment, for the therapist's caseload:
    one query, whatever the number of children."""
    through = Booking.children.through
    rows = (
        through.objects.filter(
            child_id__in=child_ids,
            booking__status=Booking.Status.CONFIRMED,
            booking__appointment__starts_at__gte=timezone.now(),
        )
        .select_related("booking__appointment__service")
        .order_by("child_id", "booking__appointment__starts_at")
    )
    next_visits: dict[int, Appointment] = {}
    for row in rows:
        next_visits.setdefault(row.child_id, row.booking.appointment)
    return next_visits
