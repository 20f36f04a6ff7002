"""The goals pages as plain values, for fragments remembered by portal.fragments.

A child's goals page and a goal's page are drawn from these values alone:
no model instances, so each fragment's digest sees everything it shows, and a
rating added, a goal reworded or a new day changes the digest and the HTML.
Each function runs a fixed number of queries, however long the history.

Ratings travel as tuples, not dicts: a goal card carries twenty of them and
their digest is taken on every request (see `RATING_FIELDS`).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User, user_short_name
from families.models import Child
from goals.models import (
    Area,
    FamilyRating,
    Goal,
    GoalStatus,
    Priority,
    ProgressRating,
    RatingSource,
    Routine,
    Setting,
)
from goals.selectors import (
    MEANINGFUL_CHANGE,
    RATINGS_PER_PAGE,
    RECENT_RATINGS,
    TScore,
    newest_wins,
    t_score_of,
)
from portal.sql import table

# One rating as a goal card or a goal's page shows it, in this order:
# (rated_on, level, is_therapist, note, rated_by_name). The template tags in
# goals/templatetags/goal_progress.py read them back.
RATING_FIELDS = ("rated_on", "level", "source", "note", "rated_by__full_name", "rated_by__email")
NEWEST_FIRST = (F("rated_on").desc(), F("created_at").desc(), F("id").desc())

Rating = tuple[date, int, bool, str, str]


def _rating(rated_on, level, source, note, full_name, email) -> Rating:
    return (
        rated_on,
        level,
        source == RatingSource.THERAPIST,
        note,
        # No one when the rater's account has gone.
        user_short_name(full_name, email) if email is not None else "",
    )


def _ratings_values(ratings: QuerySet[ProgressRating], *extra: str) -> QuerySet:
    return ratings.values_list(*extra, *RATING_FIELDS)


def _goal_values(goal: dict) -> dict:
    """What both pages show of a goal itself, from `Goal` field values."""
    return {
        "pk": goal["id"],
        "title": goal["title"],
        "area": Area(goal["area"]).label,
        "setting": Setting(goal["setting"]).label,
        "priority": goal["priority"],
        "priority_label": Priority(goal["priority"]).label,
        "baseline": goal["baseline"],
        "baseline_level": goal["baseline_level"],
        "first_day": goal["agreed_with_family_on"] or timezone.localdate(goal["created_at"]),
        # The attainment scale from +2 down to −2, as Goal.scale.
        "scale": [
            (2, "+2", goal["level_plus_2"]),
            (1, "+1", goal["level_plus_1"]),
            (0, "0", goal["level_0"]),
            (-1, "−1", goal["level_minus_1"]),
            (-2, "−2", goal["level_minus_2"]),
        ],
    }


GOAL_FIELDS = (
    "id",
    "title",
    "area",
    "setting",
    "priority",
    "baseline",
    "baseline_level",
    "agreed_with_family_on",
    "created_at",
    "level_plus_2",
    "level_plus_1",
    "level_0",
    "level_minus_1",
    "level_minus_2",
)


def _t_score(goals: Sequence[dict]) -> TScore:
    # Each active goal at its therapist's latest rating, or at its baseline
    # level when the therapist has not rated it.
    return t_score_of(
        [
            g["baseline_level"]
            if g["latest_therapist_level"] is None
            else g["latest_therapist_level"]
            for g in goals
        ],
        [g["baseline_level"] for g in goals],
    )


@dataclass
class RecentRatings:
    ratings: list[Rating] = field(default_factory=list)  # the newest few, oldest first
    total: int = 0  # how many ratings the goal has in all


def _recent_ratings(goal_ids: list[int]) -> dict[int, RecentRatings]:
    """The newest RECENT_RATINGS of each goal, oldest first, and how many it
    has in all, in one query: a goal rated for years costs what a new one
    does (issue 9, `make bench`).

    Written in SQL because the ORM's filter on a window function took longer
    to build than the query takes to run, on the pages families open most.
    Plain SQL that PostgreSQL and SQLite both read."""
    found = {goal_id: RecentRatings() for goal_id in goal_ids}
    if not goal_ids:
        return found
    sql = f"""
        SELECT r.goal_id, r.total, r.rated_on, r.level, r.source, r.note, u.full_name, u.email
        FROM (
            SELECT goal_id, rated_on, level, source, note, rated_by_id, created_at, id,
                ROW_NUMBER() OVER (
                    PARTITION BY goal_id ORDER BY rated_on DESC, created_at DESC, id DESC
                ) AS newest,
                COUNT(*) OVER (PARTITION BY goal_id) AS total
            FROM {table(ProgressRating)}
            WHERE goal_id IN ({", ".join(["%s"] * len(goal_ids))})
        ) r
        LEFT JOIN {table(User)} u ON u.id = r.rated_by_id
        WHERE r.newest <= %s
        ORDER BY r.goal_id, r.rated_on, r.created_at, r.id
    """  # noqa: S608 - only table names and placeholders are formatted in
    with connection.cursor() as cursor:
        cursor.execute(sql, [*goal_ids, RECENT_RATINGS])
        rows = cursor.fetchall()
    # Both drivers hand rated_on back as a date: PostgreSQL's by its type,
    # SQLite's by the column's declared type (Django's PARSE_DECLTYPES).
    for goal_id, total, *fields in rows:
        recent = found[goal_id]
        recent.ratings.append(_rating(*fields))
        recent.total = total
    return found


@dataclass(frozen=True)
class GoalCards:
    cards: list[dict]  # {"goal": …, "ratings": [Rating, …] oldest first}
    closed_goal_count: int
    t_score: TScore | None


def goal_cards(child: Child, *, with_t_score: bool) -> GoalCards:
    """The child's active goals as cards with their recent ratings, how many
    goals are closed, and the T-score when asked for: two queries."""
    # Every goal of the child, closed ones too: counting them here costs less
    # than a query of its own, and a child has tens of goals, not thousands.
    goals = child.goals.order_by("priority", "created_at", "id")
    if with_t_score:
        goals = goals.annotate(
            latest_therapist_level=Subquery(
                ProgressRating.objects.filter(goal=OuterRef("pk"), source=RatingSource.THERAPIST)
                .order_by(*NEWEST_FIRST)
                .values("level")[:1]
            )
        )
        fields = (*GOAL_FIELDS, "status", "latest_therapist_level")
    else:
        fields = (*GOAL_FIELDS, "status")
    every_goal = list(goals.values(*fields))
    active = [goal for goal in every_goal if goal["status"] == GoalStatus.ACTIVE]
    ratings = _recent_ratings([goal["id"] for goal in active])
    return GoalCards(
        cards=[
            {"goal": _goal_values(goal), "ratings": ratings[goal["id"]].ratings} for goal in active
        ],
        closed_goal_count=len(every_goal) - len(active),
        t_score=_t_score(active) if with_t_score else None,
    )


def recent_wins(child: Child, *, limit: int = 5) -> list[dict]:
    """The child's newest wins, shaped as goals/includes/win_list.html reads a Win."""
    return newest_wins([child.pk], limit=limit)


def _family_rows(goal: Goal) -> list[dict]:
    """Each family rating with its change since the first baseline rating."""
    ratings = list(
        goal.family_ratings.order_by("rated_on", "created_at", "id").values_list(
            "id", "rated_on", "kind", "performance", "satisfaction"
        )
    )
    baseline = next((r for r in ratings if r[2] == FamilyRating.Kind.BASELINE), None)
    rows = []
    for pk, rated_on, kind, performance, satisfaction in ratings:
        performance_change = satisfaction_change = None
        if baseline is not None and pk != baseline[0]:
            performance_change = performance - baseline[3]
            satisfaction_change = satisfaction - baseline[4]
        rows.append(
            {
                "rated_on": rated_on,
                "kind": FamilyRating.Kind(kind).label,
                "performance": performance,
                "satisfaction": satisfaction,
                "performance_change": performance_change,
                "satisfaction_change": satisfaction_change,
                "performance_meaningful": performance_change is not None
                and abs(performance_change) >= MEANINGFUL_CHANGE,
                "satisfaction_meaningful": satisfaction_change is not None
                and abs(satisfaction_change) >= MEANINGFUL_CHANGE,
            }
        )
    return rows


def _page_values(page: Page) -> dict:
    """The page as includes/pagination.html reads it."""
    return {
        "number": page.number,
        "has_other_pages": page.has_other_pages(),
        "has_previous": page.has_previous(),
        "previous_page_number": page.number - 1,
        "has_next": page.has_next(),
        "next_page_number": page.number + 1,
        "paginator": {"num_pages": page.paginator.num_pages},
    }


def goal_detail(goal: Goal, page_number=None) -> dict:
    """A goal's page: the goal, its recent ratings for the chart (oldest
    first), a page of all its ratings (newest first), the family's scores and
    the strategies for it. Three queries, four past the first page."""
    recent = _recent_ratings([goal.pk])[goal.pk]
    newest_first = goal.ratings.order_by(*NEWEST_FIRST)
    paginator = Paginator(newest_first, RATINGS_PER_PAGE)
    paginator.count = recent.total  # counted with the recent ratings: no query of its own
    page = paginator.get_page(page_number)
    if page.number == 1:  # the recent ratings, newest first
        page_ratings = recent.ratings[::-1]
    else:
        start = (page.number - 1) * RATINGS_PER_PAGE
        page_ratings = [
            _rating(*fields)
            for fields in _ratings_values(newest_first)[start : start + RATINGS_PER_PAGE]
        ]
    strategies = [
        {"title": title, "routine": Routine(routine).label, "is_active": retired_on is None}
        for title, routine, retired_on in goal.strategies.order_by(
            "retired_on", "routine", "id"
        ).values_list("title", "routine", "retired_on")
    ]
    values = _goal_values({name: getattr(goal, name) for name in GOAL_FIELDS})
    return {
        "goal": {
            **values,
            "status": goal.status,
            "status_label": GoalStatus(goal.status).label,
            "is_active": goal.is_active,
            "status_changed_on": goal.status_changed_on,
            "agreed_with_family_on": goal.agreed_with_family_on,
            "target_date": goal.target_date,
            "review_date": goal.review_date,
        },
        "recent_ratings": recent.ratings,
        "ratings": page_ratings,
        "ratings_page": _page_values(page),
        "family_rows": _family_rows(goal),
        "strategies": strategies,
    }
