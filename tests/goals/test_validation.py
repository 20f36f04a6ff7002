"""Bad input gets a clear message by the field, and the rest of what was typed
comes back in the re-rendered form."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from goals import services
from goals.models import FamilyRating, Goal, HomeStrategy, PracticeLog, ProgressRating
from tests.factories import GoalFactory, HomeStrategyFactory

FUTURE = "This date is in the future"


@pytest.fixture
def goal(world):
    return GoalFactory(child=world.child)


def _tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


def test_rating_in_the_future_is_refused_and_the_note_kept(world, goal, login):
    client = login(world.parent)
    response = client.post(
        reverse("goals:rating_create", args=[goal.pk]),
        {"level": "1", "rated_on": _tomorrow(), "note": "Did the Velcro himself"},
    )
    assert response.status_code == 200
    assert FUTURE in response.content.decode()
    assert "Did the Velcro himself" in response.content.decode()
    assert response.context["form"]["level"].value() == "1"
    assert not ProgressRating.objects.exists()


@pytest.mark.parametrize("level", ["3", "-3", "seven"])
def test_rating_outside_the_scale_is_refused(world, goal, login, level):
    client = login(world.therapist)
    response = client.post(
        reverse("goals:rating_create", args=[goal.pk]),
        {"level": level, "rated_on": timezone.localdate().isoformat(), "note": "In clinic"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Choose the one that comes closest." in content
    assert "In clinic" in content
    assert not ProgressRating.objects.exists()


def test_rating_service_refuses_out_of_range_and_future(world, goal):
    from families.permissions import Access

    with pytest.raises(ValidationError) as error:
        services.progress_rating_add(
            goal=goal,
            by=world.parent,
            access=Access.PRIMARY,
            level=3,
            rated_on=timezone.localdate(),
        )
    assert "level" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.progress_rating_add(
            goal=goal,
            by=world.parent,
            access=Access.PRIMARY,
            level=0,
            rated_on=timezone.localdate() + timedelta(days=1),
        )
    assert "rated_on" in error.value.error_dict


def test_database_refuses_a_level_outside_the_scale(goal):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressRating.objects.create(goal=goal, level=5, source="therapist")


@pytest.mark.parametrize(("performance", "satisfaction"), [("11", "5"), ("0", "5"), ("5", "-1")])
def test_family_scores_outside_one_to_ten_are_refused(
    world, goal, login, performance, satisfaction
):
    client = login(world.parent)
    response = client.post(
        reverse("goals:family_rating_create", args=[goal.pk]),
        {
            "kind": "review",
            "rated_on": timezone.localdate().isoformat(),
            "performance": performance,
            "satisfaction": satisfaction,
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Choose a number from 1 to 10." in content
    form = response.context["form"]
    assert form["performance"].value() == performance
    assert form["satisfaction"].value() == satisfaction
    assert form["kind"].value() == "review"
    assert not FamilyRating.objects.exists()


def test_family_scores_in_the_future_are_refused(world, goal, login):
    client = login(world.parent)
    response = client.post(
        reverse("goals:family_rating_create", args=[goal.pk]),
        {"kind": "baseline", "rated_on": _tomorrow(), "performance": "4", "satisfaction": "3"},
    )
    assert FUTURE in response.content.decode()
    assert 'value="4"' in response.content.decode()
    assert not FamilyRating.objects.exists()


def test_family_ratings_database_constraint(goal):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        FamilyRating.objects.create(goal=goal, performance=11, satisfaction=5)


def _strategy_post(goal_ids, **extra):
    return {
        "title": "Sock game",
        "routine": "dressing",
        "what_to_do": "Race teddy to put socks on",
        "why_it_helps": "Play makes practice fun",
        "how_often": "Daily",
        "materials": "Teddy, socks",
        "hard_day_tip": "Do one sock only",
        "goals": goal_ids,
        **extra,
    }


def test_strategy_with_a_goal_of_another_child_is_refused(world, goal, login):
    others = GoalFactory(child=world.sibling)
    client = login(world.therapist)
    response = client.post(
        reverse("goals:strategy_create", args=[world.child.pk]), _strategy_post([others.pk])
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Choose only this child&#x27;s goals" in content
    for kept in ("Sock game", "Race teddy to put socks on", "Teddy, socks", "Do one sock only"):
        assert kept in content
    assert not HomeStrategy.objects.exists()


def test_strategy_with_no_goal_is_refused(world, goal, login):
    client = login(world.therapist)
    response = client.post(
        reverse("goals:strategy_create", args=[world.child.pk]), _strategy_post([])
    )
    assert "Choose at least one of this child&#x27;s goals." in response.content.decode()
    assert "Race teddy to put socks on" in response.content.decode()


def test_strategy_service_refuses_goals_of_another_child(world, goal):
    others = GoalFactory(child=world.other_child)
    with pytest.raises(ValidationError) as error:
        services.strategy_create(
            child=world.child,
            by=world.therapist,
            fields={"title": "x", "routine": "bath", "what_to_do": "y"},
            goals=[goal, others],
        )
    assert "goals" in error.value.error_dict
    assert not HomeStrategy.objects.exists()


def test_practice_in_the_future_is_refused_and_the_note_kept(world, goal, login):
    strategy = HomeStrategyFactory(child=world.child, goals=[goal])
    client = login(world.supporting)
    response = client.post(
        reverse("goals:practice_log", args=[strategy.pk]),
        {"outcome": "mixed", "practised_on": _tomorrow(), "note": "Tired after swimming"},
    )
    assert response.status_code == 200
    assert FUTURE in response.content.decode()
    assert "Tired after swimming" in response.content.decode()
    assert response.context["form"]["outcome"].value() == "mixed"
    assert not PracticeLog.objects.exists()


def test_goal_agreed_in_the_future_is_refused_and_the_scale_kept(world, login):
    client = login(world.therapist)
    data = {
        "title": "Eats three new foods",
        "area": "feeding",
        "setting": "home",
        "priority": "1",
        "baseline": "Five safe foods",
        "agreed_with_family_on": _tomorrow(),
        "level_minus_2": "Five foods",
        "level_minus_1": "Touches a new food",
        "level_0": "Eats one new food",
        "level_plus_1": "Eats two new foods",
        "level_plus_2": "Eats three new foods",
        "baseline_level": "-2",
    }
    response = client.post(reverse("goals:goal_create", args=[world.child.pk]), data)
    assert response.status_code == 200
    content = response.content.decode()
    assert FUTURE in content
    for kept in ("Eats three new foods", "Touches a new food", "Five safe foods"):
        assert kept in content
    assert not Goal.objects.exists()


def test_goal_baseline_level_must_be_minus_one_or_two(world, login):
    client = login(world.therapist)
    response = client.post(
        reverse("goals:goal_create", args=[world.child.pk]),
        {"title": "Rides a bike", "baseline_level": "0", "area": "gross_motor"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["baseline_level"]
    assert "Rides a bike" in response.content.decode()
