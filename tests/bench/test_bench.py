"""The benchmark's own code, without running a benchmark: the baselines, the
seeder at a thousandth of the practice, the logged-in sessions and the query
budget of every key page at two sizes of history (the report: test_report.py;
the writer: test_writer.py)."""

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
# Every page with the main menu counts the messages waiting (one query).
QUERY_BUDGET = {
    "bare": 2,
    # The session, the user, the menu's count of messages waiting, and a
    # therapist's count of notes to sign.
    "layout": 4,
    # Today (issue 21): memberships, children, assessments ahead and their
    # questionnaires, strategies and their week's practice, unread
    # conversations, offers, progress, appointments, groups and their
    # children, wins and their photos (and the session, the user and the
    # menu's count, as for every page).
    "parent_home": 16,
    # The goals page offers to share a win in place: its goal choices, and a
    # photo while the family's consent stands (asked then); the wins' photos.
    "child_goals": 11,
    # The strategies' photos and the library's demonstrations: one query each.
    "routines": 9,
    "goal_progress": 9,
    "family_bookings": 8,
    # The caseload and its next visits; today's and tomorrow's visits and
    # groups, notes to sign (the first few and the count), unread
    # conversations and goals due for review (issue 22).
    "therapist_home": 11,
    # The keys of every kind in one query, then the entries on the page by
    # kind (sessions with three prefetches), the audit row, and the menu's
    # two counts (issue 22).
    "timeline": 14,
    # One more for the practice's closures in the week: a closed day offers
    # no free time and is drawn as closed (issue 22).
    "admin_diary": 12,
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
    # The layout costs the session, the user, the menu's unread count and a
    # therapist's count of notes to sign.
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
    return {t.name: t.queries for t in targets}


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


def test_wrk_output_without_a_result_is_an_error():
    with pytest.raises(ValueError, match="no result line"):
        report.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_database_names(monkeypatch):
    from bench.run import database_name

    monkeypatch.delenv("BENCH_DATABASE", raising=False)
    assert database_name(1) == "portal_bench"
    assert database_name(10) == "portal_bench_x10"
    assert database_name(0.1) == "portal_bench_x0_1"
    monkeypatch.setenv("BENCH_DATABASE", "portal_bw_bench")
    assert database_name(1) == "portal_bw_bench"
    assert database_name(10) == "portal_bw_bench_x10"
