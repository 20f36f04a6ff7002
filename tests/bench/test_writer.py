"""The benchmark's writer: the mix it promises, at the pace it promises, and
that it stops by itself. The clock is a fake one that moves only when the
writer sleeps (or when a slow write is made to take time), so the pace is
checked exactly, without waiting."""

import random
import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.models import Session

from accounts.models import AuditEvent, User
from bench import writer
from bench.seed import BENCH_EMAILS, seed
from goals.models import PracticeLog
from messaging.models import Message
from sessions_app.models import RecordStatus, SessionNote

# A Tuesday afternoon in term time: the practice at work.
NOW = datetime(2026, 12, 8, 15, 0, tzinfo=ZoneInfo("Europe/London"))


class FakeClock:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def practice(db):
    with time_machine.travel(NOW, tick=False):
        seed(scale=0.001, log=lambda _: None)
        yield writer.pick_cast(rng=random.Random(1))


def _counts() -> dict[str, int]:
    return {
        "practice_log": PracticeLog.objects.count(),
        "message": Message.objects.count(),
        "audit": AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).count(),
        "login": AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN).count(),
        "sessions": Session.objects.count(),
        "drafts": SessionNote.objects.filter(status=RecordStatus.DRAFT).count(),
    }


def test_cast_includes_the_bench_family_and_open_drafts(practice):
    parent = User.objects.get(email=BENCH_EMAILS["parent"])
    therapist = User.objects.get(email=BENCH_EMAILS["therapist"])
    assert parent in practice.people
    assert any(caregiver == parent for _, caregiver in practice.strategies)
    assert len(practice.drafts) == writer.DRAFTS
    assert {t for _, t in practice.drafts} == {therapist}
    # Made once: a second writer reuses the same draft sessions.
    again = writer.pick_cast(rng=random.Random(2))
    assert {s.pk for s, _ in again.drafts} == {s.pk for s, _ in practice.drafts}


def test_writes_the_promised_mix_at_the_rate_then_stops(practice):
    clock = FakeClock()
    before = _counts()
    with time_machine.travel(NOW, tick=False):
        result = writer.run(rate=5, seconds=4, cast=practice, clock=clock, sleep=clock.sleep)
    after = _counts()

    assert result["errors"] == 0, result["first_error"]
    assert result["writes"] == 20
    assert result["by_kind"] == dict.fromkeys(writer.KINDS, 4)
    # Paced, not a burst: the 20th write was due 3.8 s after the first.
    assert sum(clock.slept) == pytest.approx(3.8)
    assert result["achieved_per_s"] == pytest.approx(20 / 3.8, rel=0.01)
    assert clock.now - 1000 < 4  # stopped by itself within its time
    # Each kind of write left its rows.
    assert after["practice_log"] - before["practice_log"] == 4
    assert after["message"] - before["message"] == 4
    assert after["audit"] - before["audit"] == 4
    assert after["login"] - before["login"] == 4
    assert after["sessions"] - before["sessions"] == 4
    # The autosaves went to the open drafts, and only to them.
    saved = SessionNote.objects.filter(session__in=[s for s, _ in practice.drafts])
    assert 1 <= len(saved) == after["drafts"] - before["drafts"] <= writer.DRAFTS
    assert all(note.status == RecordStatus.DRAFT for note in saved)
    assert all("autosave" in note.subjective for note in saved)


def test_stops_at_its_time_when_writes_are_slow_and_does_not_burst_to_catch_up(practice):
    clock = FakeClock()
    made = []

    def slow_write(kind, **kwargs):
        made.append(kind)
        clock.now += 0.5  # each write takes longer than its 0.2 s slot

    result = writer.run(
        rate=5, seconds=2, cast=practice, clock=clock, sleep=clock.sleep, writer=slow_write
    )
    assert made == list(writer.KINDS[:4])
    assert clock.slept == []
    assert result["writes"] == 4 and result["achieved_per_s"] == 2.0


def test_stops_after_max_writes_and_writes_nothing_at_rate_zero(practice):
    clock = FakeClock()
    made = []
    result = writer.run(
        rate=5,
        seconds=60,
        max_writes=7,
        cast=practice,
        clock=clock,
        sleep=clock.sleep,
        writer=lambda kind, **kw: made.append(kind),
    )
    assert result["writes"] == 7 and len(made) == 7
    assert clock.now - 1000 == pytest.approx(1.2)

    nothing = writer.run(
        rate=0, seconds=60, cast=practice, clock=clock, sleep=clock.sleep, writer=made.append
    )
    assert nothing["writes"] == 0 and len(made) == 7


def test_a_refused_write_is_counted_and_the_mix_goes_on(practice):
    clock = FakeClock()

    def refusing(kind, **kwargs):
        if kind == "message":
            raise ValueError("no")

    result = writer.run(
        rate=5, seconds=2, cast=practice, clock=clock, sleep=clock.sleep, writer=refusing
    )
    assert result["writes"] == 8 and result["errors"] == 2
    assert result["by_kind"]["message"] == 0 and result["by_kind"]["login"] == 2
    assert result["first_error"] == "message: ValueError('no')"


@pytest.mark.parametrize(
    ("host", "redis", "refused"),
    [
        ("127.0.0.1", "redis://127.0.0.1:6379/9", False),
        ("localhost", "", False),
        ("db.example.org", "", True),
        ("127.0.0.1", "redis://cache.example.org:6379/0", True),
    ],
)
def test_writes_only_to_this_machine(host, redis, refused):
    database = {"ENGINE": "django.db.backends.postgresql", "HOST": host}
    if refused:
        with pytest.raises(SystemExit, match=r"127\.0\.0\.1"):
            writer.check_loopback(database, redis)
    else:
        writer.check_loopback(database, redis)


def test_ends_between_two_writes_when_the_measured_run_is_over(practice):
    clock = FakeClock()
    made = []
    result = writer.run(
        rate=5,
        seconds=60,
        cast=practice,
        clock=clock,
        sleep=clock.sleep,
        writer=lambda kind, **kw: made.append(kind),
        stopped=lambda: len(made) >= 3,
    )
    assert made == list(writer.KINDS[:3])
    # Ended at once, not after waiting for the next write's turn.
    assert result["writes"] == 3 and result["seconds"] == pytest.approx(0.4)


def test_a_slow_write_does_not_hold_up_the_next_ones(practice):
    """With writes in parallel, each starts on its turn while an earlier one
    is still under way (here the first waits until the fourth has been made)."""
    clock = FakeClock()
    fourth_made = threading.Event()
    made = []

    def writes(kind, *, n, **kwargs):
        if n == 0:
            assert fourth_made.wait(timeout=10), "the later writes waited for the first"
        made.append(n)
        if n == 3:
            fourth_made.set()

    result = writer.run(
        rate=5, seconds=1, parallel=2, cast=practice, clock=clock, sleep=clock.sleep, writer=writes
    )
    assert result["errors"] == 0, result["first_error"]
    assert made[:3] == [1, 2, 3] and sorted(made) == [0, 1, 2, 3, 4]
    assert result["by_kind"] == dict.fromkeys(writer.KINDS, 1)
