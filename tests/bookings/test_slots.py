"""Slot computation, including the nights the clocks change (pure functions,
no database)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bookings import slots

pytestmark = pytest.mark.timesweep

HOUR = timedelta(hours=1)


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _hours(day: date, start: time, end: time) -> list[slots.Hours]:
    return [slots.Hours(day.weekday(), start, end)]


def _slots(day: date, start: time, end: time, **kwargs) -> list[slots.Slot]:
    return slots.free_slots(
        windows=slots.windows_on(day, _hours(day, start, end)),
        busy=kwargs.pop("busy", []),
        duration=kwargs.pop("duration", HOUR),
        **kwargs,
    )


def _local(found: list[slots.Slot]) -> list[str]:
    return [slot.local_start.strftime("%H:%M %Z") for slot in found]


def test_a_plain_day_offers_back_to_back_slots():
    day = date(2026, 6, 10)
    assert _local(_slots(day, time(9), time(12))) == ["09:00 BST", "10:00 BST", "11:00 BST"]


def test_busy_time_and_buffers_are_left_out():
    day = date(2026, 6, 10)  # BST: 10:00 local is 09:00 UTC
    busy = [(_utc(2026, 6, 10, 9), _utc(2026, 6, 10, 10, 15))]  # 10:00-11:00 + 15 min buffer
    found = _slots(day, time(9), time(13), busy=busy, buffer=timedelta(minutes=15))
    # 09:00 needs its own 15 minutes after it, which would run into 10:00.
    assert _local(found) == ["11:15 BST"]


def test_notice_rounds_up_to_the_quarter_hour():
    day = date(2026, 6, 10)
    found = _slots(day, time(9), time(12), not_before=_utc(2026, 6, 10, 8, 7))
    assert _local(found) == ["09:15 BST", "10:15 BST"]


def test_last_sunday_of_march_and_the_monday_after():
    sunday, monday = date(2026, 3, 29), date(2026, 3, 30)
    saturday = date(2026, 3, 28)
    assert _local(_slots(saturday, time(9), time(12)))[0] == "09:00 GMT"
    assert _local(_slots(sunday, time(9), time(12))) == ["09:00 BST", "10:00 BST", "11:00 BST"]
    assert _local(_slots(monday, time(9), time(12)))[0] == "09:00 BST"
    # Same wall clock, different instants: 09:00 GMT on Saturday is 09:00 UTC,
    # 09:00 BST on Sunday is 08:00 UTC.
    assert _slots(saturday, time(9), time(12))[0].starts_at == _utc(2026, 3, 28, 9)
    assert _slots(sunday, time(9), time(12))[0].starts_at == _utc(2026, 3, 29, 8)


def test_last_sunday_of_october_and_the_monday_after():
    sunday, monday = date(2026, 10, 25), date(2026, 10, 26)
    saturday = date(2026, 10, 24)
    assert _local(_slots(saturday, time(9), time(12)))[0] == "09:00 BST"
    assert _local(_slots(sunday, time(9), time(12))) == ["09:00 GMT", "10:00 GMT", "11:00 GMT"]
    assert _local(_slots(monday, time(9), time(12)))[0] == "09:00 GMT"
    assert _slots(saturday, time(9), time(12))[0].starts_at == _utc(2026, 10, 24, 8)
    assert _slots(sunday, time(9), time(12))[0].starts_at == _utc(2026, 10, 25, 9)


def test_spring_forward_night_is_an_hour_shorter():
    # 00:30-03:30 on the last Sunday of March lasts two real hours: 01:00 GMT
    # jumps to 02:00 BST.
    found = _slots(date(2026, 3, 29), time(0, 30), time(3, 30))
    assert _local(found) == ["00:30 GMT", "02:30 BST"]
    assert [slot.starts_at for slot in found] == [
        _utc(2026, 3, 29, 0, 30),
        _utc(2026, 3, 29, 1, 30),
    ]
    assert all(slot.ends_at - slot.starts_at == HOUR for slot in found)


def test_fall_back_night_is_an_hour_longer():
    # 00:30-03:30 on the last Sunday of October lasts four real hours, and
    # 01:30 happens twice: once in BST, once in GMT.
    found = _slots(date(2026, 10, 25), time(0, 30), time(3, 30))
    assert _local(found) == ["00:30 BST", "01:30 BST", "01:30 GMT", "02:30 GMT"]
    assert found[0].starts_at == _utc(2026, 10, 24, 23, 30)
    assert found[-1].ends_at == _utc(2026, 10, 25, 3, 30)


def test_local_day_lengths_on_change_days():
    start, end = slots.local_day_bounds(date(2026, 3, 29))
    assert end - start == timedelta(hours=23)
    start, end = slots.local_day_bounds(date(2026, 10, 25))
    assert end - start == timedelta(hours=25)


def test_free_intervals_show_the_gaps():
    day = date(2026, 6, 10)
    windows = slots.windows_on(day, _hours(day, time(9), time(17)))
    busy = [
        (_utc(2026, 6, 10, 9), _utc(2026, 6, 10, 10)),
        (_utc(2026, 6, 10, 12), _utc(2026, 6, 10, 13)),
    ]
    gaps = slots.free_intervals(windows=windows, busy=busy)
    local = [
        (a.astimezone(slots.LONDON).strftime("%H:%M"), b.astimezone(slots.LONDON).strftime("%H:%M"))
        for a, b in gaps
    ]
    assert local == [("09:00", "10:00"), ("11:00", "13:00"), ("14:00", "17:00")]


def test_zone_name():
    assert slots.zone_name(_utc(2026, 1, 5, 12)) == "GMT"
    assert slots.zone_name(_utc(2026, 7, 5, 12)) == "BST"
