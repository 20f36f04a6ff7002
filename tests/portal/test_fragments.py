"""Remembered fragments (portal/fragments.py): HTML kept under a digest of
exactly the values it shows, so a changed value is never served stale."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from portal import fragments
from tests import factories
from tests.sessions_app.factories import NoteFactory, SessionFactory, sign

CARD = "portal/includes/caseload_card.html"


def _card(**changes) -> dict:
    child = {
        "pk": 7,
        "full_name": "Ollie Bench",
        "display_name": "Ollie",
        "family_name": "The Benches",
        "age": 6,
        "next_visit_at": None,
        "last_session_at": None,
        "notes_unsigned": 0,
        "practice_since_last": 0,
        "goals_due_review": 0,
    }
    return {"child": {**child, **changes}}


def test_the_same_values_are_rendered_once(monkeypatch):
    rendered = []
    real = fragments._render
    monkeypatch.setattr(
        fragments, "_render", lambda name, ctx: rendered.append(name) or real(name, ctx)
    )
    name = f"Ollie {uuid.uuid4()}"  # never rendered before, in any run
    first = fragments.render_one(CARD, _card(full_name=name))
    again = fragments.render_one(CARD, _card(full_name=name))
    assert first == again and name in first
    assert rendered == [CARD]


def test_any_changed_value_renders_afresh():
    before = fragments.render_one(CARD, _card(notes_unsigned=0))
    after = fragments.render_one(CARD, _card(notes_unsigned=3))
    assert 'badge text-bg-warning">3<' in after and "3<" not in before


@pytest.mark.parametrize(
    ("one", "other"),
    [(1, "1"), (1, 1.0), (1, True), (0, None), ((1, 2), [1, 2]), ("a", "b"), ({"a": 1}, {"b": 1})],
)
def test_values_that_print_alike_have_different_digests(one, other):
    if one == other and type(one) is type(other):
        pytest.fail("not a pair of different values")
    assert fragments.digest(CARD, {"v": one}) != fragments.digest(CARD, {"v": other})


def test_dict_order_does_not_matter():
    assert fragments.digest(CARD, {"a": 1, "b": 2}) == fragments.digest(CARD, {"b": 2, "a": 1})


def test_the_template_is_part_of_the_digest():
    assert fragments.digest("a.html", {"v": 1}) != fragments.digest("b.html", {"v": 1})


def test_plain_values_of_every_kind_are_accepted():
    fragments.digest(
        CARD,
        {
            "values": [
                None,
                True,
                3,
                2.5,
                Decimal("1.10"),
                "text",
                date(2026, 1, 2),
                timezone.now(),
                timedelta(days=1),
                datetime(2026, 1, 2, 3, 4).time(),
            ],
            "nested": {"rows": [(1, "a"), (2, "b")]},
        },
    )


@pytest.mark.django_db
def test_a_model_instance_is_turned_away():
    family = factories.FamilyFactory()
    with pytest.raises(TypeError, match="plain values only, not Family"):
        fragments.render_one(CARD, {"child": family})
    with pytest.raises(TypeError, match="keys must be strings"):
        fragments.digest(CARD, {"child": {1: "a"}})


def test_a_form_gets_each_requests_own_token(tmp_path):
    (tmp_path / "form.html").write_text("<form>{% csrf_token %}{{ name }}</form>")
    engine = {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [tmp_path],
    }
    with override_settings(TEMPLATES=[engine]):
        first, second = RequestFactory().get("/"), RequestFactory().get("/")
        one = fragments.render_one("form.html", {"name": "x"}, request=first)
        two = fragments.render_one("form.html", {"name": "x"}, request=second)
        assert fragments.CSRF_PLACEHOLDER not in one
        assert 'name="csrfmiddlewaretoken"' in one
        assert one != two  # each request's own token, from one remembered fragment
        with pytest.raises(ValueError, match="needs the request"):
            fragments.render_one("form.html", {"name": "x"})


def test_a_cache_that_is_down_costs_speed_not_the_page(monkeypatch):
    store = caches[fragments.CACHE_ALIAS]

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(store, "get_many", down)
    monkeypatch.setattr(store, "set_many", down)
    name = f"Ollie {uuid.uuid4()}"
    assert name in fragments.render_one(CARD, _card(full_name=name))


@pytest.mark.django_db
def test_caseload_card_follows_the_records(world, client):
    """The caseload is remembered card by card: each change to what a card
    shows is on the page at the next visit."""
    client.force_login(world.therapist)
    url = reverse("home")
    assert "Unsigned notes" in client.get(url).content.decode()

    session = SessionFactory(child=world.child, therapist=world.therapist)
    NoteFactory(session=session)
    html = client.get(url).content.decode()
    assert 'text-bg-warning">1<' in html

    sign(session.note)
    strategy = factories.HomeStrategyFactory(child=world.child)
    factories.PracticeLogFactory(strategy=strategy)
    factories.PracticeLogFactory(strategy=strategy)
    html = client.get(url).content.decode()
    assert 'text-bg-warning">1<' not in html
    assert '2<span class="visually-hidden"> times logged at home' in html
