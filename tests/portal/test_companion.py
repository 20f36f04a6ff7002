"""The installable web app: the manifest, the service worker at the root,
and which pages a phone may keep for reading offline (families' only)."""

import json

from django.contrib.staticfiles import finders
from django.urls import reverse

from accounts.policy import OFFLINE_HEADER


def test_the_manifest_makes_the_portal_installable(client):
    response = client.get(reverse("web_manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == reverse("home") and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#1d5c63"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].split("/static/", 1)[1]), icon["src"]


def test_the_icons_are_the_sizes_they_claim(settings):
    from PIL import Image

    for name, size in (("icon-192.png", 192), ("icon-512.png", 512)):
        with Image.open(settings.BASE_DIR / "static" / "icons" / name) as icon:
            assert icon.size == (size, size) and icon.format == "PNG"


def test_the_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert b"X-Offline-Readable" in response.content


def test_every_page_links_the_manifest_and_loads_the_companion_script(world, login):
    for user in (None, world.parent, world.therapist):
        page = reverse("account_login") if user is None else reverse("home")
        html = login(user).get(page).content.decode()
        assert f'<link rel="manifest" href="{reverse("web_manifest")}">' in html
        assert "js/companion.js" in html
        assert 'data-companion-worker="/sw.js"' in html


def test_a_familys_home_and_week_may_be_kept_offline_but_nothing_of_staff(world, login):
    week = reverse("goals:routines", args=[world.child.pk])
    parent = login(world.parent)
    assert parent.get("/")[OFFLINE_HEADER] == "1"
    assert parent.get(week)[OFFLINE_HEADER] == "1"
    assert OFFLINE_HEADER not in parent.get(reverse("goals:child_goals", args=[world.child.pk]))
    therapist = login(world.therapist)
    assert OFFLINE_HEADER not in therapist.get("/")
    assert OFFLINE_HEADER not in therapist.get(week)
