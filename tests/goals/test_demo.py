from django.core.management import call_command

from families.models import Child
from goals.models import FamilyRating, Goal, HomeStrategy, PracticeLog, ProgressRating, Win


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Goal, ProgressRating, FamilyRating, HomeStrategy, PracticeLog, Win)
    }


def test_demo_tells_a_story_and_is_idempotent(db):
    call_command("seed_demo", "--force", verbosity=0)
    first = _counts()
    call_command("seed_demo", "--force", verbosity=0)
    assert _counts() == first
    for child in Child.objects.all():
        goals = list(child.goals.all())
        assert 2 <= len(goals) <= 4
        for goal in goals:
            assert goal.ratings.filter(source="therapist").count() >= 3
        assert len({s.routine for s in child.strategies.filter(retired_on__isnull=True)}) >= 3
        assert PracticeLog.objects.filter(strategy__child=child).count() > 20
        assert child.wins.exists()
