"""Reads for the goals pages. Each runs a fixed number of queries, however
many goals, ratings, strategies or practice logs a child has."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from accounts.models import User
from families.models import Child
from families.permissions import children_for
from goals import charts
from goals.models import (
    GAS_LEVEL_WORDS,
    LEVEL_FIELDS,
    PRACTICE_UNDO_WINDOW,
    ROUTINE_ORDER,
    WIN_PHOTOS,
    FamilyRating,
    Goal,
    GoalStatus,
    HomeStrategy,
    Outcome,
    PracticeLog,
    ProgressRating,
    RatingSource,
    Routine,
    StrategyTemplate,
    Win,
)
from goals.permissions import VIEWERS
from goals.scoring import gas_t_score

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
# The first page of a goal's ratings is the recent ratings its chart draws.
RATINGS_PER_PAGE = RECENT_RATINGS
NEWEST_FIRST = (F("rated_on").desc(), F("created_at").desc(), F("id").desc())


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


# The photos and videos showing each strategy (the therapist's, of this
# child) and its library strategy's demonstrations (the practice's own).
# They are messaging's MediaFile, which sits beside goals and may not be
# imported here, so they are read by relation name: two queries a page.
STRATEGY_MEDIA = ("media", "template__demo_media")


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


def goals_page(child: Child, *, with_t_score: bool = True) -> dict:
    """The child's current goals, each with its recent ratings and a small
    chart, how many goals are closed, the newest wins and (for the therapist)
    the T-score: four queries, however long the history."""
    today = timezone.localdate()
    goals = _with_recent_ratings(
        child.goals.filter(status=GoalStatus.ACTIVE).order_by("priority", "created_at", "id")
    )
    for goal in goals:
        _decorate(goal, today)
    return {
        "goals": goals,
        "t_score": t_score_for(goals) if with_t_score else None,
        "closed_goal_count": child.goals.exclude(status=GoalStatus.ACTIVE).count(),
        "wins": list(wins_for_child(child)[:5]),
    }


def _family_rows(goal: Goal) -> list[dict]:
    """Each family rating with its change since the first baseline rating."""
    ratings = list(goal.family_ratings.order_by("rated_on", "created_at", "id"))
    baseline = next((r for r in ratings if r.kind == FamilyRating.Kind.BASELINE), None)
    rows = []
    for rating in ratings:
        performance_change = satisfaction_change = None
        if baseline is not None and rating.pk != baseline.pk:
            performance_change = rating.performance - baseline.performance
            satisfaction_change = rating.satisfaction - baseline.satisfaction
        rows.append(
            {
                "rating": rating,
                "performance_change": performance_change,
                "satisfaction_change": satisfaction_change,
                "performance_meaningful": performance_change is not None
                and abs(performance_change) >= MEANINGFUL_CHANGE,
                "satisfaction_meaningful": satisfaction_change is not None
                and abs(satisfaction_change) >= MEANINGFUL_CHANGE,
            }
        )
    return rows


def goal_detail(goal: Goal, page_number=None) -> dict:
    """A goal's page: a page of all its ratings (newest first), the chart of
    its recent ratings (the first page, oldest first), the family's scores
    and the strategies for it. Five queries, six past the first page."""
    today = timezone.localdate()
    newest_first = goal.ratings.select_related("rated_by").order_by(*NEWEST_FIRST)
    page: Page = Paginator(newest_first, RATINGS_PER_PAGE).get_page(page_number)
    ratings = list(page.object_list)
    recent = ratings if page.number == 1 else list(newest_first[:RECENT_RATINGS])
    for rating in {*ratings, *recent}:
        rating.goal = goal  # what each level looks like comes from the goal
    return {
        "chart": charts.progress_chart(goal, recent[::-1], today=today),
        "ratings": ratings,
        "ratings_page": page,
        "family_rows": _family_rows(goal),
        "strategies": list(goal.strategies.order_by("retired_on", "routine", "id")),
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


def routines_page(child: Child, *, routine: str | None = None) -> dict:
    """Active strategies grouped by the moment of the day, with this week's
    practice. With `routine`, that moment's only, with the photos that show
    each strategy (the picture sheet for the fridge)."""
    today = timezone.localdate()
    week_start = today - timedelta(days=6)
    strategies = _active_strategies(child, week_start=week_start).prefetch_related(
        _strategy_goals()
    )
    if routine is not None:
        strategies = strategies.filter(routine=routine).prefetch_related(*STRATEGY_MEDIA)
    strategies = list(strategies)
    return {
        "groups": _group_by_routine(strategies),
        "strategy_count": len(strategies),
        "week_start": week_start,
        "today": today,
    }


def _first_name(full_name: str | None) -> str:
    return full_name.split(" ")[0] if full_name else "someone"


def _names_in_words(names: list[str]) -> str:
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass
class _PracticeTally:
    """What a strategy card says about its practice: how often in the last
    7 days, who did it today ("you and Margaret"), and the viewer's own log
    of the last minutes they may still undo."""

    practised_this_week: int = 0
    done_today: dict = field(default_factory=dict)  # caregiver id → first name
    undoable: tuple | None = None  # (log id, outcome) of the viewer's newest log

    def add(self, row: tuple, *, today: date, viewer_id: int | None, undo_after) -> None:
        log_id, day, caregiver_id, full_name, outcome, created_at = row
        self.practised_this_week += 1
        if day == today:
            self.done_today.setdefault(caregiver_id, _first_name(full_name))
        mine_to_undo = caregiver_id == viewer_id and created_at >= undo_after
        if mine_to_undo and (self.undoable is None or log_id > self.undoable[0]):
            self.undoable = (log_id, outcome)

    def decorate(self, strategy: HomeStrategy, viewer_id: int | None) -> HomeStrategy:
        strategy.practised_this_week = self.practised_this_week
        names = [
            "you" if caregiver_id == viewer_id else name
            for caregiver_id, name in self.done_today.items()
        ]
        # "you" first: "Done today by you and Margaret".
        names.sort(key=lambda name: name != "you")
        strategy.done_today_by = _names_in_words(names)
        strategy.undoable_log_id, strategy.undoable_outcome = self.undoable or (None, "")
        if strategy.undoable_outcome:
            strategy.undoable_outcome = Outcome(strategy.undoable_outcome).label
        return strategy


_PRACTICE_CARD_FIELDS = (
    "pk",
    "practised_on",
    "caregiver_id",
    "caregiver__full_name",
    "outcome",
    "created_at",
)


def practice_tallies(
    practice: QuerySet[PracticeLog], *, viewer: User | None, today: date
) -> dict[int, _PracticeTally]:
    """The last 7 days of `practice`, per strategy, as its card shows it:
    one query, whatever the number of strategies."""
    undo_after = timezone.now() - PRACTICE_UNDO_WINDOW
    viewer_id = viewer.pk if viewer is not None else None
    tallies: dict[int, _PracticeTally] = {}
    rows = (
        practice.filter(practised_on__gte=today - timedelta(days=6), practised_on__lte=today)
        .order_by()
        .values_list("strategy_id", *_PRACTICE_CARD_FIELDS)
    )
    for strategy_id, *row in rows:
        tallies.setdefault(strategy_id, _PracticeTally()).add(
            tuple(row), today=today, viewer_id=viewer_id, undo_after=undo_after
        )
    return tallies


def practice_card(strategy: HomeStrategy, *, viewer: User) -> HomeStrategy:
    """One strategy's card after a tap or an undo: what it says about its
    practice (practice_tallies). One query."""
    today = timezone.localdate()
    tally = practice_tallies(
        PracticeLog.objects.filter(strategy=strategy), viewer=viewer, today=today
    ).get(strategy.pk, _PracticeTally())
    return tally.decorate(strategy, viewer.pk)


def routines_week(child: Child, *, weeks: int = 8, viewer: User | None = None) -> dict:
    """ "This week at home": the active strategies by moment of the day, as
    on routines_page, each with what its card says of its practice
    (practice_tallies: `practised_this_week`, `done_today_by`, the viewer's
    `undoable_log_id`), and practice logged per week for the chart (`chart`,
    `weekly`, oldest first). Three queries: the strategies, their goals and
    one read of the recent practice for both the cards and the chart."""
    today = timezone.localdate()
    windows = _week_windows(today, weeks)
    strategies = {
        strategy.pk: strategy
        for strategy in child.strategies.filter(retired_on__isnull=True).prefetch_related(
            _strategy_goals(), *STRATEGY_MEDIA
        )
    }
    # Read by the child's own index on the log: the weeks shown, not years.
    practice = list(
        PracticeLog.objects.filter(child=child, practised_on__gte=windows[0][0])
        .order_by()
        .values_list("strategy_id", *_PRACTICE_CARD_FIELDS)
    )
    viewer_id = viewer.pk if viewer is not None else None
    undo_after = timezone.now() - PRACTICE_UNDO_WINDOW
    week_start = today - timedelta(days=6)
    tallies: dict[int, _PracticeTally] = {pk: _PracticeTally() for pk in strategies}
    per_week = [0] * weeks
    for strategy_id, *row in practice:
        day = row[1]
        if week_start <= day <= today and strategy_id in tallies:
            tallies[strategy_id].add(
                tuple(row), today=today, viewer_id=viewer_id, undo_after=undo_after
            )
        if day <= today and (index := _week_index(day, windows)) is not None:
            per_week[index] += 1
    for pk, strategy in strategies.items():
        tallies[pk].decorate(strategy, viewer_id)
    weekly = [(start, end, per_week[i]) for i, (start, end) in enumerate(windows)]
    return {
        "groups": _group_by_routine(list(strategies.values())),
        "strategy_count": len(strategies),
        "chart": charts.practice_chart(weekly),
        "weekly": weekly,
    }


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


def child_section_wins(request, child: Child, access: str) -> list[Win]:
    """The newest wins for the child's page (families.sections); nothing for
    those who may not see goals."""
    if access not in VIEWERS:
        return []
    return list(wins_for_child(child)[:3])


def wins_for_child(child: Child) -> QuerySet[Win]:
    """The child's wins, newest first, with their photos (messaging's, read
    by relation name: goals.models.WIN_PHOTOS), one query more for a page."""
    return (
        child.wins.select_related("author", "goal")
        .prefetch_related(WIN_PHOTOS)
        .order_by("-created_at", "-id")
    )


def newest_wins(child_ids: Collection[int], *, limit: int = 5) -> list[Win]:
    """The newest wins of these children, newest first, with their child,
    author and goal: one query (and one for their photos). Each child's wins are numbered newest first
    and cut at `limit` before they are merged, so a child with years of wins
    costs what a new one does."""
    if not child_ids:
        return []
    newest = Window(
        RowNumber(),
        partition_by=[F("child_id")],
        order_by=[F("created_at").desc(), F("id").desc()],
    )
    return list(
        Win.objects.filter(child_id__in=child_ids)
        .annotate(newest=newest)
        .filter(newest__lte=limit)
        .select_related("child", "author", "goal")
        .prefetch_related(WIN_PHOTOS)
        .order_by("-created_at", "-id")[:limit]
    )


def goals_with_current_level(child: Child) -> list[Goal]:
    """The child's active goals, each with `current_level`: the level of its
    latest therapist rating, or its baseline before any. One query."""
    goals = goal_choices(child).annotate(latest_level=_latest_therapist_rating_level())
    found = list(goals)
    for goal in found:
        goal.current_level = (
            goal.latest_level if goal.latest_level is not None else goal.baseline_level
        )
    return found


def goals_due_review(user, *, limit: int, within_days: int = 7) -> list[Goal]:
    """The first `limit` active goals of the user's current children
    (children_for) whose review date has come or comes within
    `within_days`, soonest first, with their child's name. One query."""
    due = Goal.objects.filter(
        child__in=children_for(user).filter(discharged_on__isnull=True),
        status=GoalStatus.ACTIVE,
        review_date__lte=timezone.localdate() + timedelta(days=within_days),
    )
    first = (
        due.select_related("child")
        .only(
            "title",
            "review_date",
            "agreed_with_family_on",
            "created_at",
            "child__first_name",
            "child__last_name",
        )
        .order_by("review_date", "child__first_name", "pk")[:limit]
    )
    return list(first)


def goal_choices(child: Child) -> QuerySet[Goal]:
    return child.goals.filter(status=GoalStatus.ACTIVE).order_by("priority", "id")


def templates_library() -> QuerySet[StrategyTemplate]:
    return StrategyTemplate.objects.order_by("routine", "title", "id").prefetch_related(
        "demo_media"
    )


# How many of today's strategies Today shows before "the rest at home": a
# phone's screenful, and each card is a form to draw (`make bench`).
TODAY_STRATEGIES_SHOWN = 3
# How many goals Today's progress shows, the family's priorities first.
PROGRESS_SHOWN = 5


def today_strategies(children: list[Child], *, viewer: User) -> dict:
    """For Today: the active strategies of these children not practised yet
    today by anyone (and those the viewer has just logged, so their card
    keeps its "Logged ✓ — undo"), at most TODAY_STRATEGIES_SHOWN, by child and
    moment of the day; and `routines`, each child's moments of the day with
    how many strategies and practices this week. Two queries: the
    strategies (a few fields), and the last 7 days of practice
    (practice_tallies)."""
    today = timezone.localdate()
    names = {child.pk: child.display_name for child in children}
    if not names:
        return {"to_do": [], "more_to_do": 0, "routines": []}
    strategies = list(
        HomeStrategy.objects.filter(child_id__in=names, retired_on__isnull=True)
        .only("pk", "title", "routine", "child_id")
        .order_by()
    )
    tallies = practice_tallies(
        PracticeLog.objects.filter(child_id__in=names), viewer=viewer, today=today
    )
    order = list(names)
    strategies.sort(key=lambda s: (order.index(s.child_id), ROUTINE_ORDER[s.routine], s.pk))
    to_do = []
    routines: dict[tuple[int, str], dict] = {}
    for strategy in strategies:
        tallies.get(strategy.pk, _PracticeTally()).decorate(strategy, viewer.pk)
        strategy.child_name = names[strategy.child_id]
        if not strategy.done_today_by or strategy.undoable_log_id:
            to_do.append(strategy)
        moment = routines.setdefault(
            (strategy.child_id, strategy.routine),
            {
                "child_id": strategy.child_id,
                "child_name": strategy.child_name,
                "label": Routine(strategy.routine).label,
                "strategies": 0,
                "practised": 0,
            },
        )
        moment["strategies"] += 1
        moment["practised"] += strategy.practised_this_week
    return {
        "to_do": to_do[:TODAY_STRATEGIES_SHOWN],
        "more_to_do": max(len(to_do) - TODAY_STRATEGIES_SHOWN, 0),
        "routines": list(routines.values()),
    }


def progress_for_home(children: list[Child]) -> list[dict]:
    """For Today: the family's top PROGRESS_SHOWN active goals of these
    children (by priority) with where each stands now in the words agreed
    with the family (the latest rating's level on the goal's own scale, or
    where it started). One query."""
    names = {child.pk: child.display_name for child in children}
    if not names:
        return []
    latest = ProgressRating.objects.filter(goal=OuterRef("pk")).order_by(
        "-rated_on", "-created_at", "-id"
    )
    goals = (
        Goal.objects.filter(child_id__in=names, status=GoalStatus.ACTIVE)
        .annotate(
            latest_level=Subquery(latest.values("level")[:1]),
            latest_on=Subquery(latest.values("rated_on")[:1]),
        )
        .order_by("priority", "pk")
        .values(
            "pk",
            "title",
            "child_id",
            "baseline_level",
            "latest_level",
            "latest_on",
            *LEVEL_FIELDS.values(),
        )
    )
    rows = []
    for goal in goals[:PROGRESS_SHOWN]:
        level = goal["latest_level"]
        rated = level is not None
        if not rated:
            level = goal["baseline_level"]
        rows.append(
            {
                "pk": goal["pk"],
                "title": goal["title"],
                "child_name": names[goal["child_id"]],
                "rated_on": goal["latest_on"],
                "words": goal[LEVEL_FIELDS[level]] if level is not None else "",
                "level_words": GAS_LEVEL_WORDS[level] if level is not None else "",
                "rated": rated,
            }
        )
    return rows
