"""The newest wins of some children (the caregiver home's): across the
children asked for, newest first, each with its child, author and goal."""

from datetime import timedelta

from django.utils import timezone

from goals.selectors import newest_wins
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

    with django_assert_num_queries(2):  # the wins, and their photos
        wins = newest_wins([world.child.pk, world.sibling.pk], limit=5)

    assert [win.text for win in wins] == [
        "Yusuf, 1 days ago",
        "Maryam, 2 days ago",
        "Yusuf, 4 days ago",
        "Yusuf, 6 days ago",
        "Maryam, 7 days ago",
    ]
    with django_assert_num_queries(0):  # read with the wins
        second = wins[1]
        assert second.created_at == now - timedelta(days=2)
        assert second.child.display_name == world.sibling.display_name
        assert second.author.get_short_name() == world.supporting.get_short_name()
        assert second.goal.title == "Buttons his coat"
        assert wins[0].author is None and wins[0].goal is None
    assert newest_wins([world.child.pk], limit=2)[1].text == "Yusuf, 4 days ago"
    assert newest_wins([]) == []
