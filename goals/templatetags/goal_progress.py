"""A goal's ratings and chart from the plain values of goals.plain, drawn
inside a remembered fragment: only when the fragment is rendered afresh."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django import template

from goals import charts
from goals.models import GAS_LEVEL_WORDS, LEVEL_LABELS

register = template.Library()


@dataclass(frozen=True)
class RatingRow:
    rated_on: date
    level: int
    is_therapist: bool
    note: str
    rated_by_name: str
    scale_text: str  # what this level looks like for this goal

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def level_words(self) -> str:
        return GAS_LEVEL_WORDS[self.level]


@register.simple_tag
def rating_rows(goal: Mapping, ratings: Sequence[tuple]) -> list[RatingRow]:
    """Rows from goals.plain ratings: (rated_on, level, is_therapist, note, rated_by_name)."""
    words = {level: text for level, _, text in goal["scale"]}
    return [
        RatingRow(rated_on, level, is_therapist, note, rated_by_name, words[level])
        for rated_on, level, is_therapist, note, rated_by_name in ratings
    ]


@register.simple_tag
def progress_chart(goal: Mapping, rows: Sequence[RatingRow], today: date) -> dict:
    """The chart of goals.charts.progress_chart; `rows` oldest first."""
    return charts.progress_chart_from(goal["first_day"], rows, today=today)
