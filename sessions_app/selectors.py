"""Reads for the sessions pages. Each runs a fixed number of queries, however
many sessions, notes and assessments a child or a caseload has."""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from django.db import connection
from django.db.models import (
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.utils import timezone

from accounts.models import User, user_display_name
from families.models import Caregiver, CaseloadAssignment, Child, Family, age_on, child_display_name
from families.permissions import Access
from goals.models import (
    Goal,
    GoalStatus,
    HomeStrategy,
    Outcome,
    PracticeLog,
    ProgressRating,
    RatingSource,
    Win,
)
from goals.selectors import goal_choices
from portal.sql import as_date, as_datetime, table
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
from sessions_app.permissions import sessions_for_child_view

PAGE_SIZE = 20
REVIEW_SOON_DAYS = 7
TIMELINE_KINDS = ("session", "assessment", "rating", "practice", "win")
# Far enough back for any history a page is read for; a page number beyond
# it is read as this one, so no address makes the database sort years of rows.
MAX_TIMELINE_PAGE = 500


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


# The caseload's one query. Written in SQL because building its four
# correlated subqueries through the ORM, and the model instances of each row,
# cost more than PostgreSQL takes to run it (issue 9, `make bench`). Counted
# from the partial index of sessions without a signed note, and practice from
# the child's own index on the log: neither reads the years behind them.
_CASELOAD_SQL = """
    SELECT c.id, c.first_name, c.last_name, c.preferred_name, c.date_of_birth, f.name,
        (SELECT s.starts_at FROM {session} s
            WHERE s.child_id = c.id AND s.starts_at <= %(now)s
            ORDER BY s.starts_at DESC LIMIT 1),
        (SELECT COUNT(*) FROM {session} s
            WHERE s.child_id = c.id AND s.starts_at <= %(now)s AND NOT s.note_signed),
        (SELECT COUNT(*) FROM {practice} p
            WHERE p.child_id = c.id AND p.practised_on >= (
                SELECT {session_day} FROM {session} s
                WHERE s.child_id = c.id AND s.starts_at <= %(now)s
                ORDER BY s.starts_at DESC LIMIT 1)),
        (SELECT COUNT(*) FROM {goal} g
            WHERE g.child_id = c.id AND g.status = %(active)s AND g.review_date <= %(review_by)s)
    FROM {child} c INNER JOIN {family} f ON f.id = c.family_id
    WHERE c.discharged_on IS NULL AND EXISTS (
        SELECT 1 FROM {assignment} a WHERE a.child_id = c.id AND a.therapist_id = %(therapist)s
            AND a.starts_on <= %(today)s AND (a.ends_on IS NULL OR a.ends_on >= %(today)s))
    ORDER BY c.first_name, c.last_name, c.id
"""


@cache
def _caseload_sql(vendor: str, tzname: str) -> tuple[str, dict]:
    """The SQL and the parameters of the session's day where the practice is,
    as TruncDate reads it (each backend has its own way)."""
    session_day, day_params = connection.ops.datetime_cast_date_sql("s.starts_at", (), tzname)
    names = [f"day_{index}" for index in range(len(day_params))]
    session_day = session_day % tuple(f"%({name})s" for name in names)
    sql = _CASELOAD_SQL.format(
        session=table(TherapySession),
        practice=table(PracticeLog),
        goal=table(Goal),
        child=table(Child),
        family=table(Family),
        assignment=table(CaseloadAssignment),
        session_day=session_day,
    )
    return sql, dict(zip(names, day_params, strict=True))


def caseload(user: User) -> list[dict]:
    """The therapist's current children, by name, as plain values: the child,
    the date of the last session, how many past sessions still lack a signed
    note, how much practice the family logged since that session, and how
    many active goals are due for review within a week. One query, whatever
    the caseload."""
    today = timezone.localdate()
    params = {
        "now": timezone.now(),
        "today": today,
        "therapist": user.pk,
        "active": GoalStatus.ACTIVE,
        "review_by": today + timedelta(days=REVIEW_SOON_DAYS),
    }
    sql, day_params = _caseload_sql(connection.vendor, timezone.get_current_timezone_name())
    with connection.cursor() as cursor:
        cursor.execute(sql, params | day_params)
        rows = cursor.fetchall()
    return [
        {
            "pk": pk,
            "full_name": f"{first} {last_name}",
            "display_name": child_display_name(first, preferred),
            "family_name": family_name,
            "age": age_on(as_date(born), today),
            "last_session_at": as_datetime(last_session),
            "notes_unsigned": unsigned,
            "practice_since_last": practice,
            "goals_due_review": due,
        }
        for (
            pk,
            first,
            last_name,
            preferred,
            born,
            family_name,
            last_session,
            unsigned,
            practice,
            due,
        ) in rows
    ]


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


# The timeline's rows: (kind, id, time) of each kind of record, each part
# read newest first by an index on the child and cut at the end of the page,
# so that a page costs the same in the fifth year as in the first; with what
# an entry of each kind but a session shows, so that a page needs no query
# per kind. Written in SQL because building this union through the ORM cost
# several times what PostgreSQL takes to run it (issue 9, `make bench`);
# plain SQL that PostgreSQL and SQLite both read. Columns a kind has no value
# for are typed NULLs, so that the parts of the union agree.
_ENTRY_COLUMNS = {
    "e_day": "date",
    "e_title": "text",
    "e_name": "text",
    "e_email": "text",
    "e_text": "text",
    "e_code": "text",
    "e_level": "integer",
    "e_goal": "bigint",
}
# kind: (table, time column, is a date, filter, joins, {column: expression})
_TIMELINE_PARTS = (
    ("session", TherapySession, "starts_at", False, "t.child_id = %(child)s", "", {}),
    (
        "session",
        TherapySession,
        "starts_at",
        False,
        "t.child_id IS NULL AND t.family_id = %(family)s",
        "",
        {},
    ),
    (
        "assessment",
        Assessment,
        "assessed_on",
        True,
        "t.child_id = %(child)s",
        "LEFT JOIN {user} u ON u.id = t.therapist_id",
        {
            "e_day": "t.assessed_on",
            "e_name": "u.full_name",
            "e_email": "u.email",
            "e_code": "t.status",
            "e_text": "t.summary",
        },
    ),
    (
        "rating",
        ProgressRating,
        "rated_on",
        True,
        "t.child_id = %(child)s",
        "INNER JOIN {goal} g ON g.id = t.goal_id LEFT JOIN {user} u ON u.id = t.rated_by_id",
        {
            "e_day": "t.rated_on",
            "e_goal": "t.goal_id",
            "e_title": "g.title",
            "e_level": "t.level",
            "e_code": "t.source",
            "e_name": "u.full_name",
            "e_email": "u.email",
            "e_text": "t.note",
        },
    ),
    (
        "practice",
        PracticeLog,
        "practised_on",
        True,
        "t.child_id = %(child)s",
        "INNER JOIN {strategy} h ON h.id = t.strategy_id"
        " LEFT JOIN {user} u ON u.id = t.caregiver_id",
        {
            "e_day": "t.practised_on",
            "e_title": "h.title",
            "e_code": "t.outcome",
            "e_name": "u.full_name",
            "e_email": "u.email",
            "e_text": "t.note",
        },
    ),
    (
        "win",
        Win,
        "created_at",
        False,
        "t.child_id = %(child)s",
        "LEFT JOIN {user} u ON u.id = t.author_id",
        {"e_name": "u.full_name", "e_email": "u.email", "e_text": "t.text"},
    ),
)


@cache
def _timeline_sql(vendor: str) -> str:
    tables = {
        "user": table(User),
        "goal": table(Goal),
        "strategy": table(HomeStrategy),
    }
    parts = []
    for kind, model, time_column, is_date, where, joins, shown in _TIMELINE_PARTS:
        at = f"t.{time_column}"
        if is_date and vendor == "postgresql":
            # A day sorts as its midnight (SQLite compares the ISO text as it is).
            at = f"CAST({at} AS timestamp with time zone)"
        columns = ", ".join(
            f"{shown.get(name, f'CAST(NULL AS {kind_of})')} AS {name}"
            for name, kind_of in _ENTRY_COLUMNS.items()
        )
        parts.append(
            f"SELECT * FROM (SELECT '{kind}' AS kind, t.id AS item, {at} AS at, {columns}"  # noqa: S608 - names from the models, values as parameters
            f" FROM {table(model)} t {joins.format(**tables)} WHERE {where}"
            f" ORDER BY t.{time_column} DESC, t.id DESC LIMIT %(rows)s) AS part_{len(parts)}"
        )
    return " UNION ALL ".join(parts) + " ORDER BY at DESC, item DESC LIMIT %(rows)s"


def _timeline_rows(child: Child, rows: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            _timeline_sql(connection.vendor),
            {"child": child.pk, "family": child.family_id, "rows": rows},
        )
        return cursor.fetchall()


@dataclass(frozen=True)
class OpenEndedPage:
    """A page of a list whose length is not counted: counting a child's whole
    history is the one cost that grows with it. Answers what the pagination
    template asks, with no "of N"."""

    number: int
    has_next: bool

    paginator = None

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def _page_number(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_TIMELINE_PAGE)


def _session_cards(ids: list[int], viewer_id: int) -> dict[int, dict]:
    # What an entry shows of a session: not who signed it nor the strategy
    # changes, which the session's own page shows.
    sessions = (
        TherapySession.objects.filter(pk__in=ids)
        .select_related("child", "therapist", "note")
        .prefetch_related(_attendees(), *_note_parts(strategy_changes=False))
    )
    cards = {}
    for session in sessions:
        note = getattr(session, "note", None)
        cards[session.pk] = {
            "type": session.get_session_type_display(),
            "starts_at": session.starts_at,
            "location": session.get_location_display(),
            "therapist": str(session.therapist),
            "attendance": session.attendance_text,
            "own": session.therapist_id == viewer_id,
            "note": None
            if note is None
            else {
                "signed": note.is_signed,
                "signed_at": note.signed_at,
                "assessment": note.assessment,
                "plan": note.plan,
                "goals": [(row.goal.title, row.level) for row in note.goals_addressed.all()],
                "addenda": [
                    {
                        "created_at": addendum.created_at,
                        "author": str(addendum.author),
                        "reason": addendum.reason,
                        "text": addendum.text,
                    }
                    for addendum in note.addenda.all()
                ],
            },
        }
    return cards


def _entry(kind: str, at, values: dict) -> dict:
    """The plain values an entry of a kind other than sessions shows, from
    the columns of its row (_ENTRY_VALUES)."""
    person = (
        user_display_name(values["e_name"], values["e_email"])
        if values["e_email"] is not None
        else ""
    )
    if kind == "assessment":
        return {
            "assessed_on": values["e_day"],
            "therapist": person,
            "signed": values["e_code"] == RecordStatus.SIGNED,
            "summary": values["e_text"],
        }
    if kind == "rating":
        return {
            "rated_on": values["e_day"],
            "goal_id": values["e_goal"],
            "goal_title": values["e_title"],
            "level": values["e_level"],
            "source": RatingSource(values["e_code"]).label,
            "rated_by": person,
            "note": values["e_text"],
        }
    if kind == "practice":
        return {
            "practised_on": values["e_day"],
            "strategy_title": values["e_title"],
            "outcome": Outcome(values["e_code"]).label,
            "caregiver": person,
            "note": values["e_text"],
        }
    return {"created_at": as_datetime(at), "text": values["e_text"], "author": person}


def timeline_page(child: Child, page_number, *, viewer_id: int) -> tuple[OpenEndedPage, list[dict]]:
    """Sessions, notes, assessments, ratings, practice and wins, newest first:
    the newest rows of each kind up to the end of the page, in one union that
    cuts the page and returns what each entry other than a session shows; the
    sessions on the page are read in one more query. Each entry is the plain
    values it shows, for a remembered fragment (portal.fragments)."""
    number = _page_number(page_number)
    end = number * PAGE_SIZE
    # One more than the page holds tells whether there is an older page.
    rows = _timeline_rows(child, end + 1)
    if number > 1 and len(rows) <= end - PAGE_SIZE:
        # Beyond the oldest record: the last page there is, as Django's own
        # paginator answers.
        number = max(1, -(-len(rows) // PAGE_SIZE))
        end = number * PAGE_SIZE
    page = OpenEndedPage(number=number, has_next=len(rows) > end)
    rows = rows[end - PAGE_SIZE : end]
    session_ids = [row[1] for row in rows if row[0] == "session"]
    sessions = _session_cards(session_ids, viewer_id) if session_ids else {}
    entries = []
    for kind, pk, at, *columns in rows:
        if kind == "session":
            if pk not in sessions:
                continue
            card = sessions[pk]
        else:
            values = dict(zip(_ENTRY_COLUMNS, columns, strict=True))
            values["e_day"] = as_date(values["e_day"])
            card = _entry(kind, at, values)
        entries.append({"entry": {"kind": kind, "pk": pk, **card}})
    return page, entries


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
        sessions_for_child_view(user, child, access)
        .filter(starts_at__lte=timezone.now())
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
