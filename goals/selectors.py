"""Reads for the goals pages. Each runs a fixed number of queries, however
many goals, ratings, strategies or practice logs a child has."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from itertools import groupby

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User, user_short_name
from families.models import Child
from goals import charts
from goals.models import (
    ROUTINE_ORDER,
    STRATEGY_FIELDS,
    Goal,
    GoalStatus,
    HomeStrategy,
    PracticeLog,
    ProgressRating,
    RatingSource,
    Routine,
    StrategyTemplate,
    Win,
)
from goals.scoring import gas_t_score
from portal.sql import as_datetime, table

MEANINGFUL_CHANGE = 2  # points on the 1–10 family ratings


def _ratings() -> Prefetch:
    return Prefetch(
        "ratings",
        queryset=ProgressRating.objects.select_related("rated_by").order_by(
            "rated_on", "created_at", "id"
        ),
        to_attr="ordered_ratings",
    )


# Ratings drawn per goal where a page shows the recent picture (the goals
# page, the chart on a goal's page): a goal rated for years costs what a new
# one does (issue 9, `make bench`). The goal's page pages through the rest.
RECENT_RATINGS = 20
# The first page of a goal's ratings is the recent ratings already loaded
# (goals.plain.goal_detail).
RATINGS_PER_PAGE = RECENT_RATINGS


def _recent_ratings() -> Prefetch:
    return Prefetch(
        "ratings",
        queryset=ProgressRating.objects.select_related("rated_by").order_by(
            "-rated_on", "-created_at", "-id"
        )[:RECENT_RATINGS],
        to_attr="recent_ratings_newest_first",
    )


def _latest_therapist_rating_level() -> Subquery:
    return Subquery(
        ProgressRating.objects.filter(goal=OuterRef("pk"), source=RatingSource.THERAPIST)
        .order_by("-rated_on", "-created_at", "-id")
        .values("level")[:1]
    )


def _with_recent_ratings(goals: QuerySet[Goal]) -> list[Goal]:
    """Goals with `ordered_ratings` holding only their latest RECENT_RATINGS
    (oldest first), and the level of their latest therapist rating."""
    found = list(
        goals.annotate(latest_therapist_level=_latest_therapist_rating_level()).prefetch_related(
            _recent_ratings()
        )
    )
    for goal in found:
        goal.ordered_ratings = list(reversed(goal.recent_ratings_newest_first))
    return found


def _strategy_goals() -> Prefetch:
    return Prefetch("goals", queryset=Goal.objects.order_by("priority", "id"))


def _latest_therapist_level(goal: Goal) -> int:
    """The level the T-score uses: the therapist's latest rating, else the baseline."""
    latest = getattr(goal, "latest_therapist_level", None)
    if latest is not None or hasattr(goal, "latest_therapist_level"):
        return latest if latest is not None else goal.baseline_level
    therapist = [r for r in goal.ordered_ratings if r.is_therapist]
    return therapist[-1].level if therapist else goal.baseline_level


@dataclass
class TScore:
    current: float | None
    baseline: float | None
    goal_count: int

    def as_dict(self) -> dict:
        return {"current": self.current, "baseline": self.baseline, "goal_count": self.goal_count}


def t_score_of(levels_now: list[int], baseline_levels: list[int]) -> TScore:
    """The GAS T-score of the active goals now and at baseline, one level
    per goal (its therapist's latest rating, or its baseline when unrated)."""
    current = gas_t_score(levels_now)
    baseline = gas_t_score(baseline_levels)
    return TScore(
        current=round(current, 1) if current is not None else None,
        baseline=round(baseline, 1) if baseline is not None else None,
        goal_count=len(baseline_levels),
    )


def t_score_for(goals: list[Goal]) -> TScore:
    active = [goal for goal in goals if goal.is_active]
    return t_score_of(
        [_latest_therapist_level(goal) for goal in active],
        [goal.baseline_level for goal in active],
    )


def _decorate(goal: Goal, today: date, *, width: int = 320) -> Goal:
    goal.latest_rating = goal.ordered_ratings[-1] if goal.ordered_ratings else None
    goal.chart = charts.progress_chart(goal, goal.ordered_ratings, today=today, width=width)
    return goal


def goals_page(child: Child) -> dict:
    """The child's current goals, each with its ratings and a small chart."""
    today = timezone.localdate()
    goals = _with_recent_ratings(
        child.goals.filter(status=GoalStatus.ACTIVE).order_by("priority", "created_at", "id")
    )
    for goal in goals:
        _decorate(goal, today)
    return {
        "goals": goals,
        "t_score": t_score_for(goals),
        "closed_goal_count": child.goals.exclude(status=GoalStatus.ACTIVE).count(),
        "wins": list(wins_for_child(child)[:5]),
    }


@dataclass
class RoutineGroup:
    routine: str
    label: str
    strategies: list[HomeStrategy] = field(default_factory=list)


def _group_by_routine(strategies: list[HomeStrategy]) -> list[RoutineGroup]:
    strategies = sorted(strategies, key=lambda s: (ROUTINE_ORDER[s.routine], s.pk))
    return [
        RoutineGroup(routine, Routine(routine).label, list(items))
        for routine, items in groupby(strategies, key=lambda s: s.routine)
    ]


def _active_strategies(child: Child, *, week_start: date) -> QuerySet[HomeStrategy]:
    """The child's strategies in use, with `practised_this_week`."""
    return child.strategies.filter(retired_on__isnull=True).annotate(
        # A correlated count reads this week's rows by index; a join with
        # a filtered Count read every log the strategy ever had (issue 9).
        practised_this_week=Coalesce(
            Subquery(
                PracticeLog.objects.filter(strategy=OuterRef("pk"), practised_on__gte=week_start)
                .order_by()
                .values("strategy")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
    )


def routines_page(child: Child) -> dict:
    """Active strategies grouped by the moment of the day, with this week's practice."""
    today = timezone.localdate()
    week_start = today - timedelta(days=6)
    strategies = list(
        _active_strategies(child, week_start=week_start).prefetch_related(_strategy_goals())
    )
    return {
        "groups": _group_by_routine(strategies),
        "strategy_count": len(strategies),
        "week_start": week_start,
        "today": today,
    }


# What a strategy card on "this week at home" shows of a strategy.
STRATEGY_CARD_FIELDS = ("pk", *STRATEGY_FIELDS)


def routines_week(child: Child, *, weeks: int = 8) -> dict:
    """ "This week at home" as plain values (portal.fragments), in two queries.

    `groups`: the active strategies by moment of the day, as on routines_page,
    each a dict shaped like a HomeStrategy for
    goals/includes/strategy_body.html (its goals' titles in `goals.all`) with
    `practised_this_week`; `chart` and `weekly`: practice logged per week,
    oldest first. Both counts come from one read of the recent practice.
    """
    today = timezone.localdate()
    week_start = today - timedelta(days=6)
    windows = _week_windows(today, weeks)
    # One row per strategy and goal, goals in priority order.
    rows = (
        child.strategies.filter(retired_on__isnull=True)
        .order_by("pk", "goals__priority", "goals__id")
        .values_list(*STRATEGY_CARD_FIELDS, "goals__title")
    )
    strategies: dict[int, dict] = {}
    for *fields, goal_title in rows:
        strategy = strategies.get(fields[0])
        if strategy is None:
            strategy = dict(zip(STRATEGY_CARD_FIELDS, fields, strict=True))
            strategy.update(goals={"all": []}, practised_this_week=0)
            strategies[strategy["pk"]] = strategy
        if goal_title is not None:
            strategy["goals"]["all"].append({"title": goal_title})
    # Read by the child's own index on the log: the weeks shown, not years.
    practice = (
        PracticeLog.objects.filter(child=child, practised_on__gte=windows[0][0])
        .order_by()
        .values_list("strategy_id", "practised_on")
    )
    per_week = [0] * weeks
    for strategy_id, day in practice:
        if day >= week_start and strategy_id in strategies:
            strategies[strategy_id]["practised_this_week"] += 1
        if day <= today and (index := _week_index(day, windows)) is not None:
            per_week[index] += 1
    weekly = [(start, end, per_week[i]) for i, (start, end) in enumerate(windows)]
    chart = charts.practice_chart(weekly)
    chart["bars"] = [dict(vars(bar)) for bar in chart["bars"]]
    ordered = sorted(strategies.values(), key=lambda s: (ROUTINE_ORDER[s["routine"]], s["pk"]))
    groups = [
        {"routine": routine, "label": Routine(routine).label, "strategies": list(items)}
        for routine, items in groupby(ordered, key=lambda s: s["routine"])
    ]
    return {"groups": groups, "strategy_count": len(ordered), "chart": chart, "weekly": weekly}


def history_page(child: Child) -> dict:
    goals = list(
        child.goals.exclude(status=GoalStatus.ACTIVE).order_by("-status_changed_on", "-id")
    )
    strategies = list(
        child.strategies.filter(retired_on__isnull=False)
        .prefetch_related(_strategy_goals())
        .order_by("-retired_on", "-id")
    )
    return {"goals": goals, "strategies": strategies}


def practice_since(child: Child, since: date) -> QuerySet[PracticeLog]:
    """Practice logged at home for this child on or after `since`, newest first.

    The sessions app calls this with the date of the last session.
    """
    return (
        PracticeLog.objects.filter(child=child, practised_on__gte=since)
        .select_related("strategy", "caregiver")
        .order_by("-practised_on", "-created_at", "-id")
    )


@dataclass
class AdherenceRow:
    strategy: HomeStrategy
    weekly: list[int]  # oldest week first

    @property
    def total(self) -> int:
        return sum(self.weekly)

    @property
    def weeks_with_practice(self) -> int:
        return sum(1 for count in self.weekly if count)


def _week_windows(today: date, weeks: int) -> list[tuple[date, date]]:
    """Seven-day windows ending today, oldest first."""
    return [
        (today - timedelta(days=7 * index + 6), today - timedelta(days=7 * index))
        for index in reversed(range(weeks))
    ]


def _week_index(day: date, windows: list[tuple[date, date]]) -> int | None:
    for index, (start, end) in enumerate(windows):
        if start <= day <= end:
            return index
    return None


def adherence(child: Child, *, weeks: int = 4, today: date | None = None) -> dict:
    """Practice per active strategy in each of the last `weeks` weeks, and in
    total per week over the last 8 weeks for the chart: two queries."""
    today = today or timezone.localdate()
    chart_weeks = max(weeks, 8)
    windows = _week_windows(today, chart_weeks)
    strategies = list(child.strategies.filter(retired_on__isnull=True))
    counts = (
        PracticeLog.objects.filter(child=child, practised_on__gte=windows[0][0])
        .values("strategy_id", "practised_on")
        .annotate(n=Count("id"))
    )
    per_strategy: dict[int, list[int]] = {s.pk: [0] * weeks for s in strategies}
    per_week = [0] * chart_weeks
    for row in counts:
        index = _week_index(row["practised_on"], windows)
        if index is None:
            continue
        per_week[index] += row["n"]
        recent = index - (chart_weeks - weeks)
        if recent >= 0 and row["strategy_id"] in per_strategy:
            per_strategy[row["strategy_id"]][recent] += row["n"]
    rows = sorted(
        (AdherenceRow(s, per_strategy[s.pk]) for s in strategies),
        key=lambda row: (ROUTINE_ORDER[row.strategy.routine], row.strategy.pk),
    )
    weekly = [(start, end, per_week[i]) for i, (start, end) in enumerate(windows)]
    return {
        "rows": rows,
        "weeks": windows[-weeks:],
        "chart": charts.practice_chart(weekly),
        "weekly": weekly,
    }


def therapist_child_page(child: Child, *, since: date) -> dict:
    goals = list(
        child.goals.filter(status=GoalStatus.ACTIVE)
        .prefetch_related(_ratings())
        .order_by("priority", "created_at", "id")
    )
    return {
        "logs": list(practice_since(child, since)[:200]),
        "since": since,
        "t_score": t_score_for(goals),
        "goals": goals,
        **adherence(child),
    }


def wins_for_child(child: Child) -> QuerySet[Win]:
    return child.wins.select_related("author", "goal").order_by("-created_at", "-id")


# Each child's newest wins, read from that child's own index and cut there,
# then merged: with one IN over the children, a child with years of wins made
# PostgreSQL read every win of the practice (issue 9). Written in SQL because
# building the union through the ORM cost more than running it; each part is
# a subquery, which PostgreSQL and SQLite both cut.
_WINS_PART = """SELECT * FROM (
    SELECT w.text, w.created_at, w.child_id, u.full_name, u.email, g.title, w.id
    FROM {win} w LEFT JOIN {user} u ON u.id = w.author_id LEFT JOIN {goal} g ON g.id = w.goal_id
    WHERE w.child_id = %s ORDER BY w.created_at DESC, w.id DESC LIMIT %s) AS part_{index}"""


@cache
def _wins_sql(children: int) -> str:
    tables = {"win": table(Win), "user": table(User), "goal": table(Goal)}
    parts = [_WINS_PART.format(index=index, **tables) for index in range(children)]
    return " UNION ALL ".join(parts) + " ORDER BY created_at DESC, id DESC LIMIT %s"


def newest_wins(child_ids: Collection[int], *, limit: int = 5) -> list[dict]:
    """The newest wins of these children, newest first, as plain values
    (portal.fragments) shaped like a Win for goals/includes/win_list.html,
    with `child_id`."""
    if not child_ids:
        return []
    params = [value for child_id in child_ids for value in (child_id, limit)]
    with connection.cursor() as cursor:
        cursor.execute(_wins_sql(len(child_ids)), [*params, limit])
        rows = cursor.fetchall()
    return [
        {
            "text": text,
            "created_at": as_datetime(created_at),
            "child_id": child_id,
            "author": (
                {"get_short_name": user_short_name(full_name, email)} if email is not None else None
            ),
            "goal": {"title": goal_title} if goal_title is not None else None,
        }
        for text, created_at, child_id, full_name, email, goal_title, _ in rows
    ]


def wins_for_home(child_names: dict[int, str], *, limit: int = 5) -> list[dict]:
    """The newest wins of every child a caregiver may see (by id, with the
    names the page shows; joined here, PostgreSQL read every child of the
    practice to find them again), each with its child's name."""
    return [
        win | {"child": {"display_name": child_names[win["child_id"]]}}
        for win in newest_wins(child_names, limit=limit)
    ]


def goal_choices(child: Child) -> QuerySet[Goal]:
    return child.goals.filter(status=GoalStatus.ACTIVE).order_by("priority", "id")


def templates_library() -> QuerySet[StrategyTemplate]:
    return StrategyTemplate.objects.order_by("routine", "title", "id")
