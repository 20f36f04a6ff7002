"""Every page's <title> names the page and then the practice ("Book a
session · Family OT Portal"), never "HomeFamily OT Portal"; every
<time datetime> is a value the HTML standard accepts (no microseconds)."""

import re
from datetime import datetime
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from tests.matrix import all_routes
from tests.messaging.factories import MessageFactory
from tests.pages import page_faults

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
TIME = re.compile(r"<time[^>]*\sdatetime=\"([^\"]*)\"")

# Each page once, as the first persona allowed to see it.
PAGES = sorted(
    {
        (route.name, sorted(route.allowed)[0]): route
        for route in all_routes()
        if route.method == "get"
    }.items()
)


def _faults(response) -> list[str]:
    html = response.content.decode()
    # Charts carry their own <title> inside <svg>: the page's is in <head>.
    found = TITLE.findall(html.split("</head>", 1)[0])
    if len(found) != 1:
        return [f"{len(found)} <title> elements"]
    return page_faults(unescape(found[0]), TIME.findall(html))


@pytest.mark.parametrize(
    ("key", "route"),
    PAGES,
    ids=lambda value: f"{value[0]}:{value[1]}" if isinstance(value, tuple) else "",
)
def test_every_page_has_its_own_title_and_valid_times(key, route, world, client):
    _, persona = key
    client.force_login(world.persona(persona))
    with time_machine.travel("2026-12-06 10:30:00.123456+00:00", tick=False):
        response = client.get(reverse(route.name, kwargs=route.kwargs(world)), route.data(world))
    if response.status_code != 200 or "text/html" not in response["Content-Type"]:
        pytest.skip("not an HTML page")
    assert not _faults(response)


@pytest.mark.parametrize("name", ["account_login", "account_reset_password"])
def test_public_pages_have_titles(name, client):
    assert not _faults(client.get(reverse(name)))


def test_error_page_title(client, world):
    client.force_login(world.parent)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert TITLE.search(response.content.decode()).group(1) == "Page not found · Family OT Portal"


def test_the_home_page_title_is_not_run_together(client, world):
    client.force_login(world.parent)
    title = TITLE.search(client.get(reverse("home")).content.decode()).group(1)
    assert title == "Today · Family OT Portal"


def test_message_times_carry_no_microseconds(client, world):
    with time_machine.travel(
        datetime.fromisoformat("2026-07-06 09:15:42.654321+00:00"), tick=False
    ):
        message = MessageFactory(conversation__child=world.child, author=world.parent)
    client.force_login(world.parent)
    response = client.get(reverse("messaging:conversation", args=[world.child.pk, "therapy"]))
    assert response.status_code == 200
    times = TIME.findall(response.content.decode())
    # British summer time: 10:15:42 in London, to the second.
    assert "2026-07-06T10:15:42+0100" in times, times
    assert message.created_at.microsecond
    assert all(not page_faults("x · Family OT Portal", [value]) for value in times)
