"""The clinical timeline's weekly practice roll-up and its filters: keyset
pages that neither repeat nor skip an entry whatever is shown, and a number
of queries that does not grow with the child's history."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from goals.models import Outcome
from messaging.models import Topic
from sessions_app import selectors
from tests import factories
from tests.messaging.factories import ConversationFactory, MessageFactory
from tests.sessions_app.factories import SessionFactory

pytestmark = pytest.mark.timesweep


def _monday(day):
    return day - timedelta(days=day.weekday())


def _older_link(html: str) -> str | None:
    found = re.search(r'href="(\?before=[^"]+)">Older<', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _all_pages(client, url: str) -> list[str]:
    pages = [client.get(url).content.decode()]
    while (older := _older_link(pages[-1])) is not None:
        pages.append(client.get(url.split("?")[0] + older).content.decode())
        assert len(pages) < 20
    return pages


@pytest.fixture
def practice(world):
    """Thirty weeks of practice of two strategies, ending this week."""
    shoes = factories.HomeStrategyFactory(child=world.child, title="Shoe station")
    buttons = factories.HomeStrategyFactory(child=world.child, title="Button board")
    this_monday = _monday(timezone.localdate())
    for week in range(30):
        monday = this_monday - timedelta(weeks=week)
        for day, outcome in enumerate(["well", "well", "hard", "well", "mixed"]):
            factories.PracticeLogFactory(
                strategy=shoes, practised_on=monday + timedelta(days=day % 1), outcome=outcome
            )
        factories.PracticeLogFactory(strategy=buttons, practised_on=monday, outcome=Outcome.HARD)
    return {"shoes": shoes, "buttons": buttons, "this_monday": this_monday}


def test_practice_is_one_entry_a_week_with_a_line_per_strategy(world, client, practice):
    client.force_login(world.therapist)
    html = client.get(reverse("sessions_app:timeline", args=[world.child.pk])).content.decode()
    first = html.split('class="timeline-entry')[1]
    assert f"week of {practice['this_monday']:%a %-d %b %Y}" in first
    # The most practised strategy first, with how it went.
    assert (
        "<li>Shoe station: 5 times, 3 went well, 1 mixed, 1 hard</li>"
        "<li>Button board: 1 time, 0 went well, 1 hard</li>" in first
    )
    assert html.count("timeline-practice") == selectors.PAGE_SIZE


def test_weeks_of_practice_page_without_repeating_or_skipping(world, client, practice):
    SessionFactory(
        child=world.child,
        therapist=world.therapist,
        starts_at=timezone.now() - timedelta(weeks=3),
    )
    client.force_login(world.therapist)
    pages = _all_pages(client, reverse("sessions_app:timeline", args=[world.child.pk]))
    weeks = re.findall(r"week of (\w{3} \d+ \w{3} \d{4})", "".join(pages))
    expected = [f"{practice['this_monday'] - timedelta(weeks=n):%a %-d %b %Y}" for n in range(30)]
    assert weeks == expected
    assert "".join(pages).count("timeline-session") == 1


def test_a_week_is_never_cut_by_a_page(world, client, practice):
    """A week whose newest log is after the cursor stays whole on the page
    before it: a cursor within a week never leaves part of it to a later page."""
    week = practice["this_monday"] - timedelta(weeks=25)
    factories.PracticeLogFactory(
        strategy=practice["shoes"], practised_on=week + timedelta(days=6), outcome="well"
    )
    client.force_login(world.therapist)
    html = "".join(_all_pages(client, reverse("sessions_app:timeline", args=[world.child.pk])))
    assert html.count(f"week of {week:%a %-d %b %Y}") == 1
    assert "<li>Shoe station: 6 times, 4 went well, 1 mixed, 1 hard</li>" in html


def test_filters_show_only_the_kinds_chosen_and_keep_them_on_older_pages(world, client, practice):
    now = timezone.now()
    for n in range(25):
        SessionFactory(
            child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=n + 1)
        )
    factories.WinFactory(child=world.child, text="Zipped his coat")
    client.force_login(world.therapist)
    url = reverse("sessions_app:timeline", args=[world.child.pk]) + "?show=session&show=win"
    pages = _all_pages(client, url)
    html = "".join(pages)
    assert "timeline-practice" not in html
    assert html.count("timeline-session") == 25 and "Zipped his coat" in html
    assert 'value="session" id="show-session" checked' in pages[0]
    assert 'value="practice" id="show-practice">' in pages[0]
    assert "show=session&amp;show=win" in pages[0]
    # Nothing of a kind: the filtered empty state.
    only_assessments = client.get(url.split("?")[0] + "?show=assessment").content.decode()
    assert "Nothing of these kinds yet" in only_assessments


def test_messages_the_therapist_takes_part_in_appear(world, client):
    therapy = ConversationFactory(child=world.child, topic=Topic.THERAPY)
    MessageFactory(conversation=therapy, author=world.parent, body="He did the shoes!")
    MessageFactory(
        conversation=therapy, author=world.parent, body="Gone", deleted_at=timezone.now()
    )
    MessageFactory(conversation=ConversationFactory(child=world.other_child), body="Not ours")
    client.force_login(world.therapist)
    url = reverse("sessions_app:timeline", args=[world.child.pk])
    html = client.get(url + "?show=message").content.decode()
    assert "He did the shoes!" in html and "Gone" not in html and "Not ours" not in html
    assert reverse("messaging:conversation", args=[world.child.pk, "therapy"]) in html


def test_timeline_reads_keys_first_and_loads_only_the_page(
    world, client, practice, django_assert_max_num_queries
):
    """However long the history, one query finds the page and one query per
    kind on it (plus the sessions' attendees, addenda and goals) loads it."""
    now = timezone.now()
    for n in range(30):
        SessionFactory(
            child=world.child, therapist=world.therapist, starts_at=now - timedelta(hours=n + 1)
        )
        factories.WinFactory(child=world.child)
        MessageFactory(conversation=ConversationFactory(child=world.child), author=world.parent)
    client.force_login(world.therapist)
    url = reverse("sessions_app:timeline", args=[world.child.pk])
    # The session and user, the child and access, the page's keys, six kinds
    # and three prefetches, the audit row.
    with django_assert_max_num_queries(16):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(url + "?show=practice&show=message").status_code == 200
