"""Writes for the diary. Every booking is made inside one transaction, after
taking a row lock on what it competes for (the therapist, the room, the
group), so that the check "is it still free?" and the insert cannot be split
by another request. PostgreSQL's constraints back this up (see models)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Role, User
from bookings import emails, slots, video
from bookings.models import (
    ACTIVE_BOOKING_STATUSES,
    Appointment,
    AppointmentSeries,
    AvailabilityException,
    Booking,
    CalendarFeed,
    GroupSession,
    PracticeClosure,
    Room,
    Service,
    WaitlistEntry,
    WeeklyAvailability,
)
from bookings.permissions import booking_families, can_manage_booking, escorts_for, may_book
from families.models import AccessLevel, Caregiver, Child, Family
from sessions_app import services as sessions_services
from sessions_app.models import SessionType

# How long a family has to take up a place offered from the waitlist.
WAITLIST_OFFER_HOURS = 24
# How long a booking waits for a competing one before giving up politely.
LOCK_TIMEOUT = "3s"


class SlotTaken(ValidationError):
    """The time was free when the page was drawn and is not any more."""


class GroupFull(ValidationError):
    """No place left in the group: the family can join its waitlist."""


class Busy(ValidationError):
    """Someone else is booking the same thing this very moment."""


class TooLate(ValidationError):
    """Outside the notice rules: the family needs to talk to the practice."""


SLOT_TAKEN = "Sorry, that time is no longer free. Please choose another time."
GROUP_FULL = "This group is full — join the waitlist and we'll e-mail you if a place comes up."
# The same, said to the practice's staff booking a family in.
GROUP_FULL_STAFF = (
    "Every place in this group is taken (or held for a family offered one). Add the family "
    "to the waitlist, or raise the group's size first."
)
BUSY = "Lots of people are booking right now. Please try again in a moment."


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def _lock(queryset):
    """Lock the rows, or answer "busy" rather than keep the person waiting."""
    _set_lock_timeout()
    try:
        return list(queryset.select_for_update())
    except OperationalError as error:
        raise Busy(BUSY) from error


# --- Checks shared by the booking services ------------------------------------


NOT_A_BOOKER = "Only a parent or guardian of the family, or the practice, can book."
NOT_THEIR_CHILD = "You can book only for the children the family has asked you to book for."
NAME_A_CHILD = "Choose who is coming."
WAITLIST_IS_THE_FAMILYS = (
    "A place on the waitlist is for the whole family, so a parent or guardian puts the "
    "family on it."
)
NOT_THEIR_CANCEL = (
    "Only a parent or guardian of the family, or someone they have asked to book for the "
    "child, can cancel this booking."
)


def _check_booker(
    by: User, family: Family, children: Iterable[Child], *, naming_none: str = NAME_A_CHILD
) -> None:
    """Refuse a booking `by` may not make (bookings.permissions.may_book);
    `naming_none`: what to tell someone who books for some of the family's
    children of a place that names none (the whole family's)."""
    children = list(children)
    if may_book(by, family=family, children=children):
        return
    if not booking_families(by).filter(pk=family.pk).exists():
        raise ValidationError(NOT_A_BOOKER)
    # They book for some of the family's children, not for these (or, naming
    # none, for the family as a whole).
    if children:
        raise ValidationError({"children": NOT_THEIR_CHILD})
    raise ValidationError({"children": naming_none})


# What to say when a booking names no child, by whether the service is for
# parents only (a consultation is about some of the family's children).
NO_CHILDREN = {
    False: "Choose who the appointment is for.",
    True: "Choose which children the consultation is about.",
}


def _check_people(
    *,
    service: Service,
    family: Family,
    children: list[Child],
    escort: Caregiver | None,
    by: User,
) -> None:
    if any(child.family_id != family.pk for child in children):
        raise ValidationError({"children": "Choose children of this family only."})
    if not service.is_group and not children:
        raise ValidationError({"children": NO_CHILDREN[service.parent_only]})
    if escort is not None:
        if escort.family_id != family.pk:
            raise ValidationError({"escort": "Choose someone from this family."})
        if not escorts_for(by, family).filter(pk=escort.pk).exists():
            raise ValidationError(
                {"escort": "A parent chooses who else brings the child. Leave this as it is."}
            )
        if escort.access_level == AccessLevel.SUPPORTING and children:
            linked = set(escort.children.values_list("pk", flat=True))
            if not {child.pk for child in children} <= linked:
                raise ValidationError(
                    {"escort": f"{escort.user} is not linked to every child booked."}
                )


def _check_notice(*, by: User, starts_at: datetime, hours: int, what: str) -> None:
    """Families keep to the notice rules; the practice can always book."""
    if by.role == Role.ADMIN:
        return
    if starts_at < timezone.now() + timedelta(hours=hours):
        raise TooLate(
            f"{what} needs at least {hours} hours' notice. Please call the practice on "
            f"{settings.PRACTICE_PHONE} and we'll help."
        )


# How far before a range an appointment or group may end and still fill some
# of it, with the buffer of its service after it.
BUSY_REACH = timedelta(hours=4)


def busy_intervals(
    *,
    therapist_ids: Iterable[int],
    start: datetime,
    end: datetime,
    exclude_appointment: int | None = None,
) -> dict[int, list[slots.Interval]]:
    """What already fills each therapist's time between start and end, each
    with the buffer of its service after it. Three queries whatever the size."""
    therapist_ids = list(therapist_ids)
    reach = start - BUSY_REACH
    appointments = (
        Appointment.objects.filter(
            therapist_id__in=therapist_ids, starts_at__lt=end, ends_at__gt=reach
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .exclude(pk=exclude_appointment)
        .values_list("therapist_id", "starts_at", "ends_at", "service__buffer_minutes")
    )
    groups = GroupSession.objects.filter(
        therapist_id__in=therapist_ids,
        starts_at__lt=end,
        ends_at__gt=reach,
        cancelled_at__isnull=True,
    ).values_list("therapist_id", "starts_at", "ends_at", "service__buffer_minutes")
    return busy_of(therapist_ids, [*appointments, *groups], start=start, end=end)


def busy_of(
    therapist_ids: Iterable[int],
    filled: Iterable[tuple[int, datetime, datetime, int]],
    *,
    start: datetime,
    end: datetime,
    leave: dict[int, list[AvailabilityException]] | None = None,
) -> dict[int, list[slots.Interval]]:
    """busy_intervals from appointments and groups a page has already read:
    `filled` holds (therapist id, start, end, buffer minutes) of every one not
    cancelled that starts before `end` and ends after `start - BUSY_REACH`.
    The therapists' leave is read here (one query), unless the page has
    read it already (leave_of over the same range)."""
    therapist_ids = list(therapist_ids)
    if leave is None:
        leave = leave_of(therapist_ids, start=start, end=end)
    busy: dict[int, list[slots.Interval]] = {pk: [] for pk in therapist_ids}
    for therapist_id, starts_at, ends_at, buffer in filled:
        busy[therapist_id].append((starts_at, ends_at + timedelta(minutes=buffer)))
    for therapist_id in therapist_ids:
        busy[therapist_id].extend(
            (away.starts_at, away.ends_at) for away in leave.get(therapist_id, ())
        )
    return busy


def leave_of(
    therapist_ids: Iterable[int], *, start: datetime, end: datetime
) -> dict[int, list[AvailabilityException]]:
    """Each therapist's leave (AvailabilityException) that covers some of
    `start` to `end`, in time order (one query). The one reading of "on
    leave then": booking, a series' clashes and the diary all go through it."""
    therapist_ids = list(therapist_ids)
    leave: dict[int, list[AvailabilityException]] = {pk: [] for pk in therapist_ids}
    for away in (
        AvailabilityException.objects.filter(
            therapist_id__in=therapist_ids, starts_at__lt=end, ends_at__gt=start
        )
        .only("therapist_id", "starts_at", "ends_at", "reason")
        .order_by("starts_at", "id")
    ):
        leave[away.therapist_id].append(away)
    return leave


def closures_by_day(first_day: date, last_day: date) -> dict[date, PracticeClosure]:
    """The practice's closures by each local day from `first_day` to
    `last_day` that one closes (the first closure, where two cover a day).
    One query. The one reading of "the practice is closed that day":
    booking, free time, a series' clashes and the diary all go through it."""
    closed: dict[date, PracticeClosure] = {}
    for closure in PracticeClosure.objects.filter(
        first_day__lte=last_day, last_day__gte=first_day
    ).only("first_day", "last_day", "reason"):
        for day in slots.days_between(
            max(closure.first_day, first_day), min(closure.last_day, last_day)
        ):
            closed.setdefault(day, closure)
    return closed


def hours_for(therapist_ids: Iterable[int]) -> dict[int, list[slots.Hours]]:
    hours: dict[int, list[slots.Hours]] = {}
    # By the therapist's id, not the model's ordering by therapist (which
    # joined every row to its therapist's name).
    for therapist_id, weekday, starts_at, ends_at, room_id in (
        WeeklyAvailability.objects.filter(therapist_id__in=list(therapist_ids))
        .order_by("therapist_id", "weekday", "starts_at")
        .values_list("therapist_id", "weekday", "starts_at", "ends_at", "room_id")
    ):
        hours.setdefault(therapist_id, []).append(slots.Hours(weekday, starts_at, ends_at, room_id))
    return hours


def _check_time_free(
    *,
    service: Service,
    therapist: User,
    starts_at: datetime,
    ends_at: datetime,
    room: Room | None,
    exclude_appointment: int | None = None,
) -> slots.Window:
    """Inside the therapist's hours, clear of their diary and of the room's,
    on a day the practice is open. Called with the therapist (and room) rows
    locked."""
    local_day = starts_at.astimezone(slots.LONDON).date()
    closure = closures_by_day(local_day, local_day).get(local_day)
    if closure is not None:
        raise ValidationError({"starts_at": f"The practice is closed that day ({closure.reason})."})
    windows = slots.windows_on(local_day, hours_for([therapist.pk]).get(therapist.pk, []))
    window = next((w for w in windows if w.starts_at <= starts_at and ends_at <= w.ends_at), None)
    if window is None:
        raise ValidationError({"starts_at": f"{therapist} does not work at that time."})
    occupied = (starts_at, ends_at + timedelta(minutes=service.buffer_minutes))
    busy = busy_intervals(
        therapist_ids=[therapist.pk],
        start=starts_at,
        end=occupied[1],
        exclude_appointment=exclude_appointment,
    )[therapist.pk]
    if any(slots.overlaps(occupied, interval) for interval in busy):
        raise SlotTaken(SLOT_TAKEN)
    if room is not None:
        room_clash = (
            Appointment.objects.filter(room=room, starts_at__lt=ends_at, ends_at__gt=starts_at)
            .exclude(status=Appointment.Status.CANCELLED)
            .exclude(pk=exclude_appointment)
            .exists()
            or GroupSession.objects.filter(
                room=room, starts_at__lt=ends_at, ends_at__gt=starts_at, cancelled_at__isnull=True
            ).exists()
        )
        if room_clash:
            raise ValidationError({"room": f"{room} is already in use at that time."})
    return window


def _lock_diary(therapist: User, room: Room | None) -> None:
    """Serialise bookings for one therapist (and room): whoever holds the lock
    checks and writes; the next one then sees what was written."""
    _lock(User.objects.filter(pk=therapist.pk))
    if room is not None:
        _lock(Room.objects.filter(pk=room.pk))


# --- Appointments ---------------------------------------------------------------


def appointment_book(
    *,
    service: Service,
    therapist: User,
    starts_at: datetime,
    family: Family,
    children: Iterable[Child] = (),
    escort: Caregiver | None = None,
    room: Room | None = None,
    by_video: bool | None = None,
    by: User,
    request=None,
) -> Booking:
    """Book a family into a free slot of a therapist's diary. `by_video`: for
    a service the family may have either way, whether they chose a video
    call (unsaid: at the clinic); a video appointment gets its call's room
    (bookings.video) and no room of the clinic."""
    children = list(children)
    if service.is_group:
        raise ValidationError("Group sessions are booked by place, not by slot.")
    if service.location == Service.Location.EITHER:
        by_video = bool(by_video)
    elif by_video and service.location != Service.Location.VIDEO:
        raise ValidationError({"by_video": "This appointment is at the clinic only."})
    else:
        by_video = service.location == Service.Location.VIDEO
    if not service.active:
        raise ValidationError("This service is not offered at the moment.")
    if therapist.role != Role.THERAPIST:
        raise ValidationError({"therapist": "Choose one of the practice's therapists."})
    _check_people(service=service, family=family, children=children, escort=escort, by=by)
    _check_booker(by, family, children)
    if by.role != Role.ADMIN and not service.bookable_online:
        raise ValidationError("Please call the practice to book this.")
    _check_notice(
        by=by, starts_at=starts_at, hours=service.book_notice_hours, what="Booking online"
    )
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    try:
        with transaction.atomic():
            _lock_diary(therapist, room)
            window = _check_time_free(
                service=service,
                therapist=therapist,
                starts_at=starts_at,
                ends_at=ends_at,
                room=room,
            )
            if by_video:
                room = None
            elif room is None and window.room_id:
                room = Room.objects.filter(pk=window.room_id).first()
                if room is not None:
                    _lock(Room.objects.filter(pk=room.pk))
                    _check_time_free(
                        service=service,
                        therapist=therapist,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        room=room,
                    )
            appointment = Appointment.objects.create(
                service=service,
                therapist=therapist,
                room=room,
                starts_at=starts_at,
                ends_at=ends_at,
                by_video=by_video,
                video_room=video.room_for_new_appointment() if by_video else "",
            )
            booking = Booking.objects.create(
                family=family, appointment=appointment, booked_by=by, escort=escort
            )
            booking.children.set(children)
            audit_record(
                request=request,
                user=by,
                action=AuditEvent.Action.CREATE,
                record_type="booking",
                record_id=booking.pk,
                detail=f"{service.name} {starts_at.isoformat()}",
            )
            emails.booking_notify(booking=booking, kind=emails.CONFIRMED, by_id=by.pk)
    except IntegrityError as error:
        # The database's own guard (exclusion or unique constraint) caught a
        # clash the check above could not see.
        raise SlotTaken(SLOT_TAKEN) from error
    return booking


def appointment_move(
    *,
    appointment: Appointment,
    starts_at: datetime,
    therapist: User | None = None,
    by: User,
    request=None,
) -> Appointment:
    if appointment.is_cancelled:
        raise ValidationError("A cancelled appointment cannot be moved.")
    _check_changeable(appointment)
    therapist = therapist or appointment.therapist
    ends_at = starts_at + timedelta(minutes=appointment.service.duration_minutes)
    try:
        with transaction.atomic():
            _lock_diary(therapist, appointment.room)
            _check_time_free(
                service=appointment.service,
                therapist=therapist,
                starts_at=starts_at,
                ends_at=ends_at,
                room=appointment.room,
                exclude_appointment=appointment.pk,
            )
            previous = appointment.starts_at
            appointment.therapist = therapist
            appointment.starts_at, appointment.ends_at = starts_at, ends_at
            appointment.save(update_fields=["therapist", "starts_at", "ends_at"])
            audit_record(
                request=request,
                user=by,
                action=AuditEvent.Action.CHANGE,
                record_type="appointment",
                record_id=appointment.pk,
                detail=f"moved from {previous.isoformat()} to {starts_at.isoformat()}",
            )
    except IntegrityError as error:
        raise SlotTaken(SLOT_TAKEN) from error
    return appointment


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, reason: str, by: User, request=None
) -> Appointment:
    """Cancel the appointment and its booking; the time becomes free again."""
    updated = Appointment.objects.filter(
        pk=appointment.pk, status=Appointment.Status.BOOKED
    ).update(status=Appointment.Status.CANCELLED)
    if not updated:
        raise ValidationError("This appointment is already cancelled.")
    cancelled = list(
        Booking.objects.filter(
            appointment=appointment, status__in=ACTIVE_BOOKING_STATUSES
        ).values_list("pk", flat=True)
    )
    Booking.objects.filter(pk__in=cancelled).update(
        status=Booking.Status.CANCELLED,
        cancellation_reason=reason[:300],
        cancelled_at=timezone.now(),
    )
    emails.bookings_cancelled_notify(booking_ids=cancelled, by_id=by.pk)
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.CHANGE,
        record_type="appointment",
        record_id=appointment.pk,
        detail=f"cancelled: {reason}",
    )
    appointment.refresh_from_db()
    return appointment


# --- Series of visits ------------------------------------------------------------

# A series is at most a year of weekly visits.
SERIES_MOST_VISITS = 52


@dataclass
class PlannedVisit:
    """One visit of a series before it is booked, and why it cannot be (if so)."""

    number: int
    day: date
    starts_at: datetime
    ends_at: datetime
    clash: str = ""
    room_id: int | None = None

    @property
    def free(self) -> bool:
        return not self.clash


def _fmt(moment: datetime) -> str:
    return moment.astimezone(slots.LONDON).strftime("%H:%M")


def visit_clashes(
    *,
    service: Service,
    therapist: User,
    starts: list[datetime],
    room: Room | None = None,
    exclude_appointments: Iterable[int] = (),
) -> list[tuple[str, int | None]]:
    """For each start time: what stands in the way of a visit then (empty
    when nothing does), in the words of the practice's staff, and the room of
    the working hours it falls in. A constant number of queries, however
    many visits."""
    if not starts:
        return []
    duration = timedelta(minutes=service.duration_minutes)
    buffer = timedelta(minutes=service.buffer_minutes)
    exclude = list(exclude_appointments)
    first, last = min(starts), max(starts) + duration + buffer
    days = [start.astimezone(slots.LONDON).date() for start in starts]
    closures = closures_by_day(min(days), max(days))
    leave = leave_of([therapist.pk], start=first, end=last)[therapist.pk]
    hours = hours_for([therapist.pk]).get(therapist.pk, [])
    others = list(
        Appointment.objects.filter(
            therapist=therapist, starts_at__lt=last, ends_at__gt=first - BUSY_REACH
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .exclude(pk__in=exclude)
        .select_related("service")
    )
    groups = list(
        GroupSession.objects.filter(
            therapist=therapist,
            starts_at__lt=last,
            ends_at__gt=first - BUSY_REACH,
            cancelled_at__isnull=True,
        ).select_related("service")
    )
    # The room each visit takes: the one chosen, or (at the clinic) the room
    # of the working hours it falls in, as appointment_book assigns it.
    windows_by_day = {day: slots.windows_on(day, hours) for day in set(days)}
    if room is not None:
        room_ids = {room.pk}
    elif service.location == Service.Location.CLINIC:
        room_ids = {w.room_id for ws in windows_by_day.values() for w in ws if w.room_id}
    else:
        room_ids = set()
    in_room: dict[int, list[tuple[str, datetime, datetime]]] = {}
    if room_ids:
        for room_id, name, starts_at, ends_at in [
            *Appointment.objects.filter(room_id__in=room_ids, starts_at__lt=last, ends_at__gt=first)
            .exclude(status=Appointment.Status.CANCELLED)
            .exclude(pk__in=exclude)
            .exclude(therapist=therapist)  # their own visits are clashes of their diary
            .values_list("room_id", "room__name", "starts_at", "ends_at"),
            *GroupSession.objects.filter(
                room_id__in=room_ids,
                starts_at__lt=last,
                ends_at__gt=first,
                cancelled_at__isnull=True,
            )
            .exclude(therapist=therapist)
            .values_list("room_id", "room__name", "starts_at", "ends_at"),
        ]:
            in_room.setdefault(room_id, []).append((name, starts_at, ends_at))
    now = timezone.now()
    result = []
    for start, day in zip(starts, days, strict=True):
        end = start + duration
        occupied = (start, end + buffer)
        window = next(
            (w for w in windows_by_day[day] if w.starts_at <= start and end <= w.ends_at),
            None,
        )
        room_id = room.pk if room is not None else (window.room_id if window else None)
        room_taken = next(
            (
                name
                for name, taken_from, taken_until in in_room.get(room_id, [])
                if slots.overlaps((start, end), (taken_from, taken_until))
            ),
            None,
        )
        closed = closures.get(day)
        away = next(
            (a for a in leave if slots.overlaps((start, end), (a.starts_at, a.ends_at))), None
        )
        other = next(
            (
                a
                for a in [*others, *groups]
                if slots.overlaps(
                    occupied,
                    (a.starts_at, a.ends_at + timedelta(minutes=a.service.buffer_minutes)),
                )
            ),
            None,
        )
        if closed is not None:
            clash = f"The practice is closed ({closed.reason})."
        elif away is not None:
            clash = f"{therapist} is on leave" + (f" ({away.reason})." if away.reason else ".")
        elif start <= now:
            clash = "This time has already passed."
        elif window is None:
            clash = f"Outside {therapist}'s working hours."
        elif other is not None:
            what = "a group" if isinstance(other, GroupSession) else "another appointment"
            clash = (
                f"{therapist} has {what} ({other.service.name}) "
                f"from {_fmt(other.starts_at)} to {_fmt(other.ends_at)}."
            )
        elif room_taken is not None:
            clash = f"{room_taken} is in use then."
        else:
            clash = ""
        result.append((clash, window.room_id if window else None))
    return result


def _check_series_shape(
    *, every_weeks: int, count: int | None, until: date | None, first_day: date
) -> None:
    if every_weeks not in (1, 2):
        raise ValidationError({"every_weeks": "Choose every week or every two weeks."})
    if (count is None) == (until is None):
        raise ValidationError({"count": "Give either a number of visits or a last date."})
    if count is not None and not 2 <= count <= SERIES_MOST_VISITS:
        raise ValidationError({"count": f"A series has between 2 and {SERIES_MOST_VISITS} visits."})
    if until is not None:
        if until <= first_day:
            raise ValidationError({"until": "The last date must be after the first visit."})
        if until > first_day + timedelta(weeks=SERIES_MOST_VISITS):
            raise ValidationError({"until": "A series can run for a year at most."})


def series_plan(
    *,
    service: Service,
    therapist: User,
    first_day: date,
    at: time,
    every_weeks: int,
    count: int | None = None,
    until: date | None = None,
    room: Room | None = None,
) -> list[PlannedVisit]:
    """The visits of a series as they would be booked, each with its clash
    (the practice closed, the therapist on leave or busy, outside their
    hours). Read-only: the page shows it before anything is saved."""
    _check_series_shape(every_weeks=every_weeks, count=count, until=until, first_day=first_day)
    days = slots.series_days(first_day=first_day, every_weeks=every_weeks, count=count, until=until)
    starts = [slots.local_to_utc(day, at) for day in days]
    clashes = visit_clashes(service=service, therapist=therapist, starts=starts, room=room)
    duration = timedelta(minutes=service.duration_minutes)
    return [
        PlannedVisit(number, day, start, start + duration, clash, room_id)
        for number, (day, start, (clash, room_id)) in enumerate(
            zip(days, starts, clashes, strict=True), start=1
        )
    ]


@dataclass
class SeriesBooked:
    series: AppointmentSeries
    bookings: list[Booking]
    skipped: list[PlannedVisit]


def series_book(
    *,
    service: Service,
    therapist: User,
    family: Family,
    first_day: date,
    at: time,
    every_weeks: int,
    count: int | None = None,
    until: date | None = None,
    children: Iterable[Child] = (),
    escort: Caregiver | None = None,
    room: Room | None = None,
    by: User,
    request=None,
) -> SeriesBooked:
    """Book every visit of a series that is free, and skip the rest. The
    clashes are worked out again with the diary locked, so a visit booked by
    someone else since the page was drawn is skipped, not double-booked."""
    children = list(children)
    if by.role != Role.ADMIN:
        raise ValidationError("Only the practice books a series of visits.")
    if service.is_group:
        raise ValidationError("Group sessions are booked by place, not by slot.")
    if not service.active:
        raise ValidationError("This service is not offered at the moment.")
    if therapist.role != Role.THERAPIST:
        raise ValidationError({"therapist": "Choose one of the practice's therapists."})
    _check_people(service=service, family=family, children=children, escort=escort, by=by)
    try:
        with transaction.atomic():
            _lock_diary(therapist, room)
            plan = series_plan(
                service=service,
                therapist=therapist,
                first_day=first_day,
                at=at,
                every_weeks=every_weeks,
                count=count,
                until=until,
                room=room,
            )
            free = [visit for visit in plan if visit.free]
            if not free:
                raise ValidationError("None of these visits can be booked: see the clashes.")
            series = AppointmentSeries.objects.create(
                service=service,
                therapist=therapist,
                family=family,
                every_weeks=every_weeks,
                weekday=first_day.weekday(),
                local_time=at,
                created_by=by,
            )
            rooms = Room.objects.in_bulk({v.room_id for v in free if v.room_id})
            bookings = []
            for visit in free:
                visit_room = room
                if room is None and service.location == Service.Location.CLINIC:
                    visit_room = rooms.get(visit.room_id)
                appointment = Appointment.objects.create(
                    service=service,
                    therapist=therapist,
                    room=visit_room,
                    starts_at=visit.starts_at,
                    ends_at=visit.ends_at,
                    series=series,
                )
                booking = Booking.objects.create(
                    family=family, appointment=appointment, booked_by=by, escort=escort
                )
                booking.children.set(children)
                bookings.append(booking)
            audit_record(
                request=request,
                user=by,
                action=AuditEvent.Action.CREATE,
                record_type="appointment_series",
                record_id=series.pk,
                detail=f"{service.name}: {len(bookings)} visits from {first_day.isoformat()}",
            )
            # One confirmation for the series: it lists every visit.
            emails.booking_notify(booking=bookings[0], kind=emails.CONFIRMED, by_id=by.pk)
    except IntegrityError as error:
        raise SlotTaken(SLOT_TAKEN) from error
    return SeriesBooked(series, bookings, [visit for visit in plan if not visit.free])


def _this_and_following(appointment: Appointment) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            series_id=appointment.series_id,
            status=Appointment.Status.BOOKED,
            starts_at__gte=appointment.starts_at,
        )
        .select_related("service", "room")
        .order_by("starts_at")
    )


def _check_changeable(appointment: Appointment) -> None:
    if appointment.is_cancelled:
        raise ValidationError("This appointment is already cancelled.")
    if appointment.starts_at <= timezone.now():
        raise ValidationError("This appointment has started: only future ones can be changed.")


def series_cancel_following(
    *, appointment: Appointment, reason: str, by: User, request=None
) -> list[Appointment]:
    """Cancel this visit and every later one of its series."""
    if appointment.series_id is None:
        raise ValidationError("This appointment is not part of a series.")
    _check_changeable(appointment)
    with transaction.atomic():
        _lock_diary(appointment.therapist, None)
        visits = _this_and_following(appointment)
        for visit in visits:
            appointment_cancel(appointment=visit, reason=reason, by=by, request=request)
    return visits


def series_move_following(
    *, appointment: Appointment, starts_at: datetime, by: User, request=None
) -> list[Appointment]:
    """Move this visit and every later one of its series by the same number of
    days, to the new wall-clock time. All or nothing: if any of them would
    clash, nothing moves and the clashes are listed. The moved visits become
    a series of their own (the earlier ones keep the old day and time)."""
    if appointment.series_id is None:
        raise ValidationError("This appointment is not part of a series.")
    _check_changeable(appointment)
    if starts_at <= timezone.now():
        raise ValidationError({"starts_at": "Choose a time in the future."})
    old_day = appointment.starts_at.astimezone(slots.LONDON).date()
    new_local = starts_at.astimezone(slots.LONDON)
    shift = new_local.date() - old_day
    try:
        with transaction.atomic():
            _lock_diary(appointment.therapist, appointment.room)
            visits = _this_and_following(appointment)
            starts = [
                slots.local_to_utc(
                    visit.starts_at.astimezone(slots.LONDON).date() + shift, new_local.time()
                )
                for visit in visits
            ]
            clashes = visit_clashes(
                service=appointment.service,
                therapist=appointment.therapist,
                starts=starts,
                room=appointment.room,
                exclude_appointments=[visit.pk for visit in visits],
            )
            problems = [
                f"{start.astimezone(slots.LONDON):%a %-d %b}: {clash}"
                for start, (clash, _) in zip(starts, clashes, strict=True)
                if clash
            ]
            if problems:
                raise ValidationError(
                    {"starts_at": ["Nothing was moved. " + problems[0], *problems[1:]]}
                )
            series = appointment.series
            earlier = Appointment.objects.filter(
                series=series, starts_at__lt=appointment.starts_at
            ).exists()
            if earlier:
                series = AppointmentSeries.objects.create(
                    service=series.service,
                    therapist=series.therapist,
                    family=series.family,
                    every_weeks=series.every_weeks,
                    weekday=new_local.weekday(),
                    local_time=new_local.time(),
                    created_by=by,
                )
            else:
                series.weekday, series.local_time = new_local.weekday(), new_local.time()
                series.save(update_fields=["weekday", "local_time"])
            duration = timedelta(minutes=appointment.service.duration_minutes)
            for visit, start in zip(visits, starts, strict=True):
                visit.starts_at, visit.ends_at, visit.series = start, start + duration, series
                visit.save(update_fields=["starts_at", "ends_at", "series"])
            audit_record(
                request=request,
                user=by,
                action=AuditEvent.Action.CHANGE,
                record_type="appointment_series",
                record_id=series.pk,
                detail=f"{len(visits)} visits moved from {appointment.starts_at.isoformat()} "
                f"to {starts_at.isoformat()}",
            )
    except IntegrityError as error:
        raise SlotTaken(SLOT_TAKEN) from error
    return visits


# --- Closures -------------------------------------------------------------------


def closure_add(
    *, first_day: date, last_day: date, reason: str, by: User, request=None
) -> PracticeClosure:
    """Close the practice for some days. Visits already booked then stay in
    the diary (the practice decides each one): the closures page lists them."""
    if last_day < first_day:
        raise ValidationError({"last_day": "The last day cannot be before the first."})
    closure = PracticeClosure.objects.create(first_day=first_day, last_day=last_day, reason=reason)
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.CREATE,
        record_type="practice_closure",
        record_id=closure.pk,
        detail=f"{first_day.isoformat()} to {last_day.isoformat()}: {reason}",
    )
    return closure


def closure_remove(*, closure: PracticeClosure, by: User, request=None) -> None:
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.DELETE,
        record_type="practice_closure",
        record_id=closure.pk,
        detail="removed",
    )
    closure.delete()


ATTENDANCE_OUTCOMES = {
    Booking.Status.ATTENDED,
    Booking.Status.LATE_CANCELLED,
    Booking.Status.NO_SHOW,
}


@transaction.atomic
@dataclass
class Attendance:
    """What recording attendance did: the sessions now ready for a note, and
    why any booking got none (e.g. the child is not on the therapist's caseload)."""

    appointment: Appointment
    sessions: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# How a booked service is recorded as a contact in the clinical record.
SESSION_TYPE_FOR_SERVICE = {
    Service.Kind.ASSESSMENT: SessionType.INITIAL_ASSESSMENT,
    Service.Kind.THERAPY: SessionType.THERAPY,
    Service.Kind.CONSULTATION: SessionType.PARENT_COACHING,
    Service.Kind.GROUP: SessionType.GROUP_COACHING,
    Service.Kind.REVIEW: SessionType.REVIEW,
}


@transaction.atomic
def appointment_record_attendance(
    *, appointment: Appointment, outcome: str, by: User, request=None
) -> Attendance:
    """Attended, cancelled late, or did not attend. "Attended" hands the visit
    to the sessions app, which starts a session per child, ready for a note."""
    if outcome not in ATTENDANCE_OUTCOMES:
        raise ValidationError({"outcome": "Choose attended, late cancellation or did not attend."})
    if appointment.is_cancelled:
        raise ValidationError("This appointment was cancelled.")
    if appointment.starts_at > timezone.now() and outcome != Booking.Status.LATE_CANCELLED:
        raise ValidationError(
            {"outcome": "Attendance can be recorded once the appointment starts."}
        )
    updated = (
        Booking.objects.filter(appointment=appointment)
        .exclude(status=Booking.Status.CANCELLED)
        .update(status=outcome)
    )
    if not updated:
        raise ValidationError("There is no booking to record attendance for.")
    audit_record(
        request=request,
        user=by,
        action=AuditEvent.Action.CHANGE,
        record_type="appointment",
        record_id=appointment.pk,
        detail=f"attendance: {outcome}",
    )
    attendance = Attendance(appointment=appointment)
    if outcome == Booking.Status.ATTENDED:
        _start_sessions(attendance, by=by, request=request)
    return attendance


def _start_sessions(attendance: Attendance, *, by: User, request) -> None:
    appointment = attendance.appointment
    service = appointment.service
    bookings = (
        Booking.objects.filter(appointment=appointment, status=Booking.Status.ATTENDED)
        .select_related("family", "escort")
        .prefetch_related("children")
    )
    for booking in bookings:
        try:
            with transaction.atomic():
                attendance.sessions += sessions_services.sessions_for_attended_booking(
                    by=by,
                    booking_id=booking.pk,
                    family=booking.family,
                    children=booking.children.all(),
                    parents_only=service.parent_only,
                    therapist=appointment.therapist,
                    session_type=SESSION_TYPE_FOR_SERVICE[service.kind],
                    starts_at=appointment.starts_at,
                    duration_minutes=service.duration_minutes,
                    location=service.location,
                    escort=booking.escort,
                    request=request,
                )
        except ValidationError as error:
            attendance.problems.append(f"{booking.family}: {' '.join(error.messages)}")


# --- Group sessions -----------------------------------------------------------------


def group_session_create(
    *,
    service: Service,
    therapist: User,
    starts_at: datetime,
    topic: str,
    capacity: int | None = None,
    room: Room | None = None,
    by: User,
) -> GroupSession:
    if not service.is_group:
        raise ValidationError({"service": "Choose a group service."})
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    with transaction.atomic():
        _lock_diary(therapist, room)
        busy = busy_intervals(therapist_ids=[therapist.pk], start=starts_at, end=ends_at)
        if any(slots.overlaps((starts_at, ends_at), interval) for interval in busy[therapist.pk]):
            raise ValidationError({"starts_at": f"{therapist} is already busy at that time."})
        return GroupSession.objects.create(
            service=service,
            therapist=therapist,
            room=room,
            starts_at=starts_at,
            ends_at=ends_at,
            topic=topic,
            capacity=capacity or service.capacity,
        )


def group_session_cancel(
    *, group_session: GroupSession, reason: str, by: User, request=None
) -> GroupSession:
    """Call off a whole group: every place is cancelled and the waitlist closed."""
    with transaction.atomic():
        group = _lock(GroupSession.objects.filter(pk=group_session.pk))[0]
        if group.cancelled_at is not None:
            raise ValidationError("This group session is already cancelled.")
        now = timezone.now()
        group.cancelled_at = now
        group.save(update_fields=["cancelled_at"])
        cancelled = list(
            group.bookings.filter(status__in=ACTIVE_BOOKING_STATUSES).values_list("pk", flat=True)
        )
        Booking.objects.filter(pk__in=cancelled).update(
            status=Booking.Status.CANCELLED, cancellation_reason=reason[:300], cancelled_at=now
        )
        emails.bookings_cancelled_notify(booking_ids=cancelled, by_id=by.pk)
        group.waitlist.filter(
            status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED)
        ).update(status=WaitlistEntry.Status.WITHDRAWN)
        audit_record(
            request=request,
            user=by,
            action=AuditEvent.Action.CHANGE,
            record_type="group_session",
            record_id=group.pk,
            detail=f"cancelled: {reason}",
        )
    return group


def _live_offers(group_session: GroupSession):
    return WaitlistEntry.objects.filter(
        group_session=group_session,
        status=WaitlistEntry.Status.OFFERED,
        offer_expires_at__gt=timezone.now(),
    )


def places_left(group_session: GroupSession, *, for_family: Family | None = None) -> int:
    """Places not taken by a booking nor held for a family offered one."""
    booked = group_session.bookings.filter(status__in=ACTIVE_BOOKING_STATUSES).count()
    held = _live_offers(group_session)
    if for_family is not None:
        held = held.exclude(family=for_family)
    return group_session.capacity - booked - held.count()


def group_place_book(
    *,
    group_session: GroupSession,
    family: Family,
    children: Iterable[Child] = (),
    escort: Caregiver | None = None,
    by: User,
    request=None,
) -> Booking:
    """Take a place in a group, or raise GroupFull."""
    children = list(children)
    service = group_session.service
    _check_people(service=service, family=family, children=children, escort=escort, by=by)
    _check_booker(by, family, children)
    if by.role != Role.ADMIN and not service.bookable_online:
        raise ValidationError("Please call the practice to book this.")
    _check_notice(
        by=by,
        starts_at=group_session.starts_at,
        hours=service.book_notice_hours,
        what="Booking online",
    )
    try:
        with transaction.atomic():
            locked = _lock(GroupSession.objects.filter(pk=group_session.pk))[0]
            if locked.cancelled_at is not None:
                raise ValidationError("This group session has been cancelled.")
            if Booking.objects.filter(
                group_session=locked, family=family, status__in=ACTIVE_BOOKING_STATUSES
            ).exists():
                raise ValidationError("Your family already has a place in this group.")
            if places_left(locked, for_family=family) <= 0:
                raise GroupFull(GROUP_FULL_STAFF if by.role == Role.ADMIN else GROUP_FULL)
            booking = Booking.objects.create(
                family=family, group_session=locked, booked_by=by, escort=escort
            )
            booking.children.set(children)
            # A family that was offered the place has now taken it.
            WaitlistEntry.objects.filter(
                group_session=locked,
                family=family,
                status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED),
            ).update(status=WaitlistEntry.Status.ACCEPTED)
            audit_record(
                request=request,
                user=by,
                action=AuditEvent.Action.CREATE,
                record_type="booking",
                record_id=booking.pk,
                detail=f"group {locked.pk}",
            )
            emails.booking_notify(booking=booking, kind=emails.CONFIRMED, by_id=by.pk)
    except IntegrityError as error:
        raise ValidationError("Your family already has a place in this group.") from error
    return booking


# --- Cancelling by families or the practice -----------------------------------------


def booking_cancel(*, booking: Booking, by: User, reason: str = "", request=None) -> Booking:
    """Cancel a booking. Families keep to the service's notice; the practice
    can always cancel. A freed group place goes to the waitlist."""
    slot = booking.slot
    service = slot.service
    if not booking.is_active:
        raise ValidationError("This booking is already cancelled or over.")
    if not can_manage_booking(by, booking):
        raise ValidationError(NOT_THEIR_CANCEL)
    if by.role != Role.ADMIN:
        _check_notice(
            by=by, starts_at=slot.starts_at, hours=service.cancel_notice_hours, what="Cancelling"
        )
    if booking.appointment_id is not None:
        appointment_cancel(
            appointment=booking.appointment,
            reason=reason or f"Cancelled by {by}",
            by=by,
            request=request,
        )
        booking.refresh_from_db()
        return booking
    with transaction.atomic():
        group = _lock(GroupSession.objects.filter(pk=booking.group_session_id))[0]
        updated = Booking.objects.filter(pk=booking.pk, status__in=ACTIVE_BOOKING_STATUSES).update(
            status=Booking.Status.CANCELLED,
            cancellation_reason=(reason or f"Cancelled by {by}")[:300],
            cancelled_at=timezone.now(),
        )
        if not updated:
            raise ValidationError("This booking is already cancelled.")
        emails.bookings_cancelled_notify(booking_ids=[booking.pk], by_id=by.pk)
        audit_record(
            request=request,
            user=by,
            action=AuditEvent.Action.CHANGE,
            record_type="booking",
            record_id=booking.pk,
            detail=f"cancelled: {reason}",
        )
        _offer_free_places(group)
    booking.refresh_from_db()
    return booking


# --- Waitlist -----------------------------------------------------------------------


def waitlist_join(*, group_session: GroupSession, family: Family, by: User) -> WaitlistEntry:
    """Put the family on a full group's waitlist. The place is the whole
    family's (it names no child), so a parent's or the practice's to take."""
    _check_booker(by, family, (), naming_none=WAITLIST_IS_THE_FAMILYS)
    try:
        with transaction.atomic():
            group = _lock(GroupSession.objects.filter(pk=group_session.pk))[0]
            if Booking.objects.filter(
                group_session=group, family=family, status__in=ACTIVE_BOOKING_STATUSES
            ).exists():
                raise ValidationError("Your family already has a place in this group.")
            if places_left(group, for_family=family) > 0:
                raise ValidationError("There is a place free: you can book it now.")
            last = group.waitlist.aggregate(last=Max("position"))["last"] or 0
            return WaitlistEntry.objects.create(
                group_session=group, family=family, position=last + 1, joined_by=by
            )
    except IntegrityError as error:
        raise ValidationError("Your family is already on the waitlist.") from error


def _offer_free_places(group: GroupSession) -> list[WaitlistEntry]:
    """With the group row locked: let lapsed offers go, then offer each free
    place to the next family in line."""
    now = timezone.now()
    for entry in WaitlistEntry.objects.filter(
        group_session=group, status=WaitlistEntry.Status.OFFERED, offer_expires_at__lte=now
    ):
        expired = WaitlistEntry.objects.filter(
            pk=entry.pk, status=WaitlistEntry.Status.OFFERED
        ).update(status=WaitlistEntry.Status.EXPIRED)
        if expired:
            emails.waitlist_notify(entry=entry, kind=emails.WAITLIST_EXPIRED)
    if group.cancelled_at is not None or group.starts_at <= now:
        return []
    free = places_left(group)
    if free <= 0:
        return []
    offered = list(
        WaitlistEntry.objects.filter(
            group_session=group, status=WaitlistEntry.Status.WAITING
        ).order_by("position", "id")[:free]
    )
    expires = min(now + timedelta(hours=WAITLIST_OFFER_HOURS), group.starts_at)
    for entry in offered:
        # Compare-and-swap: an entry is offered once, even if two sweeps run.
        claimed = WaitlistEntry.objects.filter(
            pk=entry.pk, status=WaitlistEntry.Status.WAITING
        ).update(status=WaitlistEntry.Status.OFFERED, offered_at=now, offer_expires_at=expires)
        if claimed:
            entry.offered_at = now
            emails.waitlist_notify(entry=entry, kind=emails.WAITLIST_OFFER)
    return offered


def waitlist_offer_places(*, group_session: GroupSession) -> list[WaitlistEntry]:
    """Offer freed places to the waitlist. Harmless to run twice."""
    with transaction.atomic():
        group = _lock(GroupSession.objects.filter(pk=group_session.pk))[0]
        return _offer_free_places(group)


def waitlist_offer_now(*, entry: WaitlistEntry, by: User, request=None) -> WaitlistEntry:
    """The practice offers a free place to this family now, ahead of the
    line if it chooses (a sibling already in the group, a family that cannot
    wait). Only a place that is free: nobody's booking is taken away."""
    with transaction.atomic():
        group = _lock(GroupSession.objects.filter(pk=entry.group_session_id))[0]
        if group.cancelled_at is not None or group.starts_at <= timezone.now():
            raise ValidationError("This group has been cancelled or has started.")
        if not WaitlistEntry.objects.filter(
            pk=entry.pk, status=WaitlistEntry.Status.WAITING
        ).exists():
            raise ValidationError("This family is not waiting any more.")
        if places_left(group) <= 0:
            raise ValidationError(
                "No place is free to offer. Raise the group's size or cancel a place first."
            )
        now = timezone.now()
        expires = min(now + timedelta(hours=WAITLIST_OFFER_HOURS), group.starts_at)
        claimed = WaitlistEntry.objects.filter(
            pk=entry.pk, status=WaitlistEntry.Status.WAITING
        ).update(status=WaitlistEntry.Status.OFFERED, offered_at=now, offer_expires_at=expires)
        if not claimed:
            raise ValidationError("This family is not waiting any more.")
        entry.refresh_from_db()
        emails.waitlist_notify(entry=entry, kind=emails.WAITLIST_OFFER)
        audit_record(
            request=request,
            user=by,
            action=AuditEvent.Action.CHANGE,
            record_type="waitlist_entry",
            record_id=entry.pk,
            detail="place offered by the practice",
        )
    return entry


def waitlist_sweep() -> int:
    """Move every waitlist on: expired offers pass to the next family."""
    now = timezone.now()
    groups = GroupSession.objects.filter(
        starts_at__gt=now,
        cancelled_at__isnull=True,
        waitlist__status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED),
    ).distinct()
    count = 0
    for group in groups:
        count += len(waitlist_offer_places(group_session=group))
    return count


def waitlist_accept(*, entry: WaitlistEntry, by: User, request=None) -> Booking:
    if entry.status != WaitlistEntry.Status.OFFERED or (
        entry.offer_expires_at and entry.offer_expires_at <= timezone.now()
    ):
        raise ValidationError(
            "Sorry, this offer has ended. You are welcome to join the list again."
        )
    return group_place_book(
        group_session=entry.group_session, family=entry.family, by=by, request=request
    )


def waitlist_leave(*, entry: WaitlistEntry, by: User) -> WaitlistEntry:
    _check_booker(by, entry.family, (), naming_none=WAITLIST_IS_THE_FAMILYS)
    with transaction.atomic():
        group = _lock(GroupSession.objects.filter(pk=entry.group_session_id))[0]
        WaitlistEntry.objects.filter(
            pk=entry.pk, status__in=(WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED)
        ).update(status=WaitlistEntry.Status.WITHDRAWN)
        _offer_free_places(group)
    entry.refresh_from_db()
    return entry


def waitlist_move(*, entry: WaitlistEntry, up: bool) -> None:
    """Swap an entry with its neighbour above or below (admin reordering)."""
    with transaction.atomic():
        _lock(GroupSession.objects.filter(pk=entry.group_session_id))
        waiting = WaitlistEntry.objects.filter(
            group_session_id=entry.group_session_id, status=WaitlistEntry.Status.WAITING
        )
        current = waiting.filter(pk=entry.pk).first()
        if current is None:
            raise ValidationError("Only families still waiting can be moved.")
        if up:
            neighbour = waiting.filter(position__lt=current.position).order_by("-position").first()
        else:
            neighbour = waiting.filter(position__gt=current.position).order_by("position").first()
        if neighbour is None:
            return
        current.position, neighbour.position = neighbour.position, current.position
        WaitlistEntry.objects.filter(pk=current.pk).update(position=current.position)
        WaitlistEntry.objects.filter(pk=neighbour.pk).update(position=neighbour.position)


# --- Calendar feeds ------------------------------------------------------------------


def calendar_feed_get(*, user: User) -> CalendarFeed:
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        try:
            with transaction.atomic():
                feed = CalendarFeed.objects.create(user=user, token=CalendarFeed.new_token())
        except IntegrityError:
            feed = CalendarFeed.objects.get(user=user)
    return feed


def calendar_feed_reset(*, user: User) -> CalendarFeed:
    """A new address; the old one stops working at once."""
    feed = calendar_feed_get(user=user)
    feed.token = CalendarFeed.new_token()
    feed.save(update_fields=["token"])
    return feed
