"""Reads for the sessions pages. Each runs a fixed number of queries, however
many sessions, notes and assessments a child or a caseload has."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone

from accounts.models import User
from core.queries import count_of
from families.models import Caregiver, Child
from families.permissions import Access, children_for
from goals.models import (
    Goal,
    GoalStatus,
    HomeStrategy,
    Outcome,
    PracticeLog,
    ProgressRating,
    Win,
)
from goals.selectors import goal_choices, goals_with_current_level
from messaging.models import Message
from messaging.permissions import conversations_for
from sessions_app.models import (
    Addendum,
    Assessment,
    AssessmentGoal,
    GoalAddressed,
    RecordStatus,
    SessionNote,
    StrategyChange,
    TherapySession,
)
from sessions_app.permissions import sessions_for, sessions_of_child_q

PAGE_SIZE = 20
REVIEW_SOON_DAYS = 7
# The order breaks ties between entries of the same moment; new kinds go last.
TIMELINE_KINDS = ("session", "assessment", "rating", "practice", "win", "message")
PRACTICE_RANK = TIMELINE_KINDS.index("practice")


def _attendees() -> Prefetch:
    return Prefetch(
        "caregivers_attended",
        queryset=Caregiver.objects.select_related("user").order_by("access_level", "id"),
    )


def _note_parts(*, strategy_changes: bool = True) -> list[Prefetch]:
    parts = [
        Prefetch("note__addenda", queryset=Addendum.objects.select_related("author")),
        Prefetch("note__goals_addressed", queryset=GoalAddressed.objects.select_related("goal")),
    ]
    if strategy_changes:
        parts.append(
            Prefetch(
                "note__strategy_changes", queryset=StrategyChange.objects.select_related("strategy")
            )
        )
    return parts


def _addenda() -> Prefetch:
    return Prefetch("addenda", queryset=Addendum.objects.select_related("author"))


def caseload(user: User) -> list[Child]:
    """The therapist's current children (children_for), by name, with their
    family and, as annotations: `last_session_at`, `notes_unsigned` (past
    sessions still without a signed note), `practice_since_last` (practice
    logged since the day of that session) and `goals_due_review` (active
    goals due for review within a week). One query, whatever the caseload:
    each count is a correlated subquery read by the child's own index (the
    partial index of sessions without a signed note, the child's index on
    the practice log), never the years behind them."""
    now = timezone.now()
    today = timezone.localdate()
    past = TherapySession.objects.filter(child=OuterRef("pk"), starts_at__lte=now)
    last_session = past.order_by("-starts_at")
    last_session_day = TherapySession.objects.filter(
        child=OuterRef(OuterRef("pk")), starts_at__lte=now
    ).order_by("-starts_at")
    return list(
        children_for(user)
        .filter(discharged_on__isnull=True)
        .select_related("family")
        .annotate(
            last_session_at=Subquery(last_session.values("starts_at")[:1]),
            notes_unsigned=count_of(past.filter(note_signed=False), per="child"),
            practice_since_last=count_of(
                PracticeLog.objects.filter(
                    child=OuterRef("pk"),
                    practised_on__gte=Subquery(
                        last_session_day.annotate(day=TruncDate("starts_at")).values("day")[:1]
                    ),
                ),
                per="child",
            ),
            goals_due_review=count_of(
                Goal.objects.filter(
                    child=OuterRef("pk"),
                    status=GoalStatus.ACTIVE,
                    review_date__lte=today + timedelta(days=REVIEW_SOON_DAYS),
                ),
                per="child",
            ),
        )
        .order_by("first_name", "last_name", "id")
    )


def unsigned_sessions(user: User) -> QuerySet[TherapySession]:
    """Past sessions of this therapist whose note is missing or still a draft,
    oldest first: the longest-waiting note is the one to write next."""
    return (
        TherapySession.objects.filter(
            therapist=user, starts_at__lte=timezone.now(), note_signed=False
        )
        .select_related("child", "family", "note")
        .order_by("starts_at", "id")
    )


@dataclass(frozen=True)
class Cursor:
    """Where a page of the timeline starts: just older than this entry.
    Entries are ordered newest first by (time, kind, id); a day counts as
    its midnight where the practice is. A week of practice stands at the
    last day practised that week (its id is 0: no two weeks share a day)."""

    at: datetime
    rank: int  # the kind's place in TIMELINE_KINDS
    pk: int

    def __str__(self) -> str:
        return f"{self.at.isoformat()}~{self.rank}~{self.pk}"

    @classmethod
    def parse(cls, value: str | None) -> "Cursor | None":
        """The cursor of a `before` value, or None (the newest page) for
        anything that is not one."""
        try:
            at, rank, pk = (value or "").split("~")
            cursor = cls(datetime.fromisoformat(at), int(rank), int(pk))
        except ValueError:
            return None
        if timezone.is_naive(cursor.at) or not 0 <= cursor.rank < len(TIMELINE_KINDS):
            return None
        return cursor


@dataclass(frozen=True)
class PracticeWeek:
    """A week of home practice, one line per strategy practised."""

    week: date  # its Monday
    lines: list[dict]  # {"title", "times", "well", "mixed", "hard"}, most practised first

    pk = 0


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    at: datetime
    record: object

    @property
    def key(self) -> tuple[datetime, int, int]:
        return (self.at, TIMELINE_KINDS.index(self.kind), self.record.pk)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    older: Cursor | None  # where the next, older page starts, if there is one
    is_first: bool
    kinds: tuple[str, ...]  # the kinds shown: every kind unless filtered


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _older_than(cursor: Cursor | None, kind: str, field: str, *, is_date: bool) -> Q:
    """Rows of one kind that come after the cursor, newest first. For the
    weeks of practice, `field` is the week's last day practised (so the Q
    is a HAVING), and no two weeks share a day: there is no tie to break."""
    if cursor is None:
        return Q()
    rank = TIMELINE_KINDS.index(kind)
    if is_date:
        day = timezone.localdate(cursor.at)
        at_midnight = cursor.at == _midnight(day)
        # A day's midnight is before the cursor when the day is earlier, or
        # the same day with the cursor later than its midnight.
        before = Q(**{f"{field}__lt" if at_midnight else f"{field}__lte": day})
        same = Q(**{field: day}) if at_midnight else Q(pk__in=[])
    else:
        before = Q(**{f"{field}__lt": cursor.at})
        same = Q(**{field: cursor.at})
    if rank < cursor.rank:
        return before | same
    if rank > cursor.rank or kind == "practice":
        return before
    return before | (same & Q(pk__lt=cursor.pk))


def _timeline_keys(user: User, child: Child, kinds: tuple[str, ...], cursor: Cursor | None):
    """Each shown kind's newest PAGE_SIZE + 1 keys past the cursor, as one
    query on PostgreSQL (a UNION ALL of small index reads): (rank, time, day, id) rows,
    with time for the kinds timed to the minute and day for the dated ones."""
    rows = PAGE_SIZE + 1
    no_time = Value(None, output_field=DateTimeField())
    no_day = Value(None, output_field=DateField())

    def keys(queryset: QuerySet, kind: str, field: str, *, is_date: bool = False) -> QuerySet:
        return (
            queryset.filter(_older_than(cursor, kind, field, is_date=is_date))
            .annotate(
                k_rank=Value(TIMELINE_KINDS.index(kind)),
                k_time=no_time if is_date else F(field),
                k_day=F(field) if is_date else no_day,
                k_pk=F("pk"),
            )
            .order_by(f"-{field}", "-pk")
            .values_list("k_rank", "k_time", "k_day", "k_pk")[:rows]
        )

    parts = []
    if "session" in kinds:
        sessions = TherapySession.objects.filter(sessions_of_child_q(child))
        parts.append(keys(sessions, "session", "starts_at"))
    if "assessment" in kinds:
        assessments = Assessment.objects.filter(child=child)
        parts.append(keys(assessments, "assessment", "assessed_on", is_date=True))
    if "rating" in kinds:
        ratings = ProgressRating.objects.filter(child=child)
        parts.append(keys(ratings, "rating", "rated_on", is_date=True))
    if "practice" in kinds:
        logs = PracticeLog.objects.filter(child=child)
        if cursor is not None:
            # Every log of a week that can come after the cursor, and no later week.
            logs = logs.filter(
                practised_on__lt=_monday(timezone.localdate(cursor.at)) + timedelta(days=7)
            )
        parts.append(
            logs.annotate(week=TruncWeek("practised_on"))
            .values("week")
            .annotate(last_day=Max("practised_on"))
            .filter(_older_than(cursor, "practice", "last_day", is_date=True))
            .annotate(
                k_rank=Value(TIMELINE_KINDS.index("practice")),
                k_time=no_time,
                k_day=F("last_day"),
                k_pk=Value(0),
            )
            .order_by("-last_day")
            .values_list("k_rank", "k_time", "k_day", "k_pk")[:rows]
        )
    if "win" in kinds:
        parts.append(keys(Win.objects.filter(child=child), "win", "created_at"))
    if "message" in kinds:
        messages = Message.objects.filter(
            conversation__in=conversations_for(user).filter(child=child), deleted_at__isnull=True
        )
        parts.append(keys(messages, "message", "created_at"))
    if len(parts) > 1 and connection.features.supports_slicing_ordering_in_compound:
        first, *rest = parts
        return list(first.union(*rest, all=True))
    # SQLite (development) cannot limit the parts of a UNION: a query each.
    return [row for part in parts for row in part]


def _practice_weeks(child: Child, weeks: list[date]) -> dict[date, PracticeWeek]:
    """The weeks shown, each with its strategies' counts and titles: the logs
    counted by the child's index, in one query."""
    if not weeks:
        return {}
    counted = list(
        PracticeLog.objects.filter(
            child=child, practised_on__gte=min(weeks), practised_on__lt=max(weeks) + timedelta(7)
        )
        .annotate(week=TruncWeek("practised_on"))
        .values("week", "strategy_id")
        .annotate(
            times=Count("pk"),
            well=Count("pk", filter=Q(outcome=Outcome.WELL)),
            mixed=Count("pk", filter=Q(outcome=Outcome.MIXED)),
            hard=Count("pk", filter=Q(outcome=Outcome.HARD)),
            # Each strategy's title by its primary key: a join here would
            # tempt the planner to hash every strategy of the practice.
            title=Subquery(
                HomeStrategy.objects.filter(pk=OuterRef("strategy_id")).values("title")[:1]
            ),
        )
        .order_by()
    )
    lines: dict[date, list[dict]] = {week: [] for week in weeks}
    for row in counted:
        week = row["week"].date() if isinstance(row["week"], datetime) else row["week"]
        if week in lines:
            lines[week].append(row)
    return {
        week: PracticeWeek(
            week=week,
            lines=sorted(
                found, key=lambda line: (-line["times"], line["title"], line["strategy_id"])
            ),
        )
        for week, found in lines.items()
    }


TIMELINE_FILTERS = {
    "session": "Sessions",
    "rating": "Ratings",
    "practice": "Practice",
    "win": "Wins",
    "assessment": "Assessments",
    "message": "Messages",
}


def timeline_filters(kinds: tuple[str, ...]) -> list[tuple[str, str, bool]]:
    """The filter's checkboxes: (kind, label, checked)."""
    return [(kind, label, kind in kinds) for kind, label in TIMELINE_FILTERS.items()]


def parse_kinds(values: list[str]) -> tuple[str, ...]:
    """The kinds asked for (`?show=session&show=practice`), in their order;
    every kind when none is asked for (or only unknown ones)."""
    asked = tuple(kind for kind in TIMELINE_KINDS if kind in values)
    return asked or TIMELINE_KINDS


def timeline_page(
    user: User, child: Child, before: str | None = None, kinds: tuple[str, ...] = TIMELINE_KINDS
) -> TimelinePage:
    """Sessions (the child's and the family's parents-only consultations),
    assessments, ratings, weeks of practice, wins and messages (those the
    user takes part in), newest first, of the `kinds` asked for, from just
    older than `before` (a Cursor's text; the newest page without it).

    Keyset pagination in two steps: first only the keys of each kind's
    newest PAGE_SIZE + 1 entries past the cursor (one query, each part read
    by the child's own index), merged to find the page; then the full rows,
    with what their entries show, of the PAGE_SIZE entries on it alone. A
    page deep in the fifth year costs what the first does. At most ten
    queries, fewer when a page has no entry of a kind."""
    cursor = Cursor.parse(before)
    found = []
    for rank, at, day, pk in _timeline_keys(user, child, kinds, cursor):
        found.append((at if day is None else _midnight(day), rank, pk, day))
    found.sort(reverse=True)
    shown = found[:PAGE_SIZE]
    wanted: dict[str, list] = {kind: [] for kind in TIMELINE_KINDS}
    for _, rank, pk, day in shown:
        wanted[TIMELINE_KINDS[rank]].append(_monday(day) if rank == PRACTICE_RANK else pk)
    records = _timeline_records(user, child, wanted)
    entries = []
    for at, rank, pk, day in shown:
        kind = TIMELINE_KINDS[rank]
        record = records[kind].get(_monday(day) if rank == PRACTICE_RANK else pk)
        if record is not None:  # deleted between the two reads
            entries.append(TimelineEntry(kind, at, record))
    older = Cursor(*shown[-1][:3]) if len(found) > PAGE_SIZE else None
    return TimelinePage(entries=entries, older=older, is_first=cursor is None, kinds=kinds)


def _timeline_records(user: User, child: Child, wanted: dict[str, list]) -> dict[str, dict]:
    """The full rows of the entries on a page, by kind and id (by Monday for
    the weeks of practice): a query for each kind on the page, and the
    sessions' attendees, addenda and goals."""

    def by_pk(queryset: QuerySet, pks: list[int]) -> dict:
        return {record.pk: record for record in queryset.filter(pk__in=pks)} if pks else {}

    return {
        "session": by_pk(
            TherapySession.objects.select_related("child", "therapist", "note").prefetch_related(
                _attendees(), *_note_parts(strategy_changes=False)
            ),
            wanted["session"],
        ),
        "assessment": by_pk(Assessment.objects.select_related("therapist"), wanted["assessment"]),
        "rating": by_pk(
            ProgressRating.objects.select_related("goal", "rated_by"), wanted["rating"]
        ),
        "practice": _practice_weeks(child, wanted["practice"]),
        "win": by_pk(Win.objects.select_related("author"), wanted["win"]),
        "message": by_pk(
            Message.objects.select_related("author", "conversation"), wanted["message"]
        ),
    }


def session_with_record(session_pk: int) -> TherapySession:
    return (
        TherapySession.objects.select_related(
            "child", "family", "therapist", "note", "note__signed_by"
        )
        .prefetch_related(_attendees(), *_note_parts())
        .get(pk=session_pk)
    )


def note_for(session: TherapySession) -> SessionNote | None:
    return (
        SessionNote.objects.filter(session=session)
        .prefetch_related("goals_addressed", "strategy_changes")
        .first()
    )


def goals_and_strategies_for(session: TherapySession) -> tuple[list[Goal], list[HomeStrategy]]:
    """The active goals and home strategies of the child seen in the session."""
    if session.child_id is None:
        return [], []
    goals = list(goal_choices(session.child))
    strategies = list(
        HomeStrategy.objects.filter(child_id=session.child_id, retired_on__isnull=True).order_by(
            "routine", "id"
        )
    )
    return goals, strategies


@dataclass(frozen=True)
class NoteContext:
    """What a therapist looks at while writing a note: the plan of the last
    signed note, the goals and where they stand, this week's home practice."""

    last_signed: SessionNote | None
    goals: list[Goal]
    practice: PracticeWeek | None


def note_context(session: TherapySession) -> NoteContext:
    """The side panel of the note being written. Four queries at most; none
    for a consultation about no one child."""
    if session.child_id is None:
        return NoteContext(last_signed=None, goals=[], practice=None)
    child = session.child
    last_signed = (
        SessionNote.objects.filter(session__child=child, status=RecordStatus.SIGNED)
        .exclude(session=session)
        .select_related("session")
        .only("plan", "signed_at", "session__starts_at", "session__session_type")
        .order_by("-session__starts_at", "-pk")
        .first()
    )
    monday = _monday(timezone.localdate())
    return NoteContext(
        last_signed=last_signed,
        goals=goals_with_current_level(child),
        practice=_practice_weeks(child, [monday])[monday],
    )


def _assessment_goals() -> QuerySet:
    return AssessmentGoal.objects.select_related("goal")


def assessment_with_record(assessment_pk: int) -> Assessment:
    return (
        Assessment.objects.select_related("child__family", "therapist", "signed_by", "session")
        .prefetch_related("tests", _addenda(), Prefetch("goal_links", queryset=_assessment_goals()))
        .get(pk=assessment_pk)
    )


def sessions_for_family_page(user: User, child: Child, access: Access) -> QuerySet[TherapySession]:
    """Past sessions as a family member (or the practice admin) sees them.

    The note itself is never loaded: only the family summary of a signed note
    comes out of the database, and not even that for an admin."""
    sessions = (
        sessions_for(user)
        .filter(sessions_of_child_q(child), starts_at__lte=timezone.now())
        .select_related("child", "therapist")
        .prefetch_related(_attendees())
        .order_by("-starts_at", "-id")
    )
    if access != Access.ADMIN:
        sessions = sessions.annotate(
            family_summary=Subquery(
                SessionNote.objects.filter(
                    session=OuterRef("pk"), status=RecordStatus.SIGNED
                ).values("family_summary")[:1]
            )
        )
    return sessions
