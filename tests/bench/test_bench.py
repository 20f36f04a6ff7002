"""The benchmark's own code, without running a benchmark: the baselines, the
seeder at a thousandth of the practice, the logged-in sessions, the report
maker on made-up wrk output, and the query budget of every key page at two
sizes of history."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import report
from bench.prepare import PAGES, bench_objects, make_targets
from bench.seed import BENCH_EMAILS, bench_child_sizes, seed, sizes_for
from bookings.models import Appointment, Booking, Service
from families.models import CaseloadAssignment, Child
from goals.models import Goal, GoalStatus, HomeStrategy, PracticeLog, ProgressRating, Win
from sessions_app.models import RecordStatus, SessionNote, TherapySession

BENCH_URLS = "tests.bench.urls_with_bench"

# Most queries each key page may run, however long the family's history, however
# large the caseload or the diary. The test below checks them at two sizes.
QUERY_BUDGET = {
    "bare": 2,
    "layout": 2,
    "parent_home": 7,
    "child_goals": 7,
    "routines": 6,
    "goal_progress": 8,
    "family_bookings": 7,
    "therapist_home": 4,
    "timeline": 12,
    "admin_diary": 10,
}


@pytest.fixture
def bench_urls(settings):
    settings.BENCH_ENDPOINTS = True
    settings.ROOT_URLCONF = BENCH_URLS


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/bench/layout/", "/bench/bare/"])
def test_baselines_do_not_exist_without_the_flag(client, world, path):
    client.force_login(world.parent)
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_baseline_views_refuse_even_when_routed_without_the_flag(client, world, settings):
    settings.ROOT_URLCONF = BENCH_URLS
    settings.BENCH_ENDPOINTS = False
    client.force_login(world.parent)
    assert client.get("/bench/bare/").status_code == 404


@pytest.mark.django_db
def test_baselines_with_the_flag(client, world, bench_urls):
    assert client.get("/bench/bare/").status_code == 302  # logged in only
    client.force_login(world.therapist)
    bare = client.get("/bench/bare/")
    assert bare.status_code == 200 and bare.content == b"ok\n"
    # The layout costs the session and the user, and nothing more.
    with CaptureQueriesContext(connection) as queries:
        layout = client.get("/bench/layout/")
    assert layout.status_code == 200
    assert b'id="main"' in layout.content
    assert len(queries) <= QUERY_BUDGET["layout"]


def _grow_history(child: Child) -> None:
    """Much more of everything for the bench family and its therapist: years of
    ratings, practice, sessions, wins and bookings, a larger caseload, a
    busier week in the diary."""
    now = timezone.now()
    today = timezone.localdate()
    goals = list(child.goals.all())
    active = [goal for goal in goals if goal.status == GoalStatus.ACTIVE]
    ProgressRating.objects.bulk_create(
        ProgressRating(
            goal=goal,
            child_id=goal.child_id,
            rated_on=today - timedelta(days=day),
            level=day % 5 - 2,
            source="caregiver",
        )
        for goal in active
        for day in range(1, 40)
    )
    template = goals[0]
    closed = []
    for _ in range(6):
        template.pk = None
        template.status = GoalStatus.ACHIEVED
        closed.append(Goal(**{f.attname: getattr(template, f.attname) for f in Goal._meta.fields}))
    Goal.objects.bulk_create(closed)
    strategies = list(child.strategies.filter(retired_on__isnull=True))
    PracticeLog.objects.bulk_create(
        PracticeLog(
            strategy=strategy,
            child_id=strategy.child_id,
            practised_on=today - timedelta(days=day),
            outcome="well",
        )
        for strategy in strategies
        for day in range(0, 60)
    )
    lead = child.assignments.get(kind="lead").therapist
    for day in range(1, 30):
        session = TherapySession.objects.create(
            family=child.family,
            child=child,
            therapist=lead,
            session_type="therapy",
            starts_at=now - timedelta(days=day, hours=1),
        )
        SessionNote.objects.create(
            session=session,
            family_summary="We practised buttons.",
            status=RecordStatus.SIGNED,
            signed_by=lead,
            signed_at=now,
        )
    Win.objects.bulk_create(Win(child=child, text=f"Win {n}") for n in range(20))
    service = Service.objects.first()
    for day in range(-20, 14):
        starts = now.replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(days=day)
        appointment = Appointment.objects.create(
            service=service, therapist=lead, starts_at=starts, ends_at=starts + timedelta(hours=1)
        )
        booking = Booking.objects.create(
            family=child.family,
            appointment=appointment,
            status="attended" if starts < now else "confirmed",
        )
        booking.children.add(child)
    for n in range(8):
        other = Child.objects.create(
            family=child.family, first_name=f"Extra{n}", last_name="Bench", date_of_birth=today
        )
        CaseloadAssignment.objects.create(
            therapist=lead, child=other, kind="covering", starts_on=today - timedelta(days=1)
        )


def _queries_per_page() -> dict[str, int]:
    """What each page runs, rendered afresh as every page is."""
    targets = make_targets()
    assert {t.name: t.status for t in targets} == {name: 200 for name, _, _ in PAGES}
    return {t.name: t.render_queries for t in targets}


@pytest.mark.django_db
def test_seeded_practice_and_every_key_page_within_its_query_budget(bench_urls):
    counts = seed(scale=0.001, log=lambda _: None)
    size = sizes_for(0.001)
    assert counts["families.Family"] == size["families"]
    assert counts["goals.PracticeLog"] == size["practice_logs"]
    assert counts["sessions_app.TherapySession"] == size["sessions"]
    assert counts["bookings.Booking"] == size["bookings"]
    assert SessionNote.objects.filter(status=RecordStatus.SIGNED).count() == size["sessions"]
    found = bench_objects()
    assert found["users"]["parent"].email == BENCH_EMAILS["parent"]
    bench_child = Child.objects.get(pk=found["child_id"])
    assert bench_child.therapy_sessions.count() >= bench_child_sizes(0.001)["sessions"]
    # Ids were chosen by the seeder: the next row made the ordinary way fits.
    assert HomeStrategy.objects.create(child=bench_child, title="x", routine="bath", what_to_do="y")

    before = _queries_per_page()
    _grow_history(bench_child)
    after = _queries_per_page()

    for name, budget in QUERY_BUDGET.items():
        assert before[name] <= budget, f"{name}: {before[name]} queries"
        assert after[name] <= budget, f"{name}: {after[name]} queries with more history"
    # The timeline reads the sessions found on its page: a page of other records reads fewer.
    assert {k: v for k, v in after.items() if k != "timeline"} == {
        k: v for k, v in before.items() if k != "timeline"
    }


def test_sessions_carry_the_second_factor_record(db, world):
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from bench.auth import AUTHENTICATION_RECORDS_KEY, session_key_for

    key = session_key_for(world.therapist)
    stored = SessionStore(session_key=key)
    assert stored["_auth_user_id"] == str(world.therapist.pk)
    assert any(r["method"] == "mfa" for r in stored[AUTHENTICATION_RECORDS_KEY])
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    response = client.get("/")
    assert response.status_code == 200 and "My caseload" in response.content.decode()


def _wrk(rps: float, p95: float, not_200: int = 0) -> str:
    line = {
        "requests": int(rps * 10),
        "seconds": 10.0,
        "rps": rps,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95 * 1.5,
        "max_ms": p95 * 2,
        "not_200": not_200,
        "socket_errors": 0,
        "bytes": 1000,
    }
    return f"Running 10s test @ http://127.0.0.1/\nBENCH_JSON {json.dumps(line)}\n"


def _targets() -> list[dict]:
    return [
        {"name": name, "label": label, "role": role, "path": "/", "queries": 3,
         "baseline": name in {"bare", "layout"}}
        for name, label, role in PAGES[:4]
    ]  # fmt: skip


def test_report_from_wrk_output(tmp_path):
    measured = {
        "bare": report.parse_wrk(_wrk(400, 20)),
        "layout": report.parse_wrk(_wrk(200, 40)),
        "parent_home": report.parse_wrk(_wrk(150, 50)),
        "child_goals": report.parse_wrk(_wrk(60, 140, not_200=3)),
    }
    result = report.scale_result(_targets(), measured)
    home, goals = result["pages"]["parent_home"], result["pages"]["child_goals"]
    assert home["vs_layout"] == 0.75 and home["vs_bare"] == 0.38
    assert goals["errors"] == 3
    assert result["misses"] == [
        "child_goals: 3 error responses",
        "child_goals: p95 140 ms (target under 100 ms)",
        "child_goals: 0.3× the empty layout's throughput (target at least 0.5)",
    ]
    table = report.table(result)
    assert "parent_home" in table and "0.75" in table

    bigger = report.scale_result(
        _targets(), {**measured, "parent_home": report.parse_wrk(_wrk(140, 70))}
    )
    ratios = report.growth(result, bigger)
    assert ratios["parent_home"] == 1.4
    assert report.growth_misses(ratios) == ["parent_home: p95 grew 1.4× (target within 1.3×)"]

    run = {"run": {"at": "then", "machine": "test", "commit": "abc", "concurrency": 8,
                   "duration_s": 10, "workers": 5}}  # fmt: skip
    assert report.save({**run, "scales": {"1": result}}, tmp_path) is None
    previous = report.save({**run, "scales": {"1": bigger}}, tmp_path)
    assert previous["scales"]["1"]["pages"]["parent_home"]["p95_ms"] == 50
    assert (tmp_path / "previous.json").exists()
    change = report.changes(previous, {**run, "scales": {"1": bigger}})
    assert "parent_home: rps 150 → 140 (-7%), p95 50.0 → 70.0 ms (+40%)" in change
    text = report.render({**run, "scales": {"1": bigger}, "growth": {
        "scales": ["1", "10"], "p95_ratio": ratios, "misses": report.growth_misses(ratios)}})  # fmt: skip
    assert "Growth: p95 at scale 10 over scale 1" in text


def test_baselines_measured_twice_count_as_their_mean():
    first, second = report.parse_wrk(_wrk(400, 20)), report.parse_wrk(_wrk(200, 40, not_200=1))
    both = report.combine([first, second])
    assert both["rps"] == 300 and both["p95_ms"] == 30
    assert both["requests"] == first["requests"] + second["requests"]
    assert both["not_200"] == 1
    assert [run["rps"] for run in both["runs"]] == [400, 200]
    result = report.scale_result(
        _targets(), {"layout": both, "parent_home": report.parse_wrk(_wrk(150, 50))}
    )
    assert result["pages"]["parent_home"]["vs_layout"] == 0.5


def test_report_shows_the_pages_rendered_afresh_beside_those_seen_again():
    baselines = {"bare": report.parse_wrk(_wrk(400, 20)), "layout": report.parse_wrk(_wrk(200, 40))}
    seen_again = report.scale_result(
        _targets(),
        baselines
        | {
            "parent_home": report.parse_wrk(_wrk(190, 30)),
            "child_goals": report.parse_wrk(_wrk(180, 35)),
        },
    )
    afresh = {
        "parent_home": report.parse_wrk(_wrk(80, 60)),
        "child_goals": report.parse_wrk(_wrk(70, 120)),
    }
    rendered = report.scale_result([t | {"queries": 7} for t in _targets()], afresh | baselines)
    assert seen_again["misses"] == []
    assert rendered["pages"]["parent_home"]["vs_layout"] == 0.4
    assert rendered["pages"]["parent_home"]["queries"] == 7
    bigger = report.scale_result(
        [t | {"queries": 7} for t in _targets()],
        afresh | baselines | {"child_goals": report.parse_wrk(_wrk(70, 180))},
    )
    run = {"run": {"at": "then", "machine": "test", "commit": "abc", "concurrency": 8,
                   "duration_s": 10, "workers": 5}}  # fmt: skip
    text = report.render(
        {
            **run,
            "scales": {"1": seen_again | {"rendered": rendered}},
            "growth": {
                "scales": ["1", "10"],
                "p95_ratio": report.growth(seen_again, seen_again),
                "rendered_p95_ratio": report.growth(rendered, bigger),
                "misses": [],
            },
        }
    )
    assert "All targets met at this scale." in text
    assert "rendered afresh on every request" in text
    assert "Short of the targets when rendered afresh:" in text
    assert "  - child_goals: p95 120 ms (target under 100 ms)" in text
    assert "  child_goals: 1.0× (rendered afresh: 1.5×)" in text


def test_wrk_output_without_a_result_is_an_error():
    with pytest.raises(ValueError, match="no result line"):
        report.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_database_names():
    from bench.run import database_name

    assert database_name(1) == "portal_bench"
    assert database_name(10) == "portal_bench_x10"
    assert database_name(0.1) == "portal_bench_x0_1"
