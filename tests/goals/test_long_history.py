"""A goal rated for years: the goals page draws its recent ratings, the goal's
page pages through all of them, and the T-score still uses the latest
therapist rating however far back it is."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from goals.models import RatingSource
from goals.selectors import RATINGS_PER_PAGE, RECENT_RATINGS, goals_page
from tests.factories import GoalFactory, ProgressRatingFactory

pytestmark = pytest.mark.timesweep


def _rated_for_years(world):
    goal = GoalFactory(child=world.child, title="Brushes teeth", baseline_level=-2)
    today = timezone.localdate()
    # The only therapist rating is the oldest: far behind the recent ones.
    ProgressRatingFactory(
        goal=goal, level=1, rated_on=today - timedelta(days=900), source=RatingSource.THERAPIST
    )
    for week in range(RECENT_RATINGS + 15):
        ProgressRatingFactory(
            goal=goal,
            level=-1,
            rated_on=today - timedelta(weeks=week),
            source=RatingSource.CAREGIVER,
            note=f"week {week}",
        )
    return goal


def test_goals_page_draws_recent_ratings_and_keeps_the_therapists_level(world):
    goal = _rated_for_years(world)
    page = goals_page(world.child)
    [shown] = page["goals"]
    assert len(shown.ordered_ratings) == RECENT_RATINGS
    assert shown.ordered_ratings[-1].note == "week 0"  # oldest first, newest last
    assert shown.latest_rating.note == "week 0"
    # T-score from the therapist's +1, not the baseline −2.
    assert page["t_score"].current == 60.0
    assert goal.ratings.count() == RECENT_RATINGS + 16


def test_goals_page_html_draws_recent_ratings_and_the_therapists_level(world, login):
    _rated_for_years(world)
    html = login(world.therapist).get(reverse("goals:child_goals", args=[world.child.pk])).text
    assert 'T-score now <strong class="fs-4">60.0</strong>' in html
    assert html.count(", family at home</title></rect>") == RECENT_RATINGS  # recent, drawn
    assert "“week 0”" in html and f"“week {RECENT_RATINGS}”" not in html


def _rating_notes(html: str) -> list[str]:
    """The notes of the ratings table's rows, in order ("" for none)."""
    table = html[html.index("ratings-table") : html.index("</table>")]
    rows = table.split("<tr>")[2:]  # past the header row
    return [found.group(1) if (found := re.search("“([^”]*)”", row)) else "" for row in rows]


def test_goal_page_pages_through_every_rating(world, login):
    goal = _rated_for_years(world)
    client = login(world.parent)
    url = reverse("goals:goal_detail", args=[goal.pk])
    first = client.get(url)
    notes = _rating_notes(first.text)
    assert notes[0] == "week 0"
    assert len(notes) == RATINGS_PER_PAGE
    assert "Page 1 of 2" in first.text
    notes = _rating_notes(client.get(url, {"page": 2}).text)
    assert notes[0] == f"week {RATINGS_PER_PAGE}"
    assert notes[-1] == ""  # the therapist's rating from long ago, last of all
    assert len(notes) == RECENT_RATINGS + 16 - RATINGS_PER_PAGE
