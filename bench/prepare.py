"""The Django side of the benchmark, run by bench/run.py in a process of its
own whose environment names the bench database:

    python -m bench.prepare seed --scale 1
    python -m bench.prepare targets --out targets.json

`seed` writes the practice (bench/seed.py) into the empty, migrated database;
`targets` logs the personas in (bench/auth.py), picks the pages to measure and
counts the SQL queries each one runs with Django's test client.
"""

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, dataclass


@dataclass
class Target:
    name: str
    label: str
    role: str
    path: str
    cookie: str = ""
    # The CSRF cookie a browser holds after its first page with a form, so
    # that no measured request has to set one.
    csrf: str = ""
    queries: int | None = None
    status: int | None = None
    baseline: bool = False


# The key pages, in report order: (name, label, role). Baselines first.
PAGES = [
    ("bare", "Baseline: bare logged-in view", "parent"),
    ("layout", "Baseline: empty page in the layout", "parent"),
    ("parent_home", "Parent: home", "parent"),
    ("child_goals", "Parent: a child's goals", "parent"),
    ("routines", "Parent: this week at home", "parent"),
    ("goal_progress", "Parent: a goal's progress", "parent"),
    ("family_bookings", "Parent: bookings", "parent"),
    ("therapist_home", "Therapist: home, the caseload", "therapist"),
    ("timeline", "Therapist: clinical timeline", "therapist"),
    ("admin_diary", "Admin: week diary", "admin"),
]
BASELINES = {"bare", "layout"}


def page_paths(*, child_id: int, goal_id: int) -> dict[str, str]:
    return {
        "bare": "/bench/bare/",
        "layout": "/bench/layout/",
        "parent_home": "/",
        "child_goals": f"/children/{child_id}/goals/",
        "routines": f"/children/{child_id}/at-home/",
        "goal_progress": f"/goals/{goal_id}/",
        "family_bookings": "/bookings/",
        "therapist_home": "/",
        "timeline": f"/children/{child_id}/timeline/",
        "admin_diary": "/diary/",
    }


def bench_objects() -> dict:
    """The personas and the records of the family with the longest history."""
    from django.db.models import Count

    from accounts.models import User
    from bench.seed import BENCH_EMAILS
    from families.models import Child
    from goals.models import Goal, GoalStatus

    users = {role: User.objects.get(email=email) for role, email in BENCH_EMAILS.items()}
    # The bench family's first child: the one seeded with the longest history.
    child_id = (
        Child.objects.filter(family__caregivers__user=users["parent"])
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    goal = (
        Goal.objects.filter(child_id=child_id, status=GoalStatus.ACTIVE)
        .annotate(n=Count("ratings"))
        .order_by("-n", "id")
        .first()
    )
    return {"users": users, "child_id": child_id, "goal_id": goal.pk}


def count_queries(client, path: str) -> tuple[int, int]:
    """(status, queries) of a GET, after one request to warm what a
    long-running worker would have warm (templates, content types)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, len(captured)


def make_targets(*, measure_queries: bool = True) -> list[Target]:
    from django.conf import settings
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    from bench.auth import session_key_for

    found = bench_objects()
    cookies = {role: session_key_for(user) for role, user in found["users"].items()}
    csrf = {role: get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS) for role in cookies}
    paths = page_paths(child_id=found["child_id"], goal_id=found["goal_id"])
    targets = []
    for name, label, role in PAGES:
        target = Target(
            name=name,
            label=label,
            role=role,
            path=paths[name],
            cookie=cookies[role],
            csrf=csrf[role],
            baseline=name in BASELINES,
        )
        if measure_queries:
            client = Client(HTTP_HOST="127.0.0.1")
            client.cookies[settings.SESSION_COOKIE_NAME] = cookies[role]
            client.cookies[settings.CSRF_COOKIE_NAME] = csrf[role]
            target.status, target.queries = count_queries(client, target.path)
        targets.append(target)
    return targets


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.prepare")
    sub = parser.add_subparsers(dest="command", required=True)
    seed_parser = sub.add_parser("seed")
    seed_parser.add_argument("--scale", type=float, required=True)
    targets_parser = sub.add_parser("targets")
    targets_parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    _setup_django()
    if args.command == "seed":
        from bench import seed

        started = time.monotonic()
        counts = seed.seed(scale=args.scale)
        seed.analyse()
        seed.record_scale(args.scale)
        rows = sum(counts.values())
        print(f"  seeded {rows:,} rows in {time.monotonic() - started:.0f} s")
        return 0
    targets = make_targets()
    with open(args.out, "w") as out:
        json.dump([asdict(target) for target in targets], out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
