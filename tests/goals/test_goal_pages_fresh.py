"""The goals page and a goal's page, rendered afresh: what changes shows at
once, and what one viewer may see never reaches another."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from goals.models import RatingSource
from tests.factories import GoalFactory, ProgressRatingFactory, WinFactory

TODAY = timezone.localdate


@pytest.fixture
def goals(world):
    made = [
        GoalFactory(child=world.child, title=title, therapist_notes="SECRET sequencing note")
        for title in ("Shoes on before school", "Brushes teeth at bedtime")
    ]
    for goal in made:
        ProgressRatingFactory(goal=goal, level=-1, rated_on=TODAY() - timedelta(days=20))
    return made


def _goals_page(client, world) -> str:
    return client.get(reverse("goals:child_goals", args=[world.child.pk])).content.decode()


def test_a_new_rating_shows_on_its_goal_card(world, goals, login):
    client = login(world.parent)
    assert "<strong>Much better than expected</strong>" not in _goals_page(client, world)
    ProgressRatingFactory(
        goal=goals[1],
        level=2,
        rated_on=TODAY(),
        source=RatingSource.CAREGIVER,
        rated_by=world.parent,
        note="All by himself",
    )
    after = _goals_page(client, world)
    assert "<strong>Much better than expected</strong>" in after
    assert "“All by himself”" in after
    assert "(Aisha)" in after  # who rated it, in the card's table


def test_a_new_rating_shows_on_the_goals_page(world, goals, login):
    client = login(world.parent)
    url = reverse("goals:goal_detail", args=[goals[0].pk])
    before = client.get(url).content.decode()
    assert "<strong>Goal reached</strong>" not in before
    ProgressRatingFactory(goal=goals[0], level=0, rated_on=TODAY(), note="Velcro done")
    after = client.get(url).content.decode()
    assert "“Velcro done”" in after
    assert "Puts shoes on alone" in after  # what level 0 looks like for this goal
    assert after.count("<circle") == before.count("<circle") + 1


def test_a_reworded_goal_shows_at_once(world, goals, login):
    client = login(world.parent)
    _goals_page(client, world)
    goals[0].level_minus_1 = "Puts shoes on with one prompt"
    goals[0].save()
    assert "Puts shoes on with one prompt" in _goals_page(client, world)
    assert (
        "Puts shoes on with one prompt"
        in client.get(reverse("goals:goal_detail", args=[goals[0].pk])).content.decode()
    )


def test_the_therapists_page_never_reaches_the_family(world, goals, login):
    # The therapist comes first: nothing of their page may be kept for the family.
    therapist = login(world.therapist)
    goals_html = _goals_page(therapist, world)
    assert "T-score now" in goals_html and "Rate progress" in goals_html
    detail_url = reverse("goals:goal_detail", args=[goals[0].pk])
    detail = therapist.get(detail_url).content.decode()
    assert "SECRET" in detail and "Edit goal and scale" in detail

    for persona in (world.parent, world.supporting):
        client = login(persona)
        html = _goals_page(client, world)
        assert "T-score" not in html
        assert "Rate progress" not in html and "How did it look this week?" in html
        assert "Add a goal" not in html
        detail = client.get(detail_url).content.decode()
        assert "SECRET" not in detail
        assert "Edit goal and scale" not in detail
        assert "Change status" not in detail


def test_the_status_form_carries_this_requests_token(world, goals):
    url = reverse("goals:goal_detail", args=[goals[0].pk])
    for status in ("paused", "active"):
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.therapist)
        html = client.get(url).content.decode()
        assert "fragment-csrf-token-placeholder" not in html
        form = html[html.index('<form method="post" action="/goals/') :]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        response = client.post(
            reverse("goals:goal_status", args=[goals[0].pk]),
            {"status": status, "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302
        goals[0].refresh_from_db()
        assert goals[0].status == status


def test_the_chart_ends_today_each_day(world, goals, login, monkeypatch):
    client = login(world.parent)
    url = reverse("goals:goal_detail", args=[goals[0].pk])
    today = TODAY()
    assert f">{today:%-d %b %Y}</text>" in client.get(url).content.decode()
    tomorrow = today + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    html = client.get(url).content.decode()
    assert f">{tomorrow:%-d %b %Y}</text>" in html
    assert f">{tomorrow:%-d %b %Y}</text>" in _goals_page(client, world)


def test_goals_page_shows_wins_with_their_author_and_goal(world, goals, login):
    WinFactory(child=world.child, goal=goals[0], author=world.supporting, text="Shoes on!")
    WinFactory(child=world.child, text="Ate a pea")
    html = _goals_page(login(world.parent), world)
    assert "Shoes on!" in html and "Tariq, " in html and "· Shoes on before school" in html
    assert "Ate a pea" in html


def test_goals_pages_link_back_to_the_child(world, goals, login):
    client = login(world.parent)
    child_url = world.child.get_absolute_url()
    for url in (
        reverse("goals:child_goals", args=[world.child.pk]),
        reverse("goals:goal_detail", args=[goals[0].pk]),
    ):
        html = client.get(url).content.decode()
        assert f'href="{child_url}"' in html
        assert f"{world.child.display_name}" in html


def test_a_family_reads_progress_in_words_with_the_start_plotted(world, goals, login):
    goal = goals[0]
    ProgressRatingFactory(goal=goal, level=1, rated_on=TODAY())
    html = login(world.parent).get(reverse("goals:goal_detail", args=[goal.pk])).content.decode()
    chart = html[html.index("<figure") : html.index("</figure>")]
    # The axis, the points and the text alternative speak the same words.
    for words in ("Much less than expected", "Goal reached", "Much better than expected"):
        assert f">{words}</text>" in chart
    assert "Latest: “better than expected”" in chart
    assert "where it started" in chart and "It started at" in chart
    for number in ("+2", "+1", "−1", "−2"):
        assert number not in html[html.index('id="progress-heading"') :]
    # The therapist keeps the numbers beside the words.
    therapist_html = (
        login(world.therapist).get(reverse("goals:goal_detail", args=[goal.pk])).content.decode()
    )
    assert "Better than expected</strong> (+1)" in therapist_html


def test_the_family_rating_form_offers_words_not_numbers(world, goals, login):
    html = (
        login(world.parent).get(reverse("goals:rating_create", args=[goals[0].pk])).content.decode()
    )
    form = html[html.index("<main") : html.index("</main>")]
    assert "Much better than expected: " in form
    assert "+2" not in form and "−2" not in form
