"""The writes of a working practice, kept up while `make bench` measures a page.

    python -m bench.writer --rate 5 --seconds 16 --out writes.json

A practice never stops writing while people read: parents log practice,
therapists' notes autosave, messages come and go, every clinical read leaves
an audit row, people log in. bench/run.py starts this in a process of its own
for every measured run, so that each page is measured with the database, its
locks and its caches as busy as they would be.

The writes go through the apps' own services, in a fixed round: a practice
log, a draft-note autosave, a message, an audit row, a log-in, so that at the
default 5 a second each kind is written once a second. The pace is set by the
clock (the n-th write is due n/rate seconds after the start, up to
`--parallel` under way at once, as people do not wait for each other), and
the writer stops by itself after `--seconds` or `--max-writes`, whichever
comes first, or between two writes on SIGTERM.
It writes only to a database and a Redis on this machine (127.0.0.1), and
prints what it achieved: the writes of each kind, the errors, the rate.
"""

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

KINDS = ("practice_log", "note_autosave", "message", "audit", "login")
LOOPBACK = {"127.0.0.1", "localhost", "::1", ""}
# How many of the practice's families, therapists' sessions and people the
# writes are spread over (the bench family and its therapist always among them).
POOL = 40
# Draft notes the writer keeps open for the autosaves (one a therapist has
# on the go at a time is usual; a few keeps the rows apart).
DRAFTS = 3
# Writes under way at once: on a loaded machine one write can take longer
# than its turn, and people do not queue behind each other's saves.
PARALLEL = 4


@dataclass
class Cast:
    """The records the writes are made against, read once at the start."""

    # (strategy, the caregiver who logs it)
    strategies: list = field(default_factory=list)
    # (session, its therapist) whose notes are drafts
    drafts: list = field(default_factory=list)
    # (child, a primary caregiver) for the family's messages
    conversations: list = field(default_factory=list)
    # (therapist, child id) for the audit rows of a clinical read
    readers: list = field(default_factory=list)
    # people who log in
    people: list = field(default_factory=list)


def pick_cast(*, rng: random.Random, pool: int = POOL) -> Cast:
    """The bench family and `pool` others picked at random, with what each writes."""
    from django.db.models import Q
    from django.utils import timezone

    from accounts.models import User
    from bench.seed import BENCH_EMAILS
    from families.models import AccessLevel, Caregiver, CaseloadAssignment
    from goals.models import HomeStrategy
    from sessions_app.models import Location, RecordStatus, SessionType, TherapySession
    from sessions_app.services import session_create

    bench_parent = User.objects.get(email=BENCH_EMAILS["parent"])
    bench_therapist = User.objects.get(email=BENCH_EMAILS["therapist"])
    bench_family = Caregiver.objects.filter(user=bench_parent).values_list("family_id", flat=True)
    family_ids = list(
        Caregiver.objects.filter(access_level=AccessLevel.PRIMARY)
        .exclude(family_id__in=bench_family)
        .values_list("family_id", flat=True)
        .distinct()
    )
    family_ids = [*bench_family, *rng.sample(family_ids, min(pool, len(family_ids)))]
    parent_of = {}
    for caregiver in Caregiver.objects.filter(
        family_id__in=family_ids, access_level=AccessLevel.PRIMARY
    ).select_related("user"):
        parent_of.setdefault(caregiver.family_id, caregiver.user)
    parent_of[bench_family[0]] = bench_parent

    found = Cast()
    for strategy in HomeStrategy.objects.filter(
        child__family_id__in=family_ids, retired_on__isnull=True
    ).select_related("child"):
        found.strategies.append((strategy, parent_of[strategy.child.family_id]))
    children = {strategy.child.pk: strategy.child for strategy, _ in found.strategies}
    found.conversations = [(child, parent_of[child.family_id]) for child in children.values()]
    found.people = list(parent_of.values())

    today = timezone.localdate()
    current = Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    for assignment in CaseloadAssignment.objects.filter(
        current, child_id__in=children
    ).select_related("therapist"):
        found.readers.append((assignment.therapist, assignment.child_id))
        if assignment.therapist not in found.people:
            found.people.append(assignment.therapist)

    # Sessions seen today whose notes are still drafts: made once, kept for
    # later runs (their notes are never signed, so they stay drafts).
    drafts = list(
        TherapySession.objects.filter(therapist=bench_therapist)
        .exclude(note__status=RecordStatus.SIGNED)
        .select_related("family", "child")
        .order_by("-id")[:DRAFTS]
    )
    caseload = (
        CaseloadAssignment.objects.filter(current, therapist=bench_therapist)
        .select_related("child__family")
        .order_by("id")
    )
    for assignment in caseload[: DRAFTS - len(drafts)]:
        child = assignment.child
        drafts.append(
            session_create(
                by=bench_therapist,
                family=child.family,
                child=child,
                therapist=bench_therapist,
                session_type=SessionType.THERAPY,
                starts_at=timezone.now() - timedelta(hours=1),
                duration_minutes=45,
                location=Location.CLINIC,
                child_attended=True,
            )
        )
    found.drafts = [(session, bench_therapist) for session in drafts]
    return found


def write(kind: str, *, cast: Cast, rng: random.Random, n: int) -> None:
    """One write of `kind`, through the service the page behind it calls."""
    if kind == "practice_log":
        from goals.models import Outcome
        from goals.services import practice_log_add

        strategy, caregiver = rng.choice(cast.strategies)
        practice_log_add(
            strategy=strategy,
            by=caregiver,
            outcome=rng.choice(Outcome.values),
            note="Tried it at bath time; calmer than last week.",
        )
    elif kind == "note_autosave":
        from sessions_app.services import note_save_draft

        session, therapist = rng.choice(cast.drafts)
        note_save_draft(
            session=session,
            by=therapist,
            fields={
                "subjective": f"Parent reports a calmer week (autosave {n}).",
                "objective": "Buttons: 3 of 5 with a verbal prompt.",
            },
        )
    elif kind == "message":
        from families.permissions import Access
        from messaging.models import Topic
        from messaging.services import message_send

        child, parent = rng.choice(cast.conversations)
        message_send(
            child=child,
            topic=Topic.THERAPY,
            author=parent,
            access=Access.PRIMARY,
            body="Thank you, we will try the visual timer this week.",
        )
    elif kind == "audit":
        from accounts.audit import audit_record
        from accounts.models import AuditEvent

        therapist, child_id = rng.choice(cast.readers)
        audit_record(
            request=None,
            user=therapist,
            action=AuditEvent.Action.VIEW,
            record_type="child",
            record_id=child_id,
            child_id=child_id,
        )
    elif kind == "login":
        _log_in(rng.choice(cast.people))
    else:
        raise ValueError(f"unknown kind of write: {kind}")


def _log_in(user) -> None:
    """What a log-in writes: a new session, the user's last_login, the audit
    row (Django's login() and the portal's receivers)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import login
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = AnonymousUser()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.save()


def run(
    *,
    rate: float,
    seconds: float,
    cast: Cast,
    max_writes: int | None = None,
    parallel: int = 1,
    rng: random.Random | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    writer: Callable[..., None] = write,
    stopped: Callable[[], bool] = lambda: False,
) -> dict:
    """Write at `rate` a second until `seconds` have passed, `max_writes`
    are done or `stopped()` says the measured run is over.

    Each write starts on its turn, whether or not the one before has finished
    (people do not wait for each other), with at most `parallel` under way;
    when all of those are still going, the next waits, and the achieved rate
    says the writer fell behind (it never bursts to catch up)."""
    rng = rng or random.Random(18)  # noqa: S311 - which record to write against, not a secret
    limit = round(rate * seconds) if rate > 0 else 0
    if max_writes is not None:
        limit = min(limit, max_writes)
    done: Counter = Counter()
    errors: Counter = Counter()
    first_error: list[str] = []
    counting = threading.Lock()
    free = threading.Semaphore(parallel)

    def one(kind: str, n: int) -> None:
        try:
            writer(kind, cast=cast, rng=rng, n=n)
        except Exception as error:  # a refused write is reported, and the mix goes on
            with counting:
                errors[kind] += 1
                if not first_error:
                    first_error.append(f"{kind}: {error!r}"[:300])
        else:
            with counting:
                done[kind] += 1
        finally:
            free.release()

    pool = ThreadPoolExecutor(max_workers=parallel) if parallel > 1 else None
    start = clock()
    n = 0
    while n < limit:
        due = start + n / rate
        now = clock()
        if now - start >= seconds or stopped():
            break
        if due > now:
            sleep(due - now)
            if stopped():
                break
        free.acquire()
        kind = KINDS[n % len(KINDS)]
        if pool is None:
            one(kind, n)
        else:
            pool.submit(one, kind, n)
        n += 1
    if pool is not None:
        pool.shutdown(wait=True)
    elapsed = max(clock() - start, 1e-9)
    writes = sum(done.values())
    return {
        "rate": rate,
        "seconds": round(elapsed, 2),
        "writes": writes,
        "achieved_per_s": round(writes / elapsed, 2),
        "by_kind": {kind: done[kind] for kind in KINDS},
        "errors": sum(errors.values()),
        "first_error": first_error[0] if first_error else "",
    }


def check_loopback(database: dict, redis_url: str) -> None:
    """Refuse to write anywhere but this machine: the benchmark's database and
    Redis, never a real practice's."""
    if "sqlite" not in database["ENGINE"] and (database.get("HOST") or "") not in LOOPBACK:
        raise SystemExit(f"bench.writer writes only to 127.0.0.1, not {database['HOST']!r}")
    if redis_url and (urlsplit(redis_url).hostname or "") not in LOOPBACK:
        raise SystemExit("bench.writer uses only a Redis on 127.0.0.1")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.writer")
    parser.add_argument("--rate", type=float, default=5.0, help="writes a second (default 5)")
    parser.add_argument("--seconds", type=float, required=True, help="stop after this long")
    parser.add_argument("--max-writes", type=int, default=None, help="stop after this many")
    parser.add_argument(
        "--parallel", type=int, default=PARALLEL, help="most writes under way at once"
    )
    parser.add_argument("--out", help="write the result here as JSON (else print it)")
    parser.add_argument("--ready", help="create this file when the first write is about to go")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.conf import settings

    check_loopback(settings.DATABASES["default"], settings.REDIS_URL)
    from portal.celery import app

    # No worker runs during the benchmark: the tasks a message queues (the
    # unread nudge) run here, in the writer, rather than piling up in Redis.
    app.conf.task_always_eager = True
    rng = random.Random(18)  # noqa: S311
    found = pick_cast(rng=rng)
    # SIGTERM (from bench/run.py when the measured run is over) ends the
    # writes between two of them, and the result is still written.
    ending = []
    signal.signal(signal.SIGTERM, lambda *_: ending.append(True))
    if args.ready:
        Path(args.ready).touch()
    result = run(
        rate=args.rate,
        seconds=args.seconds,
        max_writes=args.max_writes,
        parallel=args.parallel,
        cast=found,
        rng=rng,
        stopped=lambda: bool(ending),
    )
    text = json.dumps(result)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
