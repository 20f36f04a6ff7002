"""The goals pages as each persona sees them, with data in them."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals import selectors
from goals.models import GoalStatus, HomeStrategy, PracticeLog, RatingSource
from tests.factories import (
    FamilyRatingFactory,
    GoalFactory,
    HomeStrategyFactory,
    PracticeLogFactory,
    ProgressRatingFactory,
    StrategyTemplateFactory,
    WinFactory,
)

TODAY = timezone.localdate


def _days_ago(n: int):
    return TODAY() - timedelta(days=n)


@pytest.fixture
def goal(world):
    goal = GoalFactory(
        child=world.child,
        title="Puts on his shoes before school",
        therapist_notes="SECRET motor planning note",
    )
    ProgressRatingFactory(goal=goal, level=-1, rated_on=_days_ago(30))
    ProgressRatingFactory(
        goal=goal, level=0, rated_on=_days_ago(3), source=RatingSource.CAREGIVER, note="Did it!"
    )
    return goal


def test_family_goals_page_speaks_plain_words(world, goal, login):
    for persona in (world.parent, world.supporting):
        content = login(persona).get(reverse("goals:child_goals", args=[world.child.pk]))
        html = content.content.decode()
        assert "Puts on his shoes before school" in html
        assert "Goal reached" in html  # the latest rating in words
        assert "Puts shoes on alone" in html  # what that level looks like for this goal
        assert "<svg" in html and "<title" in html and "<desc" in html
        assert "<rect" in html  # the family's rating is a square
        assert "<circle" in html  # the therapist's is a circle
        assert "T-score" not in html
        assert "SECRET" not in html


def test_therapist_sees_the_t_score_and_its_formula(world, goal, login):
    html = (
        login(world.therapist)
        .get(reverse("goals:child_goals", args=[world.child.pk]))
        .content.decode()
    )
    # One active goal, latest therapist rating −1: T = 50 + 10·(−1)/1 = 40.
    assert 'T-score now <strong class="fs-4">40.0</strong>' in html
    assert "ρ = 0.3" in html


def test_goal_detail_hides_therapist_notes_from_the_family(world, goal, login):
    url = reverse("goals:goal_detail", args=[goal.pk])
    for persona in (world.parent, world.supporting):
        html = login(persona).get(url).content.decode()
        assert "SECRET" not in html
        assert "Did it!" in html
        assert "<table" in html
    assert "SECRET" in login(world.therapist).get(url).content.decode()


def test_family_rating_change_of_two_is_highlighted(world, goal, login):
    FamilyRatingFactory(goal=goal, performance=3, satisfaction=2, rated_on=_days_ago(60))
    FamilyRatingFactory(
        goal=goal, kind="review", performance=4, satisfaction=6, rated_on=_days_ago(1)
    )
    html = login(world.parent).get(reverse("goals:goal_detail", args=[goal.pk])).content.decode()
    assert "(+1)" in html
    assert '(+4) <span class="badge text-bg-success">real change</span>' in html
    assert html.count("real change") == 1


@pytest.mark.timesweep
def test_family_adds_a_rating_as_the_family(world, goal, login):
    response = login(world.supporting).post(
        reverse("goals:rating_create", args=[goal.pk]),
        {"level": "1", "rated_on": TODAY().isoformat(), "note": "Fastened the Velcro"},
    )
    assert response.status_code == 302
    rating = goal.ratings.order_by("-id").first()
    assert rating.source == RatingSource.CAREGIVER
    assert rating.rated_by == world.supporting


@pytest.mark.timesweep
def test_routines_group_strategies_by_moment_of_the_day(world, goal, login):
    HomeStrategyFactory(child=world.child, goals=[goal], title="Bath bubbles", routine="bath")
    HomeStrategyFactory(child=world.child, goals=[goal], title="Shoe stair", routine="dressing")
    HomeStrategyFactory(
        child=world.child, goals=[goal], title="Old idea", routine="waking", retired_on=TODAY()
    )
    html = (
        login(world.supporting)
        .get(reverse("goals:routines", args=[world.child.pk]))
        .content.decode()
    )
    assert html.index("Getting dressed") < html.index("Shoe stair") < html.index("Bath time")
    assert "Old idea" not in html
    assert "Went well" in html  # the one-tap buttons


@pytest.mark.timesweep
def test_one_tap_logs_practice_for_today(world, goal, login):
    strategy = HomeStrategyFactory(child=world.child, goals=[goal])
    response = login(world.supporting).post(
        reverse("goals:practice_quick", args=[strategy.pk]), {"outcome": "hard"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#strategy-{strategy.pk}")
    log = PracticeLog.objects.get()
    assert (log.caregiver, log.practised_on, log.outcome) == (world.supporting, TODAY(), "hard")
    html = (
        login(world.supporting)
        .get(reverse("goals:routines", args=[world.child.pk]))
        .content.decode()
    )
    assert "Practised 1 time in the last 7 days" in html


@pytest.mark.timesweep
def test_practice_cannot_be_logged_on_a_retired_strategy(world, goal, login):
    strategy = HomeStrategyFactory(child=world.child, goals=[goal], retired_on=TODAY())
    login(world.parent).post(
        reverse("goals:practice_quick", args=[strategy.pk]), {"outcome": "well"}
    )
    assert not PracticeLog.objects.exists()


@pytest.mark.timesweep
def test_therapist_reads_practice_since_a_day_and_adherence(world, goal, login):
    strategy = HomeStrategyFactory(child=world.child, goals=[goal], title="Shoe stair")
    PracticeLogFactory(strategy=strategy, practised_on=_days_ago(2), note="Recent one")
    PracticeLogFactory(strategy=strategy, practised_on=_days_ago(12), note="Older one")
    PracticeLogFactory(strategy=strategy, practised_on=_days_ago(40), note="Far too old")
    client = login(world.therapist)
    url = reverse("goals:therapist_practice", args=[world.child.pk])

    html = client.get(url).content.decode()  # default: the last 7 days
    assert "Recent one" in html and "Older one" not in html
    html = client.get(url, {"since": _days_ago(14).isoformat()}).content.decode()
    assert "Recent one" in html and "Older one" in html and "Far too old" not in html

    adherence = selectors.adherence(world.child)
    (row,) = adherence["rows"]
    assert row.weekly == [0, 0, 1, 1]
    assert row.total == 2 and row.weeks_with_practice == 2


@pytest.mark.timesweep
def test_practice_since_for_the_sessions_app(world, goal):
    strategy = HomeStrategyFactory(child=world.child, goals=[goal])
    other = HomeStrategyFactory(child=world.sibling, goals=[GoalFactory(child=world.sibling)])
    recent = PracticeLogFactory(strategy=strategy, practised_on=_days_ago(1))
    PracticeLogFactory(strategy=strategy, practised_on=_days_ago(9))
    PracticeLogFactory(strategy=other, practised_on=_days_ago(1))
    assert list(selectors.practice_since(world.child, _days_ago(5))) == [recent]


@pytest.mark.timesweep
def test_therapist_writes_a_goal_with_its_scale(world, login):
    response = login(world.therapist).post(
        reverse("goals:goal_create", args=[world.child.pk]),
        {
            "title": "Gets dressed for school in 15 minutes",
            "area": "self_care",
            "setting": "home",
            "priority": "1",
            "baseline": "Takes 40 minutes with help",
            "agreed_with_family_on": TODAY().isoformat(),
            "level_minus_2": "40 minutes with help",
            "level_minus_1": "25 minutes with reminders",
            "level_0": "15 minutes with a picture list",
            "level_plus_1": "15 minutes, no reminders",
            "level_plus_2": "10 minutes, no reminders",
            "baseline_level": "-2",
        },
    )
    assert response.status_code == 302
    goal = world.child.goals.get()
    assert goal.level_text(0) == "15 minutes with a picture list"
    assert goal.created_by == world.therapist


def test_therapist_writes_a_strategy_from_the_library(world, goal, login):
    template = StrategyTemplateFactory(title="Clothes laid out", what_to_do="Lay them out")
    client = login(world.therapist)
    url = reverse("goals:strategy_create", args=[world.child.pk])
    html = client.get(url, {"template": template.pk}).content.decode()
    assert 'value="Clothes laid out"' in html
    response = client.post(
        f"{url}?template={template.pk}",
        {
            "title": "Clothes laid out",
            "routine": "dressing",
            "what_to_do": "Lay them out",
            "goals": [goal.pk],
        },
    )
    assert response.status_code == 302
    strategy = HomeStrategy.objects.get()
    assert strategy.template == template
    assert list(strategy.goals.all()) == [goal]


@pytest.mark.timesweep
def test_retired_strategies_and_closed_goals_stay_in_the_history(world, goal, login):
    strategy = HomeStrategyFactory(child=world.child, goals=[goal], title="Old idea")
    client = login(world.therapist)
    client.post(reverse("goals:strategy_retire", args=[strategy.pk]))
    client.post(reverse("goals:strategy_retire", args=[strategy.pk]))  # twice: no harm
    client.post(reverse("goals:goal_status", args=[goal.pk]), {"status": "achieved"})
    strategy.refresh_from_db()
    goal.refresh_from_db()
    assert strategy.retired_on == TODAY()
    assert goal.status == GoalStatus.ACHIEVED and goal.status_changed_on == TODAY()
    html = login(world.parent).get(reverse("goals:history", args=[world.child.pk])).content.decode()
    assert "Old idea" in html and "Puts on his shoes before school" in html


def test_wins_on_the_child_page_and_the_family_home(world, goal, login):
    login(world.supporting).post(
        reverse("goals:win_create", args=[world.child.pk]),
        {"text": "Zipped his coat!", "goal": goal.pk},
    )
    WinFactory(child=world.other_child, text="Other family's win")
    child_page = login(world.parent).get(reverse("families:child_detail", args=[world.child.pk]))
    assert "Zipped his coat!" in child_page.content.decode()
    home = login(world.parent).get(reverse("home")).content.decode()
    assert "Zipped his coat!" in home and "Other family's win" not in home
    assert "Zipped his coat!" not in login(world.other_parent).get(reverse("home")).content.decode()
    admin_page = login(world.admin).get(reverse("families:child_detail", args=[world.child.pk]))
    assert "Zipped his coat!" not in admin_page.content.decode()


def test_supporting_caregiver_of_another_child_sees_no_wins(world, goal, login):
    WinFactory(child=world.child, text="Yusuf's win")
    home = login(world.supporting_unlinked).get(reverse("home")).content.decode()
    assert "Yusuf's win" not in home


# --- Query counts: the pages do not grow with the data ---------------------


def _grow(world, size: int) -> None:
    for n in range(size):
        goal = GoalFactory(child=world.child)
        for days in (60, 30, 10):
            ProgressRatingFactory(goal=goal, level=-1, rated_on=_days_ago(days + n))
            ProgressRatingFactory(
                goal=goal, level=0, rated_on=_days_ago(days), source=RatingSource.CAREGIVER
            )
        FamilyRatingFactory(goal=goal)
        for routine in ("dressing", "bedtime"):
            strategy = HomeStrategyFactory(child=world.child, goals=[goal], routine=routine)
            for days in range(0, 20, 3):
                PracticeLogFactory(strategy=strategy, practised_on=_days_ago(days))
        WinFactory(child=world.child, goal=goal)
        GoalFactory(child=world.child, status=GoalStatus.ACHIEVED)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


@pytest.mark.parametrize(
    ("url_name", "persona"),
    [
        ("goals:child_goals", "parent"),
        ("goals:child_goals", "therapist"),
        ("goals:routines", "supporting"),
        ("goals:routines_print", "parent"),
        ("goals:history", "parent"),
        ("goals:therapist_practice", "therapist"),
        ("families:child_detail", "parent"),
    ],
)
def test_query_count_does_not_grow(world, login, url_name, persona):
    client = login(world.persona(persona))
    url = reverse(url_name, args=[world.child.pk])
    _grow(world, 1)
    small = _count(client, url)
    _grow(world, 4)
    large = _count(client, url)
    assert small == large, f"{url_name}: {small} queries with 1 goal, {large} with 5"
    assert large <= 15


def test_goal_detail_query_count_does_not_grow(world, login):
    goal = GoalFactory(child=world.child)
    # One rating: a goal with none skips reading its (empty) first page.
    ProgressRatingFactory(goal=goal, level=-1, rated_on=_days_ago(50))
    client = login(world.parent)
    url = reverse("goals:goal_detail", args=[goal.pk])
    small = _count(client, url)
    for days in range(1, 40, 2):
        ProgressRatingFactory(goal=goal, level=days % 3 - 1, rated_on=_days_ago(days))
        FamilyRatingFactory(goal=goal, kind="review")
    HomeStrategyFactory.create_batch(3, child=world.child, goals=[goal])
    assert _count(client, url) == small


def test_caregiver_home_query_count_does_not_grow(world, login):
    client = login(world.parent)
    _grow(world, 1)
    small = _count(client, reverse("home"))
    _grow(world, 3)
    assert _count(client, reverse("home")) == small


def test_therapist_reads_and_writes_are_audited(world, goal, login):
    from accounts.models import AuditEvent

    client = login(world.therapist)
    client.get(reverse("goals:goal_detail", args=[goal.pk]))
    client.post(reverse("goals:goal_status", args=[goal.pk]), {"status": "paused"})
    events = list(AuditEvent.objects.filter(child_id=world.child.pk).order_by("id"))
    assert [(e.action, e.record_type, e.user) for e in events] == [
        ("view", "goals.goal", world.therapist),
        ("change", "goals.goal", world.therapist),
    ]


@pytest.mark.timesweep
def test_routines_page_shows_practice_per_week(world, goal, login):
    strategy = HomeStrategyFactory(child=world.child, goals=[goal])
    PracticeLogFactory(strategy=strategy, practised_on=_days_ago(1))
    PracticeLogFactory(strategy=strategy, practised_on=_days_ago(9))
    html = (
        login(world.parent).get(reverse("goals:routines", args=[world.child.pk])).content.decode()
    )
    assert "Practice over the last 8 weeks" in html
    assert "2 practices logged over 8 weeks." in html


def test_therapist_edits_a_strategy_and_keeps_a_goal_that_is_no_longer_active(world, goal, login):
    strategy = HomeStrategyFactory(child=world.child, goals=[goal], title="Shoe stair")
    paused = GoalFactory(child=world.child, status=GoalStatus.PAUSED)
    strategy.goals.add(paused)
    client = login(world.therapist)
    url = reverse("goals:strategy_edit", args=[strategy.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "Shoe stair, both shoes",
            "routine": "school_run",
            "what_to_do": "Sit first",
            "goals": [goal.pk, paused.pk],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    strategy.refresh_from_db()
    assert strategy.title == "Shoe stair, both shoes"
    assert set(strategy.goals.all()) == {goal, paused}


def test_routines_cards_follow_practice_and_edits_after_being_seen(world, goal, login):
    """Each strategy card is a remembered fragment (portal.fragments): a
    practice logged or a strategy edited shows on the next visit."""
    strategy = HomeStrategyFactory(child=world.child, goals=[goal], title="Shoe stair")
    url = reverse("goals:routines", args=[world.child.pk])
    client = login(world.parent)
    html = client.get(url).content.decode()
    assert "Practised 0 times in the last 7 days." in html
    assert "0 practices logged over 8 weeks." in html
    PracticeLogFactory(strategy=strategy, practised_on=_days_ago(2))
    PracticeLogFactory(strategy=strategy, practised_on=_days_ago(20))
    strategy.title = "The shoe stair"
    strategy.save()
    html = client.get(url).content.decode()
    assert "The shoe stair" in html
    assert "Practised 1 time in the last 7 days." in html
    assert "2 practices logged over 8 weeks." in html
    assert f"Helps with</dt><dd>{goal.title}</dd>" in html


def test_routines_forms_carry_the_requests_csrf_token(world, goal, login):
    HomeStrategyFactory(child=world.child, goals=[goal])
    HomeStrategyFactory(child=world.child, goals=[goal], routine="bath")
    client = login(world.therapist)
    url = reverse("goals:routines", args=[world.child.pk])
    client.get(url)  # the cards are remembered...
    html = client.get(url).content.decode()  # ...and the token is this request's
    assert "fragment-csrf-token-placeholder" not in html
    assert html.count("/retire/") == 2  # the therapist's retire forms...
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert len(tokens) >= 2 and all(tokens)  # ...each with a real token


def test_routines_queries_do_not_grow_with_strategies(world, goal, login):
    client = login(world.parent)
    url = reverse("goals:routines", args=[world.child.pk])
    HomeStrategyFactory(child=world.child, goals=[goal])
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for routine in ("bath", "waking", "play"):
        strategy = HomeStrategyFactory(child=world.child, goals=[goal], routine=routine)
        PracticeLogFactory(strategy=strategy)
    with CaptureQueriesContext(connection) as later:
        client.get(url)
    assert len(later) == len(first)


def test_use_this_keeps_what_was_typed_and_fills_only_the_empty_fields(world, goal, login):
    template = StrategyTemplateFactory(
        title="Clothes laid out", what_to_do="Lay them out", why_it_helps="Fewer decisions"
    )
    client = login(world.therapist)
    url = reverse("goals:strategy_create", args=[world.child.pk])
    response = client.post(
        url,
        {
            "template": template.pk,
            "action": "use",
            "title": "Yusuf's own clothes line",
            "what_to_do": "",
            "goals": [goal.pk],
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and not HomeStrategy.objects.exists()
    assert 'value="Yusuf&#x27;s own clothes line"' in html  # typed: kept
    assert "\nLay them out</textarea>" in html and "\nFewer decisions</textarea>" in html
    assert f'value="{goal.pk}" ' in html and "checked" in html
    assert "is-invalid" not in html  # nothing is an error yet
    # Saving then records the library strategy it came from.
    response = client.post(
        url,
        {
            "template": template.pk,
            "action": "save",
            "title": "Yusuf's own clothes line",
            "routine": "dressing",
            "what_to_do": "Lay them out",
            "goals": [goal.pk],
        },
    )
    assert response.status_code == 302
    assert HomeStrategy.objects.get().template == template


def test_the_same_library_strategy_is_not_added_twice_to_a_goal(world, goal, login):
    template = StrategyTemplateFactory(title="Clothes laid out")
    other_goal = GoalFactory(child=world.child, title="Brushes his teeth")
    HomeStrategyFactory(child=world.child, goals=[goal], template=template)
    client = login(world.therapist)
    url = reverse("goals:strategy_create", args=[world.child.pk])
    post = {
        "template": template.pk,
        "action": "save",
        "title": "Clothes laid out again",
        "routine": "dressing",
        "what_to_do": "Lay them out",
    }
    response = client.post(url, {**post, "goals": [goal.pk, other_goal.pk]})
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "“Clothes laid out” from the library is already on the plan for "
        "“Puts on his shoes before school”" in html
    )
    assert 'value="Clothes laid out again"' in html
    assert HomeStrategy.objects.count() == 1
    # For another goal it is welcome; a retired one does not count.
    assert client.post(url, {**post, "goals": [other_goal.pk]}).status_code == 302
    HomeStrategy.objects.filter(goals=goal).update(retired_on=TODAY())
    assert client.post(url, {**post, "goals": [goal.pk]}).status_code == 302


def test_the_goal_page_speaks_to_the_therapist_in_clinical_words(world, goal, login):
    FamilyRatingFactory(goal=goal)
    html = login(world.therapist).get(goal.get_absolute_url()).content.decode()
    assert "The family's ratings (COPM)" in html and "how happy you are" not in html
    assert ">Satisfaction</th>" in html
    # No strategy yet: one click to add one, for this goal.
    add = reverse("goals:strategy_create", args=[world.child.pk]) + f"?goal={goal.pk}"
    assert f'No home strategies for this goal yet. <a href="{add}">' in html
    form = login(world.therapist).get(add).content.decode()
    assert re.search(rf'value="{goal.pk}"[^>]*checked', form)
    rating_form = (
        login(world.therapist)
        .get(reverse("goals:family_rating_create", args=[goal.pk]))
        .content.decode()
    )
    assert "Satisfaction, as the family rates it" in rating_form
    assert "How happy are you" not in rating_form
    # The family keeps their own words, and no add link.
    html = login(world.parent).get(goal.get_absolute_url()).content.decode()
    assert "how happy you are with it" in html and "Add a home strategy" not in html
