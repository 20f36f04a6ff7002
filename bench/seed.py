"""A busy practice, fast: rows written straight into the tables (COPY on
PostgreSQL, executemany elsewhere) with ids chosen here, so that no row waits
for another's id.

Sizes are the issue's at scale 1 (40 therapists, 2,000 families, 3,000
children, 6,000 caregivers, 15,000 goals, 75,000 ratings, 30,000 strategies,
600,000 practice logs, 150,000 sessions with signed notes, 60,000 bookings over
the past year and the next 4 weeks, 20,000 wins) and grow with `scale`.

One family is the one with the longest history (the "bench family"): its
first child has been seen for 5 years at scale 1, and for 5 × scale years at
other scales, so that measuring at two scales compares a family's first years
with many more, as well as a small practice with a large one. Its primary
caregiver, its lead therapist (who also has the largest caseload) and an
admin have fixed e-mail addresses (BENCH_EMAILS) for the runner to log in as.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import Role, User
from bench import SEED_VERSION
from bookings.models import Appointment, Booking, Service, WeeklyAvailability
from families.models import (
    AccessLevel,
    Caregiver,
    CaseloadAssignment,
    Child,
    Consent,
    ConsentKind,
    Family,
    Relationship,
)
from goals.models import (
    Area,
    Goal,
    GoalStatus,
    HomeStrategy,
    Outcome,
    PracticeLog,
    ProgressRating,
    RatingSource,
    Routine,
    Win,
)
from sessions_app.models import Location, RecordStatus, SessionNote, SessionType, TherapySession

LONDON = ZoneInfo("Europe/London")

# Counts at scale 1, from the issue.
BASE_SIZES = {
    "therapists": 40,
    "families": 2_000,
    "children": 3_000,
    "caregivers": 6_000,
    "goals": 15_000,
    "ratings": 75_000,
    "strategies": 30_000,
    "practice_logs": 600_000,
    "sessions": 150_000,
    "bookings": 60_000,
    "wins": 20_000,
}

# What the bench family's first child has at scale 1 (part of the totals above).
BENCH_CHILD_AT_SCALE_1 = {
    "years": 5,
    "closed_goals": 10,
    "ratings": 750,
    "retired_strategies": 20,
    "practice_logs": 6_000,
    "sessions": 250,
    "wins": 100,
}
BENCH_ACTIVE_GOALS = 5
BENCH_ACTIVE_STRATEGIES = 8

BENCH_EMAILS = {
    "parent": "parent@bench.example",
    "therapist": "therapist@bench.example",
    "admin": "admin@bench.example",
}

META_TABLE = "bench_seed"
FLUSH_ROWS = 50_000

TEXT = (
    "Practised with the visual checklist; more settled when the steps were shown one at a time. "
    "Parent reports mornings are calmer on days with the movement break before school."
)


def sizes_for(scale: float) -> dict[str, int]:
    return {name: max(1, round(count * scale)) for name, count in BASE_SIZES.items()}


def bench_child_sizes(scale: float) -> dict[str, int]:
    return {name: max(1, round(count * scale)) for name, count in BENCH_CHILD_AT_SCALE_1.items()}


@dataclass
class Table:
    """Rows of one model as tuples in column order, defaults filled in once."""

    model: type[models.Model]

    def __post_init__(self):
        self.fields = list(self.model._meta.concrete_fields)
        self.columns = [field.column for field in self.fields]
        self.defaults = {field.attname: field.get_default() for field in self.fields}
        self.rows: list[tuple] = []
        self.added = 0  # rows added so far, written or not
        self.written = 0

    def add(self, **values) -> None:
        unknown = set(values) - set(self.defaults)
        assert not unknown, f"{self.model.__name__}: no fields {unknown}"
        merged = {**self.defaults, **values}
        self.rows.append(tuple(merged[field.attname] for field in self.fields))
        self.added += 1
        if len(self.rows) >= FLUSH_ROWS:
            self.write()  # memory stays flat at scale 10

    def write(self) -> int:
        """Write what is pending; returns every row written by this table."""
        if not self.rows:
            return self.written
        table = self.model._meta.db_table
        quoted = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                prepared = [
                    tuple(
                        field.get_db_prep_save(value, connection)
                        for field, value in zip(self.fields, row, strict=True)
                    )
                    for row in self.rows
                ]
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", prepared)  # noqa: S608
        self.written += len(self.rows)
        self.rows = []
        return self.written


def _through(model: type[models.Model], name: str) -> type[models.Model]:
    return model._meta.get_field(name).remote_field.through


def _spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` whole numbers that differ by at most one."""
    base, extra = divmod(total, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def _days_back(rng: random.Random, today: date, span_days: int) -> date:
    return today - timedelta(days=rng.randrange(max(1, span_days)))


def seed(*, scale: float, log=print) -> dict[str, int]:
    """Write the practice into the current (empty, migrated) database."""
    rng = random.Random(9)  # noqa: S311 - made-up data, the same every run
    today = timezone.localdate()
    now = timezone.now()
    size = sizes_for(scale)
    bench = bench_child_sizes(scale)
    counts: dict[str, int] = {}

    with transaction.atomic():
        # --- People and families ----------------------------------------------
        password = make_password(None)  # nobody logs in with a password: see bench/auth.py
        users = Table(User)
        next_user = 1

        def add_user(email: str, name: str, role: str) -> int:
            nonlocal next_user
            pk = next_user
            next_user += 1
            users.add(id=pk, email=email, full_name=name, role=role, password=password)
            return pk

        therapist_ids = [
            add_user(
                BENCH_EMAILS["therapist"] if i == 0 else f"therapist{i}@bench.example",
                f"Therapist {i:03d}",
                Role.THERAPIST,
            )
            for i in range(size["therapists"])
        ]
        add_user(BENCH_EMAILS["admin"], "Practice Admin", Role.ADMIN)
        add_user("reception@bench.example", "Reception Desk", Role.ADMIN)

        families = Table(Family)
        for f in range(size["families"]):
            name = "The Longest-History family" if f == 0 else f"The Family {f:05d}"
            families.add(
                id=f + 1,
                name=name,
                postcode="AB1 2CD",
                email=f"home{f}@bench.example",
                created_at=now - timedelta(days=365 * bench["years"] if f == 0 else 400),
            )
        n_families = size["families"]
        # Every family agreed to e-mails about therapy: Today asks none of them.
        consents = Table(Consent)
        for f in range(n_families):
            consents.add(
                id=f + 1,
                family_id=f + 1,
                kind=ConsentKind.EMAIL_CONTACT,
                given_at=now - timedelta(days=400),
            )

        children = Table(Child)
        child_family: list[int] = []
        for c in range(size["children"]):
            family_id = c % n_families + 1
            child_family.append(family_id)
            children.add(
                id=c + 1,
                family_id=family_id,
                first_name=f"Child{c:05d}",
                last_name="Bench",
                date_of_birth=today - timedelta(days=365 * 4 + c % 3000),
                school="Riverside Primary",
                created_at=now - timedelta(days=365),
            )
        n_children = size["children"]
        family_children: dict[int, list[int]] = {}
        for c, family_id in enumerate(child_family):
            family_children.setdefault(family_id, []).append(c + 1)

        caregivers = Table(Caregiver)
        caregiver_children = Table(_through(Caregiver, "children"))
        for g in range(size["caregivers"]):
            family_id = g % n_families + 1
            if g < 2 * n_families:
                relationship, access = Relationship.PARENT, AccessLevel.PRIMARY
            else:
                relationship, access = Relationship.GRANDPARENT, AccessLevel.SUPPORTING
            email = BENCH_EMAILS["parent"] if g == 0 else f"carer{g}@bench.example"
            user_id = add_user(email, f"Carer {g:05d}", Role.CAREGIVER)
            caregivers.add(
                id=g + 1,
                user_id=user_id,
                family_id=family_id,
                relationship=relationship,
                access_level=access,
            )
            if access == AccessLevel.SUPPORTING and family_id in family_children:
                caregiver_children.add(
                    id=caregiver_children.added + 1,
                    caregiver_id=g + 1,
                    child_id=family_children[family_id][0],
                )

        # Lead therapists round the caseloads; therapist 0 (the bench family's)
        # also covers a share of therapist 1's children: the largest caseload.
        n_therapists = size["therapists"]
        assignments = Table(CaseloadAssignment)
        for c in range(n_children):
            assignments.add(
                id=assignments.added + 1,
                therapist_id=therapist_ids[c % n_therapists],
                child_id=c + 1,
                kind=CaseloadAssignment.Kind.LEAD,
                starts_on=today - timedelta(days=365 * bench["years"] if c == 0 else 365),
            )
        if n_therapists > 1:
            for c in range(1, n_children // 4, n_therapists):
                assignments.add(
                    id=assignments.added + 1,
                    therapist_id=therapist_ids[0],
                    child_id=c + 1,
                    kind=CaseloadAssignment.Kind.COVERING,
                    starts_on=today - timedelta(days=90),
                )

        for table in (
            users,
            families,
            consents,
            children,
            caregivers,
            caregiver_children,
            assignments,
        ):
            counts[table.model._meta.label] = table.write()
        log(f"  people and families: {counts['accounts.User']} users")

        # --- Goals, ratings, strategies, practice, wins --------------------------
        goals = Table(Goal)
        goal_child: list[int] = []
        active_goals_of: dict[int, list[int]] = {}
        all_goals_of: dict[int, list[int]] = {}

        def add_goal(child_id: int, status: str, created: datetime) -> int:
            pk = len(goal_child) + 1
            goal_child.append(child_id)
            goals.add(
                id=pk,
                child_id=child_id,
                title=f"Puts on shoes by herself before school ({pk})",
                area=Area.values[pk % len(Area.values)],
                priority=1 + pk % 3,
                baseline="Needs help with every step; mornings end in tears.",
                target_date=today + timedelta(days=60 + pk % 90),
                review_date=today + timedelta(days=pk % 40 - 5),
                status=status,
                status_changed_on=created.date(),
                agreed_with_family_on=created.date(),
                level_minus_2="Needs full help",
                level_minus_1="Does one step alone",
                level_0="Does it alone with one reminder",
                level_plus_1="Does it alone",
                level_plus_2="Does it alone and helps a sibling",
                baseline_level=-2 if pk % 2 else -1,
                therapist_notes="Motor planning; praxis difficulties noted at assessment.",
                created_by_id=therapist_ids[(child_id - 1) % n_therapists],
                created_at=created,
            )
            all_goals_of.setdefault(child_id, []).append(pk)
            if status == GoalStatus.ACTIVE:
                active_goals_of.setdefault(child_id, []).append(pk)
            return pk

        bench_days = 365 * bench["years"]
        bench_start = now - timedelta(days=bench_days)
        for _ in range(BENCH_ACTIVE_GOALS):
            add_goal(1, GoalStatus.ACTIVE, bench_start)
        for i in range(bench["closed_goals"]):
            add_goal(1, GoalStatus.ACHIEVED, bench_start + timedelta(days=i * bench_days // 20))
        other_children = list(range(2, n_children + 1)) or [1]
        remaining = max(0, size["goals"] - len(goal_child))
        for index, count in enumerate(_spread(remaining, len(other_children))):
            child_id = other_children[index]
            for k in range(count):
                status = GoalStatus.ACTIVE if k < 3 else GoalStatus.ACHIEVED
                add_goal(child_id, status, now - timedelta(days=300 - 20 * k))

        ratings = Table(ProgressRating)
        n_rating = 0

        def add_rating(goal_id: int, day: date) -> None:
            nonlocal n_rating
            n_rating += 1
            therapist = n_rating % 2 == 0
            child_id = goal_child[goal_id - 1]
            ratings.add(
                id=n_rating,
                goal_id=goal_id,
                child_id=goal_child[goal_id - 1],
                rated_on=day,
                level=n_rating % 5 - 2,
                source=RatingSource.THERAPIST if therapist else RatingSource.CAREGIVER,
                rated_by_id=therapist_ids[(child_id - 1) % n_therapists] if therapist else None,
                note="Managed both shoes with one reminder.",
                created_at=_local(day, 12),
            )

        bench_goals = all_goals_of[1]
        for i in range(bench["ratings"]):
            add_rating(bench_goals[i % len(bench_goals)], _days_back(rng, today, bench_days))
        other_goals = [pk for pk in range(1, len(goal_child) + 1) if goal_child[pk - 1] != 1]
        remaining = max(0, size["ratings"] - n_rating)
        if other_goals:
            for index, count in enumerate(_spread(remaining, len(other_goals))):
                for _ in range(count):
                    add_rating(other_goals[index], _days_back(rng, today, 300))

        strategies = Table(HomeStrategy)
        strategy_goals = Table(_through(HomeStrategy, "goals"))
        strategy_child: list[int] = []
        active_strategies_of: dict[int, list[int]] = {}
        routines = Routine.values

        def add_strategy(child_id: int, retired: date | None, created: datetime) -> None:
            pk = len(strategy_child) + 1
            strategy_child.append(child_id)
            strategies.add(
                id=pk,
                child_id=child_id,
                title=f"Shoe station by the door ({pk})",
                routine=routines[pk % len(routines)],
                what_to_do="Sit on the bottom step, shoes lined up, one step at a time.",
                why_it_helps="A steady base frees both hands for the fastening.",
                how_often="Every school morning",
                materials="A low step, shoes with Velcro",
                hard_day_tip="Do the first shoe together and let them finish the second.",
                retired_on=retired,
                created_by_id=therapist_ids[(child_id - 1) % n_therapists],
                created_at=created,
            )
            goals_of_child = all_goals_of.get(child_id)
            if goals_of_child:
                strategy_goals.add(
                    id=pk, homestrategy_id=pk, goal_id=goals_of_child[pk % len(goals_of_child)]
                )
            if retired is None:
                active_strategies_of.setdefault(child_id, []).append(pk)

        for _ in range(BENCH_ACTIVE_STRATEGIES):
            add_strategy(1, None, bench_start)
        for i in range(bench["retired_strategies"]):
            add_strategy(1, today - timedelta(days=bench_days * i // 25 + 1), bench_start)
        remaining = max(0, size["strategies"] - len(strategy_child))
        for index, count in enumerate(_spread(remaining, len(other_children))):
            child_id = other_children[index]
            for k in range(count):
                retired = today - timedelta(days=30 * k) if k >= 7 else None
                add_strategy(child_id, retired, now - timedelta(days=300))

        logs = Table(PracticeLog)
        outcomes = Outcome.values
        # Caregiver g + 1 is the first parent of family g + 1; users were
        # written therapists first, then the two admins, then the caregivers.
        parent_of_family = {f + 1: f + 1 for f in range(n_families)}
        caregiver_user = {g + 1: n_therapists + 2 + g + 1 for g in range(size["caregivers"])}
        n_log = 0

        def add_log(strategy_id: int, day: date) -> None:
            nonlocal n_log
            n_log += 1
            family_id = child_family[strategy_child[strategy_id - 1] - 1]
            logs.add(
                id=n_log,
                strategy_id=strategy_id,
                child_id=strategy_child[strategy_id - 1],
                caregiver_id=caregiver_user[parent_of_family[family_id]],
                practised_on=day,
                outcome=outcomes[n_log % 3],
                note="" if n_log % 4 else "Better than yesterday.",
                created_at=_local(day, 18),
            )

        bench_strategies = [pk for pk, child in enumerate(strategy_child, 1) if child == 1]
        for i in range(bench["practice_logs"]):
            add_log(bench_strategies[i % len(bench_strategies)], _days_back(rng, today, bench_days))
        other_strategies = [pk for pk, child in enumerate(strategy_child, 1) if child != 1]
        remaining = max(0, size["practice_logs"] - n_log)
        if other_strategies:
            for index, count in enumerate(_spread(remaining, len(other_strategies))):
                for _ in range(count):
                    add_log(other_strategies[index], _days_back(rng, today, 180))

        wins = Table(Win)
        n_win = 0

        def add_win(child_id: int, at: datetime) -> None:
            nonlocal n_win
            n_win += 1
            family_id = child_family[child_id - 1]
            goals_of_child = all_goals_of.get(child_id) or [None]
            wins.add(
                id=n_win,
                child_id=child_id,
                goal_id=goals_of_child[n_win % len(goals_of_child)],
                author_id=caregiver_user[parent_of_family[family_id]],
                text="Zipped her own coat for the first time!",
                created_at=at,
            )

        for _ in range(bench["wins"]):
            add_win(1, now - timedelta(days=rng.randrange(bench_days), minutes=rng.randrange(600)))
        remaining = max(0, size["wins"] - n_win)
        for index, count in enumerate(_spread(remaining, len(other_children))):
            for _ in range(count):
                add_win(other_children[index], now - timedelta(days=rng.randrange(300)))

        for table in (goals, ratings, strategies, strategy_goals, logs, wins):
            counts[table.model._meta.label] = table.write()
        log(f"  goals and home practice: {n_log} practice logs")

        # --- Sessions with signed notes ---------------------------------------------
        sessions = Table(TherapySession)
        notes = Table(SessionNote)
        n_session = 0
        session_types = [SessionType.THERAPY] * 4 + [
            SessionType.PARENT_COACHING,
            SessionType.REVIEW,
        ]

        def add_session(child_id: int, at: datetime) -> None:
            nonlocal n_session
            n_session += 1
            therapist_id = therapist_ids[(child_id - 1) % n_therapists]
            sessions.add(
                id=n_session,
                family_id=child_family[child_id - 1],
                child_id=child_id,
                therapist_id=therapist_id,
                session_type=session_types[n_session % len(session_types)],
                starts_at=at,
                duration_minutes=45,
                location=Location.CLINIC,
                note_signed=True,
                created_at=at,
            )
            signed = at + timedelta(hours=3)
            notes.add(
                id=n_session,
                session_id=n_session,
                subjective=TEXT,
                objective=TEXT,
                assessment=TEXT,
                plan="Continue the shoe station; add a timer for the second shoe.",
                family_summary="We practised shoes and buttons. Keep the shoe station going!",
                status=RecordStatus.SIGNED,
                signed_by_id=therapist_id,
                signed_at=signed,
                created_at=signed,
                updated_at=signed,
            )

        first = now - timedelta(days=bench_days)
        for i in range(bench["sessions"]):
            add_session(1, first + timedelta(days=i * bench_days / bench["sessions"]))
        remaining = max(0, size["sessions"] - n_session)
        for index, count in enumerate(_spread(remaining, len(other_children))):
            start = now - timedelta(days=365)
            for k in range(count):
                add_session(
                    other_children[index],
                    start + timedelta(days=k * 360 / max(count, 1), hours=index % 8),
                )
        for table in (sessions, notes):
            counts[table.model._meta.label] = table.write()
        log(f"  sessions: {n_session} with signed notes")

        # --- The diary: a year of appointments and the next 4 weeks --------------------
        service = Service.objects.create(
            name="1:1 therapy",
            kind=Service.Kind.THERAPY,
            duration_minutes=60,
            bookable_online=True,
        )
        WeeklyAvailability.objects.bulk_create(
            WeeklyAvailability(
                therapist_id=therapist_id, weekday=weekday, starts_at=time(9), ends_at=time(17)
            )
            for therapist_id in therapist_ids
            for weekday in range(5)
        )
        days = [
            day
            for offset in range(-365, 29)
            if (day := today + timedelta(days=offset)).weekday() < 5
        ]
        slots_per_day = 8
        per_therapist = _spread(size["bookings"], n_therapists)
        appointments = Table(Appointment)
        bookings = Table(Booking)
        booking_children = Table(_through(Booking, "children"))
        caseload_of: dict[int, list[int]] = {}
        for c in range(n_children):
            caseload_of.setdefault(c % n_therapists, []).append(c + 1)
        grid = len(days) * slots_per_day
        for t, wanted in enumerate(per_therapist):
            wanted = min(wanted, grid)
            caseload = caseload_of.get(t, [1])
            for k in range(wanted):
                slot = k * grid // wanted
                day, hour = days[slot // slots_per_day], 9 + slot % slots_per_day
                starts = _local(day, hour)
                child_id = caseload[k % len(caseload)]
                pk = appointments.added + 1
                appointments.add(
                    id=pk,
                    service_id=service.pk,
                    therapist_id=therapist_ids[t],
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=60),
                    created_at=starts - timedelta(days=14),
                )
                bookings.add(
                    id=pk,
                    family_id=child_family[child_id - 1],
                    appointment_id=pk,
                    status=Booking.Status.ATTENDED if starts < now else Booking.Status.CONFIRMED,
                    created_at=starts - timedelta(days=14),
                    updated_at=starts - timedelta(days=14),
                )
                booking_children.add(id=pk, booking_id=pk, child_id=child_id)
        for table in (appointments, bookings, booking_children):
            counts[table.model._meta.label] = table.write()
        log(f"  diary: {counts['bookings.Booking']} bookings")

        _reset_sequences()
    return counts


def _reset_sequences() -> None:
    all_models: Iterable[type[models.Model]] = [
        User,
        Family,
        Consent,
        Child,
        Caregiver,
        _through(Caregiver, "children"),
        CaseloadAssignment,
        Goal,
        ProgressRating,
        HomeStrategy,
        _through(HomeStrategy, "goals"),
        PracticeLog,
        Win,
        TherapySession,
        SessionNote,
        Appointment,
        Booking,
        _through(Booking, "children"),
    ]
    statements = connection.ops.sequence_reset_sql(no_style(), list(all_models))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def analyse() -> None:
    """Fresh planner statistics and a visibility map, as a database that has
    lived would have; and no autovacuum of millions of new rows taking a core
    in the middle of a measurement."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


def recorded_scale() -> tuple[float, int, date] | None:
    """(scale, seed version, day seeded) of this database, or None."""
    with connection.cursor() as cursor:
        if META_TABLE not in connection.introspection.table_names(cursor):
            return None
        cursor.execute(f"SELECT scale, version, seeded_on FROM {META_TABLE}")  # noqa: S608
        row = cursor.fetchone()
    return (float(row[0]), int(row[1]), row[2]) if row else None


def record_scale(scale: float) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} "
            "(scale double precision, version integer, seeded_on date)"
        )
        cursor.execute(f"DELETE FROM {META_TABLE}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {META_TABLE} VALUES (%s, %s, %s)",  # noqa: S608
            [scale, SEED_VERSION, timezone.localdate()],
        )
