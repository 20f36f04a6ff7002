"""Every URL, every persona: allowed ones get the page, everyone else a 404
(anonymous visitors are sent to log in); and the page a persona may open holds
no goal, strategy, win or note of a child they may not see. See
tests/matrix.py."""

import pytest
from django.urls import reverse

from families.permissions import children_for
from tests.conftest import PERSONAS
from tests.factories import GoalFactory, HomeStrategyFactory, WinFactory
from tests.matrix import all_exemptions, all_routes, object_url_names
from tests.sessions_app.factories import SessionFactory, signed_note

ROUTES = all_routes()


def test_every_object_url_is_in_the_matrix():
    covered = {route.name for route in ROUTES} | set(all_exemptions())
    missing = object_url_names() - covered
    assert not missing, f"URLs with no permission-matrix row: {sorted(missing)}"


def _clinical_words(world) -> dict[int, list[str]]:
    """For each child of the world, words that only someone who may see that
    child may read: a goal, a strategy, a win, a signed note (its clinical
    part and its family summary) and a parents-only consultation about them,
    each held by a therapist of the child where there is one."""
    therapists = {world.child.pk: world.therapist, world.other_child.pk: world.other_therapist}
    words = {}
    for child in (world.child, world.sibling, world.other_child):
        name = child.first_name
        therapist = therapists.get(child.pk, world.other_therapist)
        GoalFactory(child=child, title=f"goal-of-{name}")
        HomeStrategyFactory(child=child, title=f"strategy-of-{name}")
        WinFactory(child=child, text=f"win-of-{name}")
        session = SessionFactory(child=child, therapist=therapist)
        signed_note(
            session=session,
            subjective=f"soap-of-{name}",
            assessment=f"soap-of-{name}",
            family_summary=f"summary-of-{name}",
        )
        consultation = SessionFactory(
            child=None,
            family=child.family,
            therapist=therapist,
            child_attended=False,
            about=[child],
        )
        signed_note(
            session=consultation,
            subjective=f"consultation-about-{name}",
            assessment=f"consultation-about-{name}",
        )
        words[child.pk] = [
            f"goal-of-{name}",
            f"strategy-of-{name}",
            f"win-of-{name}",
            f"soap-of-{name}",
            f"summary-of-{name}",
            f"consultation-about-{name}",
        ]
    return words


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.id)
def test_matrix(route, persona, world, client):
    # Only a page an allowed persona reads is checked for content.
    readable = route.method == "get" and persona in route.allowed
    words = _clinical_words(world) if readable else {}
    url = reverse(route.name, kwargs=route.kwargs(world))
    user = world.persona(persona)
    if user is not None:
        client.force_login(user)
    response = getattr(client, route.method)(url, route.data(world))

    if user is None:
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    elif persona in route.allowed:
        assert response.status_code in route.ok, f"{persona} should reach {url}"
        # What the page may show: nothing of a child the persona may not see.
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/"):
            text = response.content.decode()
            visible = set(children_for(user).values_list("pk", flat=True))
            leaked = [
                word
                for child_id, child_words in words.items()
                if child_id not in visible
                for word in child_words
                if word in text
            ]
            assert leaked == [], f"{persona} reads another child's record on {url}"
    else:
        assert response.status_code == 404, f"{persona} must not reach {url}"
