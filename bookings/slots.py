"""Free slots: weekly working hours, minus appointments, group sessions and
time away, in the practice's local time (Europe/London).

Pure functions over plain values, so that the awkward cases (the nights the
clocks change) are tested without a database. Arithmetic is done on aware
datetimes in UTC: a 60-minute slot lasts 60 real minutes even across a change,
and local wall-clock times are only made at the edges (opening hours in, times
shown out).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Hours:
    """One block of weekly working hours (weekday: Monday is 0)."""

    weekday: int
    starts_at: time
    ends_at: time
    room_id: int | None = None


@dataclass(frozen=True)
class Window:
    starts_at: datetime
    ends_at: datetime
    room_id: int | None = None


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    room_id: int | None = None

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(LONDON)


Interval = tuple[datetime, datetime]


def local_to_utc(day: date, at: time, tz: ZoneInfo = LONDON) -> datetime:
    """A wall-clock time on a day, as an aware UTC datetime.

    A time that does not exist (01:30 on the last Sunday of March) is read with
    the offset in force before the change, i.e. as the moment the clocks jump
    over; a time that happens twice (01:30 on the last Sunday of October) is
    its first occurrence (fold=0).
    """
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def windows_on(day: date, hours: Iterable[Hours], tz: ZoneInfo = LONDON) -> list[Window]:
    """The working windows of one local day."""
    windows = []
    for block in hours:
        if block.weekday != day.weekday():
            continue
        start, end = local_to_utc(day, block.starts_at, tz), local_to_utc(day, block.ends_at, tz)
        if end > start:
            windows.append(Window(start, end, block.room_id))
    return sorted(windows, key=lambda window: window.starts_at)


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def free_slots(
    *,
    windows: Sequence[Window],
    busy: Iterable[Interval],
    duration: timedelta,
    buffer: timedelta = timedelta(0),
    not_before: datetime | None = None,
    grid: timedelta | None = None,
) -> list[Slot]:
    """Start times that fit in the windows without touching a busy interval.

    A slot occupies [start, start + duration + buffer): the buffer is the time
    kept free after it. Busy intervals should likewise include the buffers of
    what is already booked. Slots follow each other back to back; after a busy
    interval the next slot starts as soon as it ends. With a `grid` (a divisor
    of an hour), every start is moved on to the next time on it: with 30
    minutes, on the hour and half hour.
    """
    busy = sorted(busy)
    slots: list[Slot] = []
    for window in windows:
        cursor = window.starts_at
        if not_before is not None and cursor < not_before:
            cursor = _round_up(not_before, window.starts_at)
        while True:
            if grid is not None:
                cursor = on_grid(cursor, grid)
            if cursor + duration > window.ends_at:
                break
            occupied = (cursor, cursor + duration + buffer)
            blocking = [interval for interval in busy if overlaps(occupied, interval)]
            if blocking:
                cursor = max(end for _, end in blocking)
                continue
            slots.append(Slot(cursor, cursor + duration, window.room_id))
            cursor = cursor + duration + buffer
    return slots


def _round_up(
    moment: datetime, origin: datetime, step: timedelta = timedelta(minutes=15)
) -> datetime:
    """The first time at or after `moment` that is a whole number of steps
    after `origin` (so a window opening at 09:00 offers 09:15, not 09:07)."""
    steps = -(-(moment - origin) // step)
    return origin + steps * step


def on_grid(moment: datetime, grid: timedelta) -> datetime:
    """The first time at or after `moment` on a grid of the clock (e.g. every
    30 minutes: on the hour and half hour). The grid divides an hour and the
    UK's offsets are whole hours, so counting it from the Unix epoch in UTC
    lands on the same wall-clock times in GMT and BST, the nights the clocks
    change included."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return _round_up(moment.astimezone(UTC), epoch, grid)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def local_day_bounds(day: date, tz: ZoneInfo = LONDON) -> Interval:
    """The UTC instants at which a local day starts and ends (23 or 25 hours on
    the days the clocks change)."""
    return local_to_utc(day, time(0), tz), local_to_utc(day + timedelta(days=1), time(0), tz)


def zone_name(moment: datetime, tz: ZoneInfo = LONDON) -> str:
    """GMT or BST."""
    return moment.astimezone(tz).tzname() or ""


def free_intervals(*, windows: Sequence[Window], busy: Iterable[Interval]) -> list[Interval]:
    """The parts of the windows not covered by anything busy (for the diary)."""
    busy = sorted(busy)
    free: list[Interval] = []
    for window in windows:
        cursor = window.starts_at
        for start, end in busy:
            if end <= cursor or start >= window.ends_at:
                continue
            if start > cursor:
                free.append((cursor, start))
            cursor = max(cursor, end)
        if cursor < window.ends_at:
            free.append((cursor, window.ends_at))
    return free


def series_days(
    *, first_day: date, every_weeks: int, count: int | None = None, until: date | None = None
) -> list[date]:
    """The local days of a regular series: `count` of them, or every one up to
    and including `until`. Days, not instants: each visit is then made at the
    same wall-clock time, so 16:00 stays 16:00 across a change of the clocks."""
    step = timedelta(weeks=every_weeks)
    days: list[date] = []
    day = first_day
    while (count is None or len(days) < count) and (until is None or day <= until):
        days.append(day)
        day += step
    return days


def free_starts(
    *, windows: Sequence[Window], busy: Iterable[Interval], duration: timedelta, buffer: timedelta
) -> list[Interval]:
    """For staff, who may start a visit at any free minute: the stretches of
    free time long enough for a visit (start, end of the stretch)."""
    need = duration + buffer
    stretches = []
    for start, end in free_intervals(windows=windows, busy=busy):
        # The buffer after the last visit of a window may run past its end.
        if end - start >= duration and (end - start >= need or end in {w.ends_at for w in windows}):
            stretches.append((start, end))
    return stretches
