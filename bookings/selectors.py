"""Reads for the diary pages, each a fixed number of queries whatever the
number of bookings."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from urllib.parse import urlencode

from django.db.models import (
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from bookings import grid, slots
from bookings.models import (
    ACTIVE_BOOKING_STATUSES,
    Appointment,
    AppointmentSeries,
    Booking,
    GroupSession,
    PracticeClosure,
    Service,
    WaitlistEntry,
)
from bookings.permissions import (
    Memberships,
    booking_families,
    bookings_visible_to,
    memberships_of,
)
from bookings.services import (
    BUSY_REACH,
    busy_intervals,
    busy_of,
    closures_by_day,
    hours_for,
    leave_of,
)
from core.links import url_with_id
from core.queries import count_of
from families.models import AccessLevel, Caregiver, CaseloadAssignment, Child, Family
from sessions_app.models import TherapySession


def therapists() -> QuerySet[User]:
    return User.objects.filter(role=Role.THERAPIST, is_active=True).order_by("full_name", "id")


def _count_of(queryset: QuerySet, group_field: str) -> Coalesce:
    """How many rows of `queryset` belong to the outer group session."""
    return count_of(queryset.filter(**{group_field: OuterRef("pk")}), per=group_field)


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


def children_named(booking_ids: Iterable[int] | QuerySet) -> dict[int, list[str]]:
    """The names the children of each booking are shown by, in first-name
    order; `booking_ids` may be a subquery."""
    if not isinstance(booking_ids, QuerySet):
        booking_ids = list(booking_ids)
    children: dict[int, list[str]] = {}
    for booking_id, preferred, first in (
        Booking.children.through.objects.filter(booking_id__in=booking_ids)
        .order_by("child__first_name", "child_id")
        .values_list("booking_id", "child__preferred_name", "child__first_name")
    ):
        children.setdefault(booking_id, []).append(preferred or first)
    return children


def visits_soon(user: User, *, days: int = 2) -> list[dict]:
    """The therapist's visits from midnight today for `days` days (today and
    tomorrow), in time order: appointments with the children booked into
    them, and groups. Each is {"starts_at", "ends_at", "what", "children":
    [(id, name)], "group": bool}. Two queries."""
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    start = datetime.combine(today, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(today + timedelta(days=days), datetime.min.time(), tzinfo=zone)
    visits: dict[int, dict] = {}
    for pk, starts_at, ends_at, what, child_id, preferred, first, last in (
        Booking.children.through.objects.filter(
            booking__appointment__therapist=user,
            booking__appointment__status=Appointment.Status.BOOKED,
            booking__appointment__starts_at__gte=start,
            booking__appointment__starts_at__lt=end,
            booking__status__in=(*ACTIVE_BOOKING_STATUSES, Booking.Status.ATTENDED),
        )
        .order_by("booking__appointment__starts_at", "child__first_name", "child_id")
        .values_list(
            "booking__appointment_id",
            "booking__appointment__starts_at",
            "booking__appointment__ends_at",
            "booking__appointment__service__name",
            "child_id",
            "child__preferred_name",
            "child__first_name",
            "child__last_name",
        )
    ):
        visit = visits.setdefault(
            pk,
            {
                "starts_at": starts_at,
                "ends_at": ends_at,
                "what": what,
                "children": [],
                "group": False,
            },
        )
        visit["children"].append((child_id, f"{preferred or first} {last}"))
    groups = [
        {"starts_at": starts_at, "ends_at": ends_at, "what": topic, "children": [], "group": True}
        for starts_at, ends_at, topic in GroupSession.objects.filter(
            therapist=user, cancelled_at__isnull=True, starts_at__gte=start, starts_at__lt=end
        )
        .order_by("starts_at")
        .values_list("starts_at", "ends_at", "topic")
    ]
    found = sorted([*visits.values(), *groups], key=lambda visit: visit["starts_at"])
    for visit in found:
        visit["day"] = timezone.localdate(visit["starts_at"])
    return found


def _group_counts(group_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Each group's places booked and families waiting, counted as
    groups_with_counts counts them."""
    counts = {pk: [0, 0] for pk in group_ids}
    for index, rows in enumerate(
        (
            Booking.objects.filter(
                group_session_id__in=group_ids, status__in=ACTIVE_BOOKING_STATUSES
            ),
            WaitlistEntry.objects.filter(
                group_session_id__in=group_ids, status=WaitlistEntry.Status.WAITING
            ),
        )
    ):
        for group_id, n in (
            rows.order_by()
            .values("group_session_id")
            .annotate(n=Count("pk"))
            .values_list("group_session_id", "n")
        ):
            counts[group_id][index] = n
    return {pk: (booked, waiting) for pk, (booked, waiting) in counts.items()}


def diary(
    *,
    first_day: date,
    days: int,
    therapist: User | None = None,
    service: Service | None = None,
    people: Sequence[User] | None = None,
) -> list[dict]:
    """The diary's days as a list (see _diary_days)."""
    return _diary_days(
        first_day=first_day, days=days, therapist=therapist, service=service, people=people
    )[0]


def _diary_days(
    *,
    first_day: date,
    days: int,
    therapist: User | None = None,
    service: Service | None = None,
    people: Sequence[User] | None = None,
) -> tuple[list[dict], dict[int, list[slots.Hours]], list[User]]:
    """Appointments, groups, leave and free time per local day, in time order:
    of one therapist, of `people` (a page of the practice's therapists), or
    of all.

    Each day is what bookings/includes/diary_day.html shows: `day`,
    `closure` (why the practice is closed that day, or None: a closed day
    offers no free time) and `items` each with a `kind` ("appointment",
    "group", "leave" or "free"), `starts_at`, `ends_at` and `therapist` (the
    name shown), and for an appointment its `pk`, `service`, `room` and
    `bookings` (`family`, `children`, `status_label`), for a group its `pk`,
    `service`, `topic`, `booked`, `capacity` and `waiting`, for leave its
    `reason` (cut to the day: leave over several days is an item on each).
    Every item also has `therapist_id`. Read with `values_list`, a fixed
    number of queries. Returned with the therapists' weekly hours and the
    therapists shown, for the time grid."""
    if people is None:
        people = list(therapists().filter(pk=therapist.pk) if therapist else therapists())
    by_id = {person.pk: person for person in people}
    # Shown by User.__str__, ordered by full name within the same time.
    shown = {pk: (person.full_name, str(person)) for pk, person in by_id.items()}
    last_day = first_day + timedelta(days=days - 1)
    start, _ = slots.local_day_bounds(first_day)
    _, end = slots.local_day_bounds(last_day)
    # Every appointment and group that fills some of these days, buffers
    # included, read once: the diary shows those that start in them (of the
    # service asked for) and finds the free time around all of them.
    reach = start - BUSY_REACH
    appointments = Appointment.objects.filter(
        therapist__in=by_id, starts_at__lt=end, ends_at__gt=reach
    ).exclude(status=Appointment.Status.CANCELLED)
    groups = GroupSession.objects.filter(
        therapist__in=by_id, starts_at__lt=end, ends_at__gt=reach, cancelled_at__isnull=True
    )
    fields = ("pk", "therapist_id", "starts_at", "ends_at", "service__buffer_minutes")
    appointment_rows = list(
        appointments.order_by("starts_at", "id").values_list(
            *fields, "service_id", "service__name", "room__name"
        )
    )
    group_rows = list(
        groups.order_by("starts_at", "id").values_list(
            *fields, "service_id", "service__name", "topic", "capacity"
        )
    )
    # Closures and leave as booking reads them (bookings.services), so that
    # the diary offers no time a booking would refuse.
    closures = closures_by_day(first_day, last_day)
    leave = leave_of(by_id, start=start, end=end)
    busy = busy_of(
        by_id,
        [row[1:5] for row in [*appointment_rows, *group_rows]],
        start=start,
        end=end,
        leave=leave,
    )

    def shown_in_days(rows: list[tuple]) -> list[tuple]:
        return [
            (row[0], *row[1:4], *row[6:])
            for row in rows
            if row[2] >= start and (service is None or row[5] == service.pk)
        ]

    appointment_rows = shown_in_days(appointment_rows)
    group_rows = shown_in_days(group_rows)
    # By subquery rather than by hundreds of ids in the SQL text.
    shown_appointments = appointments.filter(starts_at__gte=start)
    if service is not None:
        shown_appointments = shown_appointments.filter(service=service)
    booked = Booking.objects.filter(appointment__in=shown_appointments.values("pk"))
    booking_rows = list(
        booked.order_by("created_at", "id").values_list(
            "appointment_id", "pk", "family__name", "status"
        )
    )
    children = children_named(booked.values("pk"))
    statuses = dict(Booking.Status.choices)
    bookings_of: dict[int, list[dict]] = {}
    for appointment_id, pk, family, status in booking_rows:
        bookings_of.setdefault(appointment_id, []).append(
            {
                "family": family,
                "children": children.get(pk, []),
                "status_label": str(statuses.get(status, status)),
            }
        )
    hours = hours_for(by_id)

    diary_days: dict[date, list[tuple]] = {
        day: [] for day in slots.days_between(first_day, last_day)
    }

    def add(therapist_id: int, starts_at: datetime, ends_at: datetime, **item) -> None:
        entry = diary_days.get(timezone.localtime(starts_at, slots.LONDON).date())
        if entry is not None:
            full_name, name = shown[therapist_id]
            item.update(
                starts_at=starts_at, ends_at=ends_at, therapist=name, therapist_id=therapist_id
            )
            entry.append((starts_at, full_name, item))

    for pk, therapist_id, starts_at, ends_at, service_name, room in appointment_rows:
        add(
            therapist_id,
            starts_at,
            ends_at,
            kind="appointment",
            pk=pk,
            service=service_name,
            room=room,
            bookings=bookings_of.get(pk, []),
        )
    # Counted only when the days hold groups (most weeks of most therapists do not).
    counts = _group_counts([row[0] for row in group_rows]) if group_rows else {}
    for pk, therapist_id, starts_at, ends_at, service_name, topic, capacity in group_rows:
        booked, waiting = counts[pk]
        add(
            therapist_id,
            starts_at,
            ends_at,
            kind="group",
            pk=pk,
            service=service_name,
            topic=topic,
            booked=booked,
            capacity=capacity,
            waiting=waiting,
        )
    for day in diary_days:
        # Nothing is offered on a day the practice is closed, and no one's
        # leave is drawn over it: the day says it is closed.
        if day in closures:
            continue
        day_start, day_end = slots.local_day_bounds(day)
        for therapist_id in by_id:
            for away in leave[therapist_id]:
                if away.starts_at < day_end and away.ends_at > day_start:
                    add(
                        therapist_id,
                        max(away.starts_at, day_start),
                        min(away.ends_at, day_end),
                        kind="leave",
                        reason=away.reason,
                    )
            windows = slots.windows_on(day, hours.get(therapist_id, []))
            for free_start, free_end in slots.free_intervals(
                windows=windows, busy=busy[therapist_id]
            ):
                add(therapist_id, free_start, free_end, kind="free")
    return (
        [
            {
                "day": day,
                "closure": closures[day].reason if day in closures else None,
                "items": [item for *_, item in sorted(entry, key=lambda row: row[:2])],
            }
            for day, entry in diary_days.items()
        ],
        hours,
        list(people),
    )


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
        .prefetch_related(_children_by_name())
    )


def _children_by_name() -> Prefetch:
    return Prefetch("children", queryset=Child.objects.order_by("first_name"))


# What a booking's card shows (templates/bookings/includes/booking_card.html),
# and nothing else: the cards' query joins seven tables, and reading and
# decoding every column of each (the family's address, the therapist's
# password hash, the service's description) was 40 % of the cards' time
# (a parent's two lists at the bench's scale 1: 19.7 ms, 11.8 ms with these
# fields, both measured side by side).
_CARD_RELATIONS = (
    "escort__user",
    "appointment__service",
    "appointment__therapist",
    "appointment__room",
    "group_session__service",
    "group_session__therapist",
    "group_session__room",
)
_CARD_FIELDS = (
    "status",
    "family_id",
    "escort__user__full_name",
    "escort__user__email",
    *(
        f"{slot}__{field}"
        for slot in ("appointment", "group_session")
        for field in (
            "starts_at",
            "service__name",
            "service__location",
            "therapist__full_name",
            "therapist__email",
            "room__name",
        )
    ),
    "group_session__topic",
    "appointment__by_video",
)


def _booking_cards(
    user: User, memberships: Memberships, *, upcoming: int | None, past: int
) -> tuple[list[Booking], list[Booking]]:
    """(coming up, soonest first; past, newest first): the bookings the user
    may see (bookings_visible_to) with what their cards show, `starts` and
    the children by first name. Coming up: requested or confirmed, from now
    on; the first `upcoming` of them, or all; past: the newest `past` others.
    Three queries: the bookings coming up, the past ones, and their children."""
    if not memberships.primary_family_ids and not memberships.caregiver_ids:
        return [], []
    visible = (
        _with_start(bookings_visible_to(user, memberships=memberships))
        .prefetch_related(None)
        .select_related(None)
        .select_related(*_CARD_RELATIONS)
        .only(*_CARD_FIELDS)
    )
    coming_up_q = Q(starts__gte=timezone.now(), status__in=ACTIVE_BOOKING_STATUSES)
    coming_up = visible.filter(coming_up_q).order_by("starts", "id")
    if upcoming is not None:
        coming_up = coming_up[:upcoming]
    found = list(coming_up)
    gone = list(visible.exclude(coming_up_q).order_by("-starts", "-id")[:past]) if past else []
    # The children of both lists in one query.
    prefetch_related_objects([*found, *gone], _children_by_name())
    return found, gone


def bookings_for_caregiver(user: User, *, past_limit: int = 50) -> dict:
    """A caregiver's upcoming and past bookings (as booking cards, split at
    `now`), their waitlist places, and whether they may book (one query more
    for a caregiver who is no family's parent)."""
    memberships = memberships_of(user)
    upcoming, past = _booking_cards(user, memberships, upcoming=None, past=past_limit)
    # Waitlist places are the primary caregiver's, like booking.
    waitlist = list(
        with_place_in_line(
            WaitlistEntry.objects.filter(
                family_id__in=memberships.primary_family_ids,
                status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED),
                group_session__starts_at__gt=timezone.now(),
            )
        ).select_related("group_session")
    )
    return {
        "upcoming": upcoming,
        "past": past,
        "waitlist": waitlist,
        # A parent books; anyone else only if the family lets them book for a child.
        "can_book": bool(memberships.primary_family_ids) or booking_families(user).exists(),
    }


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


def service_names() -> list[tuple[int, str]]:
    """Every service as (pk, name), in the order of Service.objects (the
    diary's filter)."""
    return list(Service.objects.values_list("pk", "name"))


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
    people: Sequence[User] | None = None,
    grid: bool = False,
) -> list[tuple[date, list[tuple[User, slots.Slot]]]]:
    """Free slots for a service per local day, across the therapists (or one
    of them, or `people`). With `grid`, the times families are offered: on
    the service's grid of the clock (Service.slot_grid_minutes)."""
    if people is None:
        people = list(therapists().filter(pk=therapist.pk) if therapist else therapists())
    by_id = {person.pk: person for person in people}
    last_day = first_day + timedelta(days=days - 1)
    start, _ = slots.local_day_bounds(first_day)
    _, end = slots.local_day_bounds(last_day)
    hours = hours_for(by_id)
    busy = busy_intervals(therapist_ids=by_id, start=start, end=end)
    closed = closures_by_day(first_day, last_day)
    result = []
    for day in slots.days_between(first_day, last_day):
        found = []
        if day in closed:
            result.append((day, found))
            continue
        for therapist_id, person in by_id.items():
            for slot in slots.free_slots(
                windows=slots.windows_on(day, hours.get(therapist_id, [])),
                busy=busy[therapist_id],
                duration=timedelta(minutes=service.duration_minutes),
                buffer=timedelta(minutes=service.buffer_minutes),
                not_before=not_before,
                grid=timedelta(minutes=service.slot_grid_minutes) if grid else None,
            ):
                found.append((person, slot))
        found.sort(key=lambda pair: (pair[1].starts_at, pair[0].full_name))
        result.append((day, found))
    return result


def lead_therapists(family: Family) -> dict[int, User]:
    """Each of the family's children (not discharged) who has a lead
    therapist now, by child id: the therapist their booking page starts
    with. One query."""
    today = timezone.localdate()
    return {
        assignment.child_id: assignment.therapist
        for assignment in CaseloadAssignment.objects.filter(
            child__family=family,
            child__discharged_on__isnull=True,
            kind=CaseloadAssignment.Kind.LEAD,
            therapist__is_active=True,
            starts_on__lte=today,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("therapist")
        .order_by("child__first_name", "child_id")
    }


@dataclass(frozen=True)
class FamilyTimes:
    """The family's booking page for a service: the strip of days with free
    times (and how many), the day chosen and its times (therapist, slot)."""

    strip: list[tuple[date, int]]
    day: date | None
    times: list[tuple[User, slots.Slot]]


# How far ahead the day strip looks.
STRIP_DAYS = 28


def family_times(
    *, service: Service, people: Sequence[User], day: date | None, first_day: date | None = None
) -> FamilyTimes:
    """Free times on the service's grid for the next STRIP_DAYS days with
    the people given (a child's therapist, or every therapist), kept to the
    service's notice to book. The strip holds only days with a free time; the
    day shown is the one asked for when it has one, else the first. One read
    of the diary whatever the number of days or bookings."""
    first_day = first_day or timezone.localdate()
    found = service_slots(
        service=service,
        first_day=first_day,
        days=STRIP_DAYS,
        not_before=timezone.now() + timedelta(hours=service.book_notice_hours),
        people=people,
        grid=True,
    )
    strip = [(each_day, len(pairs)) for each_day, pairs in found if pairs]
    open_days = {each_day for each_day, _ in strip}
    if day not in open_days:
        day = strip[0][0] if strip else None
    times = next((pairs for each_day, pairs in found if each_day == day), [])
    return FamilyTimes(strip=strip, day=day, times=times)


def bookable_time(
    *, service: Service, therapist_id: int, starts_at: datetime
) -> tuple[User, slots.Slot] | None:
    """(therapist, slot) if a family may still book this time: a time on
    the service's grid, with notice, free in the therapist's diary."""
    therapist = therapists().filter(pk=therapist_id).first()
    if therapist is None:
        return None
    [(_, found)] = service_slots(
        service=service,
        first_day=timezone.localtime(starts_at).date(),
        days=1,
        not_before=timezone.now() + timedelta(hours=service.book_notice_hours),
        people=[therapist],
        grid=True,
    )
    return next(((person, slot) for person, slot in found if slot.starts_at == starts_at), None)


def chose_detailed_wording(user: User, family_id: int) -> bool:
    """Whether this caregiver asked for e-mails and calendars that name the
    service and the children (E-mail choices)."""
    return Caregiver.objects.filter(
        user=user, family_id=family_id, detailed_email_wording=True
    ).exists()


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


def next_visits(child_ids: list[int]) -> dict[int, datetime]:
    """When each of these children is next seen: the start of their first
    confirmed appointment from now on (children with none are left out). One
    query, each child's read from its own bookings, however many the practice
    holds."""
    if not child_ids:
        return {}
    first = (
        Appointment.objects.filter(
            bookings__children=OuterRef("pk"),
            bookings__status=Booking.Status.CONFIRMED,
            starts_at__gte=timezone.now(),
        )
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    # Children without one are dropped here: a filter on the subquery would
    # run it twice.
    return {
        pk: starts_at
        for pk, starts_at in Child.objects.filter(pk__in=child_ids)
        .annotate(first=Subquery(first))
        .order_by()
        .values_list("pk", "first")
        if starts_at is not None
    }


# --- Series, closures, free time for staff --------------------------------------

# Visits listed as booked on closed days or in leave, at most (a page, not a report).
DIARY_CLASH_LIMIT = 50


@dataclass(frozen=True)
class SeriesSummary:
    """ "Weekly on Tuesdays at 16:00, 10 visits, 3 to go"."""

    pattern: str
    visits: int
    to_go: int

    def __str__(self) -> str:
        visits = "1 visit" if self.visits == 1 else f"{self.visits} visits"
        return f"{self.pattern}, {visits}, {self.to_go} to go"


def series_summary(series: AppointmentSeries | None) -> SeriesSummary | None:
    """The series a visit belongs to, counted over its visits not cancelled
    (one query)."""
    if series is None:
        return None
    counts = Appointment.objects.filter(series=series).aggregate(
        visits=Count("pk", filter=~Q(status=Appointment.Status.CANCELLED)),
        to_go=Count(
            "pk",
            filter=~Q(status=Appointment.Status.CANCELLED) & Q(starts_at__gt=timezone.now()),
        ),
    )
    return SeriesSummary(series.pattern, counts["visits"], counts["to_go"])


def series_visits(series: AppointmentSeries) -> list[Appointment]:
    return list(series.visits.order_by("starts_at", "id"))


def closures_ahead() -> list[PracticeClosure]:
    return list(PracticeClosure.objects.filter(last_day__gte=timezone.localdate()))


def booked_in(periods: Iterable[slots.Interval], *, therapist: User | None = None) -> list:
    """Visits still booked inside any of these periods (closures, leave),
    for the practice to move or cancel one by one (one query)."""
    periods = list(periods)
    if not periods:
        return []
    inside = Q()
    for start, end in periods:
        inside |= Q(starts_at__lt=end, ends_at__gt=start)
    visits = Appointment.objects.filter(inside, status=Appointment.Status.BOOKED)
    if therapist is not None:
        visits = visits.filter(therapist=therapist)
    return list(
        visits.select_related("service", "therapist").order_by("starts_at")[:DIARY_CLASH_LIMIT]
    )


def closure_periods(closures: Iterable[PracticeClosure]) -> list[slots.Interval]:
    return [
        (slots.local_day_bounds(c.first_day)[0], slots.local_day_bounds(c.last_day)[1])
        for c in closures
    ]


def free_time(*, service: Service, therapist: User, day: date) -> list[slots.Interval]:
    """The stretches of a therapist's day where a visit of this service fits,
    for staff choosing any free start time (three queries)."""
    start, end = slots.local_day_bounds(day)
    if closures_by_day(day, day):
        return []
    hours = hours_for([therapist.pk]).get(therapist.pk, [])
    busy = busy_intervals(therapist_ids=[therapist.pk], start=start, end=end)[therapist.pk]
    return slots.free_starts(
        windows=slots.windows_on(day, hours),
        busy=busy,
        duration=timedelta(minutes=service.duration_minutes),
        buffer=timedelta(minutes=service.buffer_minutes),
    )


def sessions_started(bookings: Iterable[Booking]) -> list[TherapySession]:
    """The sessions attendance started from these bookings (one query):
    sessions_app keeps the booking's id."""
    booking_ids = [booking.pk for booking in bookings]
    return list(
        TherapySession.objects.filter(booking_id__in=booking_ids)
        .select_related("child")
        .order_by("child__first_name", "pk")
    )


def assessment_service() -> Service | None:
    """The service a new family's first visit is booked as."""
    return Service.objects.filter(active=True, kind=Service.Kind.ASSESSMENT).order_by("pk").first()


def open_offers(memberships: Memberships) -> list[dict]:
    """The waitlist places offered to the caregiver's families and still
    open (a place is the primary caregiver's to take), soonest deadline
    first, for Today. One query, or none for a supporting caregiver."""
    if not memberships.primary_family_ids:
        return []
    now = timezone.now()
    return list(
        WaitlistEntry.objects.filter(
            family_id__in=memberships.primary_family_ids,
            status=WaitlistEntry.Status.OFFERED,
            offer_expires_at__gt=now,
            group_session__starts_at__gt=now,
        )
        .order_by("offer_expires_at", "pk")
        .values(
            "pk",
            "offer_expires_at",
            "group_session__topic",
            "group_session__starts_at",
            "group_session__service__name",
        )
    )


def assessments_ahead(memberships: Memberships) -> dict[int, datetime]:
    """child id → the start of the initial assessment booked for them, for
    the children of the families the caregiver is a primary caregiver of
    (Today asks them to finish the intake questionnaire first). One query,
    or none."""
    if not memberships.primary_family_ids:
        return {}
    rows = (
        Booking.objects.filter(
            family_id__in=memberships.primary_family_ids,
            status__in=ACTIVE_BOOKING_STATUSES,
            appointment__service__kind=Service.Kind.ASSESSMENT,
            appointment__starts_at__gte=timezone.now(),
            children__isnull=False,
        )
        .order_by("-appointment__starts_at")
        .values_list("children__id", "appointment__starts_at")
    )
    # Newest first, so the soonest assessment of a child is the one kept.
    return dict(rows)


def _coming_up_rows(visible: QuerySet[Booking], slot: str, limit: int) -> list[dict]:
    """The next `limit` bookings of one kind (`slot`: "appointment" or
    "group_session") with the few fields Today's card shows."""
    return list(
        visible.filter(**{f"{slot}__starts_at__gte": timezone.now()})
        .order_by(f"{slot}__starts_at", "pk")
        .values(
            "pk",
            "status",
            "group_session_id",
            starts=F(f"{slot}__starts_at"),
            service_name=F(f"{slot}__service__name"),
            location=F(f"{slot}__service__location"),
            room_name=F(f"{slot}__room__name"),
            therapist_name=Coalesce(
                NullIf(F(f"{slot}__therapist__full_name"), Value("")),
                F(f"{slot}__therapist__email"),
                output_field=CharField(),
            ),
            escort_name=F("escort__user__full_name"),
            **({"topic": F("group_session__topic")} if slot == "group_session" else {}),
        )[:limit]
    )


def coming_up_for_today(user: User, memberships: Memberships, *, limit: int = 3) -> list[dict]:
    """The caregiver's next `limit` bookings (requested or confirmed, the
    ones bookings_visible_to lets them see) as Today's cards show them: what,
    when, where, with whom, for which children. Three small queries, the
    appointments', the groups' and the children's: one query joining both
    kinds of slot with everything a card shows took PostgreSQL ten times
    longer to plan than to run (`make bench`, issue 21)."""
    if not memberships.primary_family_ids and not memberships.caregiver_ids:
        return []
    visible = bookings_visible_to(user, memberships=memberships).filter(
        status__in=ACTIVE_BOOKING_STATUSES
    )
    rows = sorted(
        _coming_up_rows(visible, "appointment", limit)
        + _coming_up_rows(visible, "group_session", limit),
        key=lambda row: (row["starts"], row["pk"]),
    )[:limit]
    children: dict[int, list[str]] = {row["pk"]: [] for row in rows}
    if children:
        for booking_id, first, preferred in (
            Booking.children.through.objects.filter(booking_id__in=children)
            .order_by("child__first_name", "child_id")
            .values_list("booking_id", "child__first_name", "child__preferred_name")
        ):
            children[booking_id].append(preferred or first)
    for row in rows:
        row["children"] = children[row["pk"]]
        row["location_label"] = Service.Location(row["location"]).label
        row["status_label"] = Booking.Status(row["status"]).label
    return rows


def diary_grid(
    *,
    first_day: date,
    days: int,
    therapist: User | None = None,
    service: Service | None = None,
    people: Sequence[User] | None = None,
    admin: bool = False,
) -> dict:
    """The diary as a list of days (`days`, as diary() returns them) and as a
    time grid (`bands`, bookings.grid.bands) from the same reads: the
    template prints positions worked out here. Admins' blocks lead to groups'
    pages and to booking in free time."""
    found, hours, shown = _diary_days(
        first_day=first_day, days=days, therapist=therapist, service=service, people=people
    )
    links = grid.Links(
        appointment=_link_to("bookings:appointment_detail"),
        group=_link_to("bookings:group_detail") if admin else None,
        book=_booking_links() if admin else None,
    )
    return {
        "days": found,
        "bands": grid.bands(days=found, hours=hours, people=shown, links=links, now=timezone.now()),
    }


def _link_to(name: str) -> Callable[[int], str]:
    """A page's address for any pk, reversed once (core.links): a week holds
    hundreds of blocks, and reversing each took longer than drawing it."""
    return partial(url_with_id, name)


def _booking_links() -> Callable[[int, datetime], str]:
    """Booking by the practice, with the therapist and the start filled in
    (bookings.forms.booking_prefill reads them back)."""
    address = reverse("bookings:appointment_new")

    def link(therapist_id: int, starts_at: datetime) -> str:
        local = starts_at.astimezone(slots.LONDON).strftime("%Y-%m-%dT%H:%M")
        return f"{address}?{urlencode({'therapist': therapist_id, 'starts_at': local}, safe=':')}"

    return link
