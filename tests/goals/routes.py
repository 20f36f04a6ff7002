"""Permission-matrix rows for the goals app. Families and the child's therapist
see goals and strategies; the admin does not (clinical content); only the
therapist writes goals and strategies; only caregivers log practice."""

from tests.factories import GoalFactory, HomeStrategyFactory
from tests.matrix import BOOKER, GOALS_ONLY, Route

VIEWERS = frozenset({"parent", "supporting", GOALS_ONLY, BOOKER, "therapist"})
FAMILY = frozenset({"parent", "supporting", GOALS_ONLY, BOOKER})
THERAPIST = frozenset({"therapist"})


def _child(world):
    return {"pk": world.child.pk}


def _goal(world):
    return {"pk": GoalFactory(child=world.child).pk}


def _strategy(world):
    goal = GoalFactory(child=world.child)
    return {"pk": HomeStrategyFactory(child=world.child, goals=[goal]).pk}


def _retired_strategy(world):
    from django.utils import timezone

    goal = GoalFactory(child=world.child)
    strategy = HomeStrategyFactory(child=world.child, goals=[goal], retired_on=timezone.localdate())
    return {"pk": strategy.pk}


def _child_and_win(world):
    """A win the parent has just shared: the parent may undo it; a supporting
    caregiver reaches the page and is told it is not theirs."""
    from tests.factories import WinFactory

    return {"pk": world.child.pk, "win_pk": WinFactory(child=world.child, author=world.parent).pk}


def _strategy_and_log(world):
    """A practice the parent has just logged: the parent may undo it; a
    supporting caregiver reaches the page and is told it is not theirs."""
    from tests.factories import PracticeLogFactory

    strategy = HomeStrategyFactory(child=world.child, goals=[GoalFactory(child=world.child)])
    log = PracticeLogFactory(strategy=strategy, caregiver=world.parent)
    return {"pk": strategy.pk, "log_pk": log.pk}


ROUTES = [
    Route("goals:child_goals", VIEWERS, kwargs=_child),
    Route("goals:history", VIEWERS, kwargs=_child),
    Route("goals:routines", VIEWERS, kwargs=_child),
    Route("goals:routines_print", VIEWERS, kwargs=_child),
    Route(
        "goals:routine_sheet",
        VIEWERS,
        kwargs=lambda world: {"pk": world.child.pk, "routine": "dressing"},
    ),
    Route("goals:therapist_practice", THERAPIST, kwargs=_child),
    Route("goals:goal_create", THERAPIST, kwargs=_child),
    Route("goals:strategy_create", THERAPIST, kwargs=_child),
    Route("goals:win_create", VIEWERS, kwargs=_child),
    Route(
        "goals:win_create",
        VIEWERS,
        kwargs=_child,
        method="post",
        data=lambda w: {"text": "Ate peas!"},
        ok=(302,),
    ),
    Route("goals:goal_detail", VIEWERS, kwargs=_goal),
    Route("goals:goal_edit", THERAPIST, kwargs=_goal),
    Route(
        "goals:goal_status",
        THERAPIST,
        kwargs=_goal,
        method="post",
        data=lambda w: {"status": "paused"},
        ok=(302,),
    ),
    Route("goals:rating_create", VIEWERS, kwargs=_goal),
    Route(
        "goals:rating_create",
        VIEWERS,
        kwargs=_goal,
        method="post",
        data=lambda w: {"level": "0", "rated_on": "2020-01-01"},
        ok=(302,),
    ),
    Route("goals:family_rating_create", VIEWERS, kwargs=_goal),
    Route("goals:strategy_edit", THERAPIST, kwargs=_strategy),
    Route("goals:strategy_retire", THERAPIST, kwargs=_strategy, method="post", ok=(302,)),
    Route(
        "goals:strategy_reactivate", THERAPIST, kwargs=_retired_strategy, method="post", ok=(302,)
    ),
    Route("goals:practice_log", FAMILY, kwargs=_strategy),
    Route(
        "goals:practice_quick",
        FAMILY,
        kwargs=_strategy,
        method="post",
        data=lambda w: {"outcome": "well"},
        ok=(302,),
    ),
    Route(
        "goals:practice_undo",
        FAMILY,
        kwargs=_strategy_and_log,
        method="post",
        ok=(302,),
    ),
    Route("goals:win_undo", VIEWERS, kwargs=_child_and_win, method="post", ok=(302,)),
    Route("goals:library", frozenset({"therapist", "other_therapist"})),
]
