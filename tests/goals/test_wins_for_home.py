"""The caregiver home's newest wins: across the children asked for, newest
first, each with its child's name, its author and its goal."""

from datetime import timedelta

from django.utils import timezone

from goals.selectors import wins_for_home
from tests.factories import GoalFactory, WinFactory


def test_newest_wins_of_the_children_asked_for(world, django_assert_num_queries):
    now = timezone.now()
    goal = GoalFactory(child=world.child, title="Buttons his coat")
    for days in (1, 4, 6, 8):
        WinFactory(
            child=world.child, text=f"Yusuf, {days} days ago", created_at=now - timedelta(days=days)
        )
    WinFactory(
        child=world.sibling,
        text="Maryam, 2 days ago",
        created_at=now - timedelta(days=2),
        author=world.supporting,
        goal=goal,
    )
    WinFactory(child=world.sibling, text="Maryam, 7 days ago", created_at=now - timedelta(days=7))
    WinFactory(child=world.other_child, text="Not asked for", created_at=now)

    names = {world.child.pk: "Yusuf", world.sibling.pk: "Mimi"}
    with django_assert_num_queries(1):
        wins = wins_for_home(names, limit=5)

    assert [win["text"] for win in wins] == [
        "Yusuf, 1 days ago",
        "Maryam, 2 days ago",
        "Yusuf, 4 days ago",
        "Yusuf, 6 days ago",
        "Maryam, 7 days ago",
    ]
    assert wins[1] == {
        "text": "Maryam, 2 days ago",
        "created_at": now - timedelta(days=2),
        "child_id": world.sibling.pk,
        "child": {"display_name": "Mimi"},
        "author": {"get_short_name": world.supporting.get_short_name()},
        "goal": {"title": "Buttons his coat"},
    }
    assert wins[0]["author"] is None and wins[0]["goal"] is None
    assert wins_for_home({world.child.pk: "Yusuf"}, limit=2)[1]["text"] == "Yusuf, 4 days ago"
    assert wins_for_home({}) == []
