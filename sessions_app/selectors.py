"""Reads for the sessions pages. Each runs a fixed number of queries, however
many sessions, notes and assessments a child or a caseload has."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.db.models import (
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from accounts.models import User, user_display_name
from families.models import Caregiver, Child
from families.permissions import Access, children_for
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


def caseload(user: User, **more) -> list[Child]:
    """The therapist's current children, each with the date of the last
    session, how many past sessions still lack a signed note, how much
    practice the family logged since that session, and how many active goals
    are due for review within a week, and any `more` annotations (the home
    page adds the next visit from the diary). One query, whatever the
    caseload."""
    now = timezone.now()
    past = TherapySession.objects.filter(child=OuterRef("pk"), starts_at__lte=now)
    # Counted from the partial index of sessions without a signed note, and
    # practice from the child's own index on the log: neither reads the years
    # of history behind them.
    unsigned = (
        past.filter(note_signed=False)
        .order_by()
        .values("child")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_session_day = (
        TherapySession.objects.filter(child=OuterRef(OuterRef("pk")), starts_at__lte=now)
        .order_by("-starts_at")
        .annotate(day=TruncDate("starts_at"))
        .values("day")[:1]
    )
    practice = (
        PracticeLog.objects.filter(
            child=OuterRef("pk"), practised_on__gte=Subquery(last_session_day)
        )
        .order_by()
        .values("child")
        .annotate(n=Count("pk"))
        .values("n")
    )
    due = (
        Goal.objects.filter(
            child=OuterRef("pk"),
            status=GoalStatus.ACTIVE,
            review_date__lte=timezone.localdate() + timedelta(days=REVIEW_SOON_DAYS),
        )
        .order_by()
        .values("child")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        children_for(user)
        .filter(discharged_on__isnull=True)
        .select_related("family")
        # What a caseload card shows: not the child's long free-text fields.
        .only("first_name", "last_name", "preferred_name", "date_of_birth", "family__name")
        .annotate(
            last_session_at=Subquery(past.order_by("-starts_at").values("starts_at")[:1]),
            notes_unsigned=Coalesce(Subquery(unsigned, output_field=IntegerField()), 0),
            practice_since_last=Coalesce(Subquery(practice, output_field=IntegerField()), 0),
            goals_due_review=Coalesce(Subquery(due, output_field=IntegerField()), 0),
            **more,
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


def _rows(queryset: QuerySet, kind: str, at, newest_first: str) -> QuerySet:
    # Each part is ordered by its own column (not the shared `at`, which is a
    # cast for dates) so that it is read from the index newest first.
    return (
        queryset.annotate(kind=Value(kind), item=F("pk"), at=at)
        .values_list("kind", "item", "at")
        .order_by(newest_first, "-pk")
    )


def _day(field: str) -> Cast:
    return Cast(field, output_field=DateTimeField())


def _timeline_parts(child: Child) -> list[QuerySet]:
    # (kind, id, time) rows of each kind of record, each read newest first by
    # an index on the child, so that a page costs the same in the fifth year
    # as in the first.
    return [
        _rows(TherapySession.objects.filter(child=child), "session", F("starts_at"), "-starts_at"),
        _rows(
            TherapySession.objects.filter(child__isnull=True, family_id=child.family_id),
            "session",
            F("starts_at"),
            "-starts_at",
        ),
        _rows(
            Assessment.objects.filter(child=child),
            "assessment",
            _day("assessed_on"),
            "-assessed_on",
        ),
        _rows(
            ProgressRating.objects.filter(child=child),
            "rating",
            _day("rated_on"),
            "-rated_on",
        ),
        _rows(
            PracticeLog.objects.filter(child=child),
            "practice",
            _day("practised_on"),
            "-practised_on",
        ),
        _rows(Win.objects.filter(child=child), "win", F("created_at"), "-created_at"),
    ]


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


# The other kinds are read as the plain values an entry shows, no records.
_PLAIN_FIELDS = {
    "assessment": (
        ("assessed_on", "assessed_on"),
        ("therapist_name", "therapist__full_name"),
        ("therapist_email", "therapist__email"),
        ("status", "status"),
        ("summary", "summary"),
    ),
    "rating": (
        ("rated_on", "rated_on"),
        ("goal_id", "goal_id"),
        ("goal_title", "goal__title"),
        ("level", "level"),
        ("source", "source"),
        ("rated_by_name", "rated_by__full_name"),
        ("rated_by_email", "rated_by__email"),
        ("note", "note"),
    ),
    "practice": (
        ("practised_on", "practised_on"),
        ("strategy_title", "strategy__title"),
        ("outcome", "outcome"),
        ("caregiver_name", "caregiver__full_name"),
        ("caregiver_email", "caregiver__email"),
        ("note", "note"),
    ),
    "win": (
        ("created_at", "created_at"),
        ("text", "text"),
        ("author_name", "author__full_name"),
        ("author_email", "author__email"),
    ),
}
_PLAIN_MODELS = {
    "assessment": Assessment,
    "rating": ProgressRating,
    "practice": PracticeLog,
    "win": Win,
}


def _plain_cards(kind: str, ids: list[int]) -> dict[int, dict]:
    names = [name for name, _ in _PLAIN_FIELDS[kind]]
    rows = (
        _PLAIN_MODELS[kind]
        .objects.filter(pk__in=ids)
        .order_by()
        .values_list("pk", *(lookup for _, lookup in _PLAIN_FIELDS[kind]))
    )
    cards = {}
    for pk, *values in rows:
        card = dict(zip(names, values, strict=True))
        for person in ("therapist", "rated_by", "caregiver", "author"):
            if f"{person}_email" in card:
                email = card.pop(f"{person}_email")
                name = card.pop(f"{person}_name")
                card[person] = user_display_name(name, email) if email is not None else ""
        if kind == "assessment":
            card["signed"] = card.pop("status") == RecordStatus.SIGNED
        elif kind == "rating":
            card["source"] = RatingSource(card["source"]).label
        elif kind == "practice":
            card["outcome"] = Outcome(card["outcome"]).label
        cards[pk] = card
    return cards


def timeline_page(child: Child, page_number, *, viewer_id: int) -> tuple[OpenEndedPage, list[dict]]:
    """Sessions, notes, assessments, ratings, practice and wins, newest first:
    the newest rows of each kind up to the end of the page, one union that
    cuts the page, and one query per kind on the page. Each entry is the
    plain values it shows, for a remembered fragment (portal.fragments)."""
    number = _page_number(page_number)
    end = number * PAGE_SIZE
    # One more than the page holds tells whether there is an older page.
    parts = [part[: end + 1] for part in _timeline_parts(child)]
    if connection.features.supports_slicing_ordering_in_compound:
        rows = list(parts[0].union(*parts[1:], all=True).order_by("-at", "-item")[: end + 1])
    else:  # SQLite: each part on its own, merged here
        rows = sorted(
            (row for part in parts for row in part), key=lambda row: (row[2], row[1]), reverse=True
        )[: end + 1]
    if number > 1 and len(rows) <= end - PAGE_SIZE:
        # Beyond the oldest record: the last page there is, as Django's own
        # paginator answers.
        number = max(1, -(-len(rows) // PAGE_SIZE))
        end = number * PAGE_SIZE
    page = OpenEndedPage(number=number, has_next=len(rows) > end)
    rows = rows[end - PAGE_SIZE : end]
    ids: dict[str, list[int]] = {kind: [] for kind in TIMELINE_KINDS}
    for kind, pk, _ in rows:
        ids[kind].append(pk)
    cards = {
        kind: (
            _session_cards(ids[kind], viewer_id)
            if kind == "session"
            else _plain_cards(kind, ids[kind])
        )
        if ids[kind]
        else {}
        for kind in TIMELINE_KINDS
    }
    entries = [
        {"entry": {"kind": kind, "pk": pk, **cards[kind][pk]}}
        for kind, pk, _ in rows
        if pk in cards[kind]
    ]
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
