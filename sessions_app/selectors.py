"""Reads for the sessions pages. Each runs a fixed number of queries, however
many sessions, notes and assessments a child or a caseload has."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from core.queries import count_of
from families.models import Caregiver, Child
from families.permissions import Access, children_for
from goals.models import (
    Goal,
    GoalStatus,
    HomeStrategy,
    PracticeLog,
    ProgressRating,
    Win,
)
from goals.selectors import goal_choices
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
TIMELINE_KINDS = ("session", "assessment", "rating", "practice", "win")


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
    its midnight where the practice is."""

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


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _older_than(cursor: Cursor | None, kind: str, field: str, *, is_date: bool) -> Q:
    """Rows of one kind that come after the cursor, newest first."""
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
    if rank > cursor.rank:
        return before
    return before | (same & Q(pk__lt=cursor.pk))


def timeline_page(child: Child, before: str | None = None) -> TimelinePage:
    """Sessions (the child's and the family's parents-only consultations),
    assessments, ratings, practice and wins, newest first, from just older
    than `before` (a Cursor's text; the newest page without it). Keyset
    pagination: each kind's newest PAGE_SIZE + 1 rows past the cursor are
    read by the child's own index, with what their entries show, and merged;
    a page deep in the fifth year costs what the first does. Nine queries."""
    cursor = Cursor.parse(before)
    rows = PAGE_SIZE + 1

    def newest(queryset: QuerySet, kind: str, field: str, *, is_date: bool = False) -> list:
        found = queryset.filter(_older_than(cursor, kind, field, is_date=is_date)).order_by(
            f"-{field}", "-pk"
        )[:rows]
        return [
            TimelineEntry(kind, _midnight(getattr(r, field)) if is_date else getattr(r, field), r)
            for r in found
        ]

    sessions = (
        TherapySession.objects.filter(sessions_of_child_q(child))
        .select_related("child", "therapist", "note")
        .prefetch_related(_attendees(), *_note_parts(strategy_changes=False))
    )
    entries = [
        *newest(sessions, "session", "starts_at"),
        *newest(
            Assessment.objects.filter(child=child).select_related("therapist"),
            "assessment",
            "assessed_on",
            is_date=True,
        ),
        *newest(
            ProgressRating.objects.filter(child=child).select_related("goal", "rated_by"),
            "rating",
            "rated_on",
            is_date=True,
        ),
        *newest(
            PracticeLog.objects.filter(child=child).select_related("strategy", "caregiver"),
            "practice",
            "practised_on",
            is_date=True,
        ),
        *newest(Win.objects.filter(child=child).select_related("author"), "win", "created_at"),
    ]
    entries.sort(key=lambda entry: entry.key, reverse=True)
    page = entries[:PAGE_SIZE]
    older = Cursor(*page[-1].key) if len(entries) > PAGE_SIZE else None
    return TimelinePage(entries=page, older=older, is_first=cursor is None)


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
