"""core.links writes what reverse() writes, for views whose one argument is an id."""

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from core.links import url_with_id

VIEWS = [
    "families:child_detail",
    "goals:goal_detail",
    "goals:child_goals",
    "goals:practice_quick",
    "bookings:booking_detail",
    "bookings:appointment_detail",
    "sessions_app:session_detail",
]


@pytest.mark.parametrize("name", VIEWS)
def test_as_reverse_writes_it(name):
    for pk in (1, 42, 2**31 - 1, 10**15):
        assert url_with_id(name, pk) == reverse(name, args=[pk])


def test_under_a_script_prefix():
    set_script_prefix("/portal/")
    try:
        assert url_with_id("goals:goal_detail", 7) == reverse("goals:goal_detail", args=[7])
        assert url_with_id("goals:goal_detail", 7).startswith("/portal/")
    finally:
        set_script_prefix("/")


def test_refuses_what_reverse_refuses():
    with pytest.raises(NoReverseMatch):
        url_with_id("bookings:my_bookings", 1)
    with pytest.raises(TypeError):
        url_with_id("goals:goal_detail", "1/../2")
    with pytest.raises(NoReverseMatch):  # a photo's address takes its uuid
        url_with_id("messaging:media", 1)


def test_the_filter_as_the_url_tag():
    engine = engines["django"]
    by_tag = engine.from_string("{% url 'goals:goal_detail' pk %}").render({"pk": 5})
    by_filter = engine.from_string("{% load links %}{{ 'goals:goal_detail'|url_with:pk }}")
    assert by_filter.render({"pk": 5}) == by_tag
