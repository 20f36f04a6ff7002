"""Every URL, every persona: allowed ones get the page, everyone else a 404
(anonymous visitors are sent to log in). See tests/matrix.py."""

import pytest
from django.urls import reverse

from tests.conftest import PERSONAS
from tests.matrix import all_exemptions, all_routes, object_url_names

ROUTES = all_routes()


def test_every_object_url_is_in_the_matrix():
    covered = {route.name for route in ROUTES} | set(all_exemptions())
    missing = object_url_names() - covered
    assert not missing, f"URLs with no permission-matrix row: {sorted(missing)}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.id)
def test_matrix(route, persona, world, client):
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
    else:
        assert response.status_code == 404, f"{persona} must not reach {url}"
