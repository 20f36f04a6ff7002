"""Server-side charts: the numbers and coordinates an SVG template draws.

No JavaScript: the page carries the picture, a text alternative and a data
table, so the chart works on any phone and with a screen reader.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from goals.models import GAS_LEVEL_WORDS, LEVEL_LABELS, Goal, ProgressRating


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    day: date
    level: int
    is_therapist: bool

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def words(self) -> str:
        return GAS_LEVEL_WORDS[self.level]

    # The family's ratings are drawn as 10×10 squares centred on the point.
    @property
    def square_x(self) -> float:
        return round(self.x - 5, 1)

    @property
    def square_y(self) -> float:
        return round(self.y - 5, 1)


@dataclass(frozen=True)
class Tick:
    y: float
    label: str
    level: int


def _x_scale(start: date, end: date, left: float, right: float):
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return round(left + (right - left) * (day - start).days / span, 1)

    return x


def chart_start(goal: Goal) -> date:
    """The day a goal's chart starts from, unless it was rated earlier."""
    return goal.agreed_with_family_on or timezone.localdate(goal.created_at)


def progress_chart(
    goal: Goal, ratings: Sequence[ProgressRating], *, today: date, width: int = 320
) -> dict:
    """GAS level by date, `ratings` oldest first, in the words families read
    (GAS_LEVEL_WORDS: the axis, each point's title and the text alternative
    alike, never −2…+2); therapist ratings are circles on a solid line, the
    family's squares on a dashed line, and where the goal started a ring on
    the day it was agreed. Each level's words sit above its line, so the
    chart keeps its width on a phone."""
    first_day = chart_start(goal)
    height, left, right, top, bottom = 180, 8, width - 8, 24, 152
    step = (bottom - top) / 4
    level_y = {level: round(bottom - (level + 2) * step, 1) for level in (-2, -1, 0, 1, 2)}
    start = min([first_day, *(r.rated_on for r in ratings)])
    end = max([today, *(r.rated_on for r in ratings)])
    if (end - start).days < 14:
        start = end - timedelta(days=14)
    x = _x_scale(start, end, left + 6, right - 6)
    points = [
        Point(x(r.rated_on), level_y[r.level], r.rated_on, r.level, r.is_therapist) for r in ratings
    ]
    therapist = [p for p in points if p.is_therapist]
    family = [p for p in points if not p.is_therapist]
    started = Point(
        x(first_day), level_y[goal.baseline_level], first_day, goal.baseline_level, False
    )
    latest = ratings[-1] if ratings else None
    beginning = (
        f"It started at “{GAS_LEVEL_WORDS[goal.baseline_level].lower()}” on {first_day:%-d %B %Y}."
    )
    if latest is None:
        summary = f"{beginning} No progress ratings yet."
    else:
        summary = (
            f"{beginning} {len(ratings)} rating{'s' if len(ratings) != 1 else ''} from "
            f"{ratings[0].rated_on:%-d %B %Y} to {latest.rated_on:%-d %B %Y}. "
            f"Latest: “{GAS_LEVEL_WORDS[latest.level].lower()}”."
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "ticks": [Tick(level_y[level], GAS_LEVEL_WORDS[level], level) for level in level_y],
        "goal_y": level_y[0],
        "started": started,
        "therapist_points": therapist,
        "family_points": family,
        "therapist_line": " ".join(f"{p.x},{p.y}" for p in therapist),
        "family_line": " ".join(f"{p.x},{p.y}" for p in family),
        "start": start,
        "end": end,
        "summary": summary,
        "lowest": GAS_LEVEL_WORDS[-2],
        "highest": GAS_LEVEL_WORDS[2],
        "goal_words": GAS_LEVEL_WORDS[0],
    }


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    count: int
    week_start: date
    week_end: date
    label_x: float


def practice_chart(weekly: Sequence[tuple[date, date, int]], *, width: int = 320) -> dict:
    """Practice logged per week, oldest first, as bars."""
    height, left, right, top, bottom = 150, 28, width - 6, 10, 120
    top_count = max([count for _, _, count in weekly] + [1])
    slot = (right - left) / max(len(weekly), 1)
    bars = []
    for index, (week_start, week_end, count) in enumerate(weekly):
        bar_height = round((bottom - top) * count / top_count, 1)
        x = round(left + index * slot + slot * 0.15, 1)
        bars.append(
            Bar(
                x=x,
                y=round(bottom - bar_height, 1),
                height=bar_height,
                count=count,
                week_start=week_start,
                week_end=week_end,
                label_x=round(x + slot * 0.35, 1),
            )
        )
    total = sum(count for _, _, count in weekly)
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "bar_width": round(slot * 0.7, 1),
        "bars": bars,
        "top_count": top_count,
        "summary": f"{total} practices logged over {len(weekly)} weeks.",
    }
