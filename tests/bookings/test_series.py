"""Regular visits booked as a series: the dates at local wall-clock time
across the clock changes, closures and leave skipped, clashes listed before
anything is saved, and "this and the following" moved or cancelled."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings import selectors, services, slots
from bookings.emails import CONFIRMED, REMINDER, reminders_sweep
from bookings.models import (
    Appointment,
    AppointmentSeries,
    AvailabilityException,
    Booking,
    PracticeClosure,
    Service,
    WeeklyAvailability,
)
from notifications.models import OutboxMessage
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    BookingFactory,
    GroupSessionFactory,
    RoomFactory,
    ServiceFactory,
)

pytestmark = [pytest.mark.django_db]

FOUR_PM = time(16)


@pytest.fixture
def therapy(world):
    """1:1 therapy, and the world's therapist working every day 09:00-17:00."""
    service = ServiceFactory(
        name="1:1 therapy",
        kind=Service.Kind.THERAPY,
        parent_only=False,
        duration_minutes=45,
        buffer_minutes=15,
        reminder_offsets_hours=[48, 2],
    )
    for weekday in range(7):
        AvailabilityFactory(therapist=world.therapist, weekday=weekday)
    return service


def local(moment: datetime) -> datetime:
    return moment.astimezone(slots.LONDON)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return slots.local_to_utc(day, time(hour, minute))


def _book(world, therapy, first_day, **kwargs):
    kwargs.setdefault("at", FOUR_PM)
    kwargs.setdefault("every_weeks", 1)
    kwargs.setdefault("count", 10)
    return services.series_book(
        service=therapy,
        therapist=world.therapist,
        family=world.family,
        children=[world.child],
        first_day=first_day,
        by=world.admin,
        **kwargs,
    )


@pytest.mark.now("2027-03-15 09:00")
def test_a_weekly_series_keeps_its_wall_clock_time_when_the_clocks_go_forward(world, therapy):
    plan = services.series_plan(
        service=therapy,
        therapist=world.therapist,
        first_day=date(2027, 3, 16),
        at=FOUR_PM,
        every_weeks=1,
        count=4,
    )
    assert [visit.day for visit in plan] == [
        date(2027, 3, 16),
        date(2027, 3, 23),
        date(2027, 3, 30),
        date(2027, 4, 6),
    ]
    assert all(visit.free for visit in plan)
    assert {local(visit.starts_at).strftime("%H:%M") for visit in plan} == {"16:00"}
    # 16:00 GMT is 16:00 UTC; after 28 March, 16:00 BST is 15:00 UTC.
    assert [visit.starts_at.astimezone(slots.UTC).hour for visit in plan] == [16, 16, 15, 15]
    assert [visit.ends_at - visit.starts_at for visit in plan] == [timedelta(minutes=45)] * 4


@pytest.mark.now("2027-10-18 09:00")
def test_a_fortnightly_series_keeps_its_wall_clock_time_when_the_clocks_go_back(world, therapy):
    booked = _book(
        world, therapy, date(2027, 10, 22), every_weeks=2, count=None, until=date(2027, 11, 19)
    )
    starts = [b.appointment.starts_at for b in booked.bookings]
    assert [local(s).date() for s in starts] == [
        date(2027, 10, 22),
        date(2027, 11, 5),
        date(2027, 11, 19),
    ]
    assert {local(s).strftime("%H:%M %Z") for s in starts[1:]} == {"16:00 GMT"}
    assert local(starts[0]).strftime("%H:%M %Z") == "16:00 BST"
    assert booked.series.pattern == "Every two weeks on Fridays at 16:00"


@pytest.mark.now("2027-01-04 09:00")
def test_closures_leave_and_clashes_are_listed_and_the_rest_booked(
    world, therapy, django_capture_on_commit_callbacks
):
    first = date(2027, 1, 5)  # a Tuesday
    week = timedelta(weeks=1)
    PracticeClosure.objects.create(
        first_day=first + 2 * week, last_day=first + 2 * week, reason="Staff training"
    )
    AvailabilityException.objects.create(
        therapist=world.therapist,
        starts_at=at(first + 3 * week, 0),
        ends_at=at(first + 3 * week + timedelta(days=3), 0),
        reason="Annual leave",
    )
    other = AppointmentFactory(
        therapist=world.therapist,
        starts_at=at(first + 4 * week, 15, 30),
        ends_at=at(first + 4 * week, 16, 15),
    )
    group = GroupSessionFactory(
        therapist=world.therapist,
        starts_at=at(first + 5 * week, 16, 30),
        ends_at=at(first + 5 * week, 17, 30),
    )

    plan = services.series_plan(
        service=therapy,
        therapist=world.therapist,
        first_day=first,
        at=FOUR_PM,
        every_weeks=1,
        count=8,
    )
    clashes = {visit.number: visit.clash for visit in plan if not visit.free}
    assert clashes == {
        3: "The practice is closed (Staff training).",
        4: f"{world.therapist} is on leave (Annual leave).",
        5: f"{world.therapist} has another appointment ({other.service.name}) from 15:30 to 16:15.",
        # 16:00 + 45 minutes + 15 minutes' buffer reaches into the group at 16:30.
        6: f"{world.therapist} has a group ({group.service.name}) from 16:30 to 17:30.",
    }
    assert not AppointmentSeries.objects.exists()  # the plan saves nothing

    with django_capture_on_commit_callbacks(execute=True):
        booked = _book(world, therapy, first, count=8)
    assert [visit.number for visit in booked.skipped] == [3, 4, 5, 6]
    visits = list(booked.series.visits.order_by("starts_at"))
    assert [local(v.starts_at).date() for v in visits] == [
        first,
        first + week,
        first + 6 * week,
        first + 7 * week,
    ]
    assert all(b.status == Booking.Status.CONFIRMED for b in booked.bookings)
    assert all(list(b.children.all()) == [world.child] for b in booked.bookings)
    # One confirmation for the whole series, not one per visit, listing them.
    assert [m.to for m in mail.outbox] == [[world.parent.email]]
    assert OutboxMessage.objects.filter(kind=CONFIRMED).count() == 1
    body = mail.outbox[0].body
    assert "first of 4 regular visits, weekly on tuesdays at 16:00" in body
    for visit in visits:
        assert local(visit.starts_at).strftime("%A %-d %B %Y, 16:00 GMT") in body
    assert "Yusuf" not in body  # the plain wording names no child


@pytest.mark.now("2027-01-04 09:00")
def test_outside_working_hours_and_a_bad_shape_are_refused(world, therapy):
    plan = services.series_plan(
        service=therapy,
        therapist=world.therapist,
        first_day=date(2027, 1, 5),
        at=time(16, 30),  # 45 minutes would end at 17:15, after 17:00
        every_weeks=1,
        count=2,
    )
    assert [visit.clash for visit in plan] == [f"Outside {world.therapist}'s working hours."] * 2
    with pytest.raises(ValidationError, match="None of these visits"):
        _book(world, therapy, date(2027, 1, 5), at=time(16, 30), count=2)
    with pytest.raises(ValidationError, match="either a number of visits or a last date"):
        services.series_plan(
            service=therapy,
            therapist=world.therapist,
            first_day=date(2027, 1, 5),
            at=FOUR_PM,
            every_weeks=1,
        )
    with pytest.raises(ValidationError, match="every week or every two weeks"):
        _book(world, therapy, date(2027, 1, 5), every_weeks=3)
    with pytest.raises(ValidationError, match="Only the practice"):
        services.series_book(
            service=therapy,
            therapist=world.therapist,
            family=world.family,
            children=[world.child],
            first_day=date(2027, 1, 5),
            at=FOUR_PM,
            every_weeks=1,
            count=2,
            by=world.parent,
        )


@pytest.mark.now("2027-01-04 09:00")
def test_cancelling_this_and_the_following_visits_from_the_eighth(world, therapy):
    booked = _book(world, therapy, date(2027, 1, 5))
    visits = list(booked.series.visits.order_by("starts_at"))
    assert len(visits) == 10

    cancelled = services.series_cancel_following(
        appointment=visits[7], reason="The family is moving away", by=world.admin
    )
    assert [v.pk for v in cancelled] == [v.pk for v in visits[7:]]
    statuses = list(booked.series.visits.order_by("starts_at").values_list("status", flat=True))
    assert statuses == ["booked"] * 7 + ["cancelled"] * 3
    assert set(
        Booking.objects.filter(appointment__in=visits[7:]).values_list(
            "status", "cancellation_reason"
        )
    ) == {("cancelled", "The family is moving away")}
    summary = selectors.series_summary(booked.series)
    assert str(summary) == "Weekly on Tuesdays at 16:00, 7 visits, 7 to go"


@pytest.mark.now("2027-01-04 09:00")
def test_the_family_sees_how_many_visits_are_to_go(world, therapy, clock_at):
    booked = _book(world, therapy, date(2027, 1, 5))
    clock_at.move_to(at(date(2027, 1, 26), 18))  # after the fourth visit
    summary = selectors.series_summary(booked.series)
    assert (summary.visits, summary.to_go) == (10, 6)


@pytest.mark.now("2027-01-04 09:00")
def test_moving_this_and_the_following_visits_moves_them_together(world, therapy):
    booked = _book(world, therapy, date(2027, 1, 5))
    visits = list(booked.series.visits.order_by("starts_at"))
    fifth = visits[4]
    new_start = at(local(fifth.starts_at).date() + timedelta(days=1), 10, 5)  # Wednesday 10:05

    moved = services.series_move_following(appointment=fifth, starts_at=new_start, by=world.admin)

    assert [v.pk for v in moved] == [v.pk for v in visits[4:]]
    for before, after in zip(
        visits,
        Appointment.objects.filter(pk__in=[v.pk for v in visits]).order_by("pk"),
        strict=True,
    ):
        if before in visits[4:]:
            assert local(after.starts_at).date() == local(before.starts_at).date() + timedelta(
                days=1
            )
            assert local(after.starts_at).strftime("%H:%M") == "10:05"
            assert after.ends_at - after.starts_at == timedelta(minutes=45)
        else:
            assert after.starts_at == before.starts_at
    # The moved visits are a series of their own; the first four keep theirs.
    fifth.refresh_from_db()
    assert fifth.series_id != booked.series.pk
    assert fifth.series.pattern == "Weekly on Wednesdays at 10:05"
    assert booked.series.visits.count() == 4


@pytest.mark.now("2027-01-04 09:00")
def test_a_move_that_would_clash_moves_nothing_and_says_why(world, therapy):
    booked = _book(world, therapy, date(2027, 1, 5))
    visits = list(booked.series.visits.order_by("starts_at"))
    ninth_moved = local(visits[8].starts_at).date() + timedelta(days=1)
    PracticeClosure.objects.create(
        first_day=ninth_moved, last_day=ninth_moved, reason="Bank holiday"
    )
    new_start = at(local(visits[4].starts_at).date() + timedelta(days=1), 10)

    with pytest.raises(ValidationError) as refused:
        services.series_move_following(appointment=visits[4], starts_at=new_start, by=world.admin)

    assert "Nothing was moved" in str(refused.value)
    assert "The practice is closed (Bank holiday)" in str(refused.value)
    assert list(booked.series.visits.order_by("starts_at").values_list("starts_at", flat=True)) == [
        v.starts_at for v in visits
    ]


@pytest.mark.now("2027-01-04 09:00")
def test_a_single_visit_cannot_be_moved_onto_a_closure(world, therapy):
    booked = _book(world, therapy, date(2027, 1, 5), count=2)
    PracticeClosure.objects.create(
        first_day=date(2027, 1, 6), last_day=date(2027, 1, 6), reason="Snow"
    )
    with pytest.raises(ValidationError, match="closed that day"):
        services.appointment_move(
            appointment=booked.bookings[0].appointment,
            starts_at=at(date(2027, 1, 6), 10),
            by=world.admin,
        )


@pytest.mark.now("2027-01-04 09:00")
def test_past_visits_are_not_moved_or_cancelled_and_attendance_waits_for_the_start(
    world, therapy, clock_at
):
    booked = _book(world, therapy, date(2027, 1, 5), count=3)
    first = booked.bookings[0].appointment
    with pytest.raises(ValidationError, match="once the appointment starts"):
        services.appointment_record_attendance(
            appointment=first, outcome="attended", by=world.admin
        )
    clock_at.move_to(at(date(2027, 1, 5), 16, 1))
    with pytest.raises(ValidationError, match="only future ones"):
        services.appointment_move(
            appointment=first, starts_at=at(date(2027, 1, 7), 10), by=world.admin
        )
    with pytest.raises(ValidationError, match="only future ones"):
        services.series_cancel_following(appointment=first, reason="x", by=world.admin)
    services.appointment_record_attendance(appointment=first, outcome="no_show", by=world.admin)
    assert first.bookings.get().status == Booking.Status.NO_SHOW


@pytest.mark.now("2027-01-04 09:00")
def test_each_visit_gets_its_reminders_once(world, therapy, clock_at):
    booked = _book(world, therapy, date(2027, 1, 5), count=3)
    visits = [b.appointment for b in booked.bookings]
    # Two hours before the first visit: its 2-hour reminder (the 48-hour one
    # had passed when it was booked), once however often the sweep runs.
    clock_at.move_to(visits[0].starts_at - timedelta(hours=1, minutes=50))
    assert reminders_sweep() == 1
    assert reminders_sweep() == 0
    # Two days before the second: its 48-hour reminder only.
    clock_at.move_to(visits[1].starts_at - timedelta(hours=47))
    assert reminders_sweep() == 1
    assert reminders_sweep() == 0
    rows = OutboxMessage.objects.filter(kind=REMINDER).order_by("pk")
    assert [(row.object_id, row.params["offset"]) for row in rows] == [
        (booked.bookings[0].pk, 2),
        (booked.bookings[1].pk, 48),
    ]
    # A cancelled visit has none.
    services.series_cancel_following(appointment=visits[2], reason="Unwell", by=world.admin)
    clock_at.move_to(visits[2].starts_at - timedelta(hours=1))
    assert reminders_sweep() == 0


@pytest.mark.now("2027-01-04 09:00")
def test_a_group_full_message_speaks_to_staff_and_the_waitlist_can_be_offered_now(world):
    group = GroupSessionFactory(
        therapist=world.therapist,
        capacity=1,
        starts_at=at(date(2027, 1, 8), 10),
        ends_at=at(date(2027, 1, 8), 11),
    )
    taken = BookingFactory(appointment=None, group_session=group, family=world.other_family)
    with pytest.raises(services.GroupFull, match="Add the family to the waitlist"):
        services.group_place_book(group_session=group, family=world.family, by=world.admin)
    entry = services.waitlist_join(group_session=group, family=world.family, by=world.parent)
    with pytest.raises(ValidationError, match="No place is free"):
        services.waitlist_offer_now(entry=entry, by=world.admin)
    group.capacity = 2
    group.save()
    services.waitlist_offer_now(entry=entry, by=world.admin)
    entry.refresh_from_db()
    assert entry.status == "offered" and entry.offer_expires_at is not None
    assert OutboxMessage.objects.filter(kind="waitlist_offer", object_id=entry.pk).exists()
    with pytest.raises(ValidationError, match="not waiting"):
        services.waitlist_offer_now(entry=entry, by=world.admin)
    assert taken.status == Booking.Status.CONFIRMED


def test_series_days_count_and_until():
    assert slots.series_days(first_day=date(2027, 1, 5), every_weeks=2, count=3) == [
        date(2027, 1, 5),
        date(2027, 1, 19),
        date(2027, 2, 2),
    ]
    assert slots.series_days(
        first_day=date(2027, 1, 5), every_weeks=1, until=date(2027, 1, 19)
    ) == [
        date(2027, 1, 5),
        date(2027, 1, 12),
        date(2027, 1, 19),
    ]
    assert timezone.is_aware(slots.local_to_utc(date(2027, 3, 28), FOUR_PM))


@pytest.mark.now("2027-01-04 09:00")
def test_the_room_of_the_therapists_hours_taken_by_a_colleague_is_a_clash(world, therapy):
    sensory = RoomFactory(name="Sensory room")
    WeeklyAvailability.objects.filter(therapist=world.therapist).update(room=sensory)
    AppointmentFactory(
        therapist=world.other_therapist,
        room=sensory,
        starts_at=at(date(2027, 1, 12), 16),
        ends_at=at(date(2027, 1, 12), 17),
    )
    booked = _book(world, therapy, date(2027, 1, 5), count=3)
    assert [visit.clash for visit in booked.skipped] == ["Sensory room is in use then."]
    assert {b.appointment.room for b in booked.bookings} == {sensory}
