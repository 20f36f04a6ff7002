"""Headers on every page: a strict CSP without inline script, framing denied,
referrer and permissions policies; and `check --deploy` clean in production."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.conftest import PERSONAS
from tests.matrix import all_routes

BASE_DIR = Path(settings.BASE_DIR)
PUBLIC_PAGES = ["account_login", "account_reset_password", "privacy:notice"]


def _assert_secure_headers(response, url):
    csp = response.headers.get("Content-Security-Policy", "")
    assert csp, f"{url} has no Content-Security-Policy"
    directives = {
        part.strip().split(" ")[0]: part.strip().split(" ")[1:]
        for part in csp.split(";")
        if part.strip()
    }
    assert "'unsafe-inline'" not in directives.get("script-src", ["'unsafe-inline'"]), url
    assert "'unsafe-eval'" not in csp, url
    assert directives.get("frame-ancestors") == ["'none'"], url
    assert directives.get("object-src") == ["'none'"], url
    assert response.headers.get("X-Frame-Options") == "DENY", url
    assert response.headers.get("Referrer-Policy") == "same-origin", url
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), url


def _is_html(response) -> bool:
    return response.headers.get("Content-Type", "").startswith("text/html")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_html_response_carries_the_security_headers(persona, world, client):
    user = world.persona(persona)
    if user is not None:
        client.force_login(user)
    checked = 0
    for route in all_routes():
        if route.method != "get":
            continue
        url = reverse(route.name, kwargs=route.kwargs(world))
        response = client.get(url)
        if _is_html(response) or response.status_code in (302, 404):
            _assert_secure_headers(response, url)
            checked += 1
    assert checked


def test_public_and_error_pages_carry_the_headers(client):
    for name in PUBLIC_PAGES:
        url = reverse(name)
        _assert_secure_headers(client.get(url), url)
    _assert_secure_headers(client.get("/no-such-page/"), "/no-such-page/")


def test_no_inline_script_in_our_templates():
    """CSP would block them anyway; this says where, before a browser does."""
    offenders = []
    ours = [*(BASE_DIR / "templates").rglob("*.html"), *(BASE_DIR / "jinja_templates").rglob("*")]
    for path in filter(Path.is_file, ours):
        text = path.read_text()
        if "portal/export/" in str(path):
            continue  # files in the download ZIP, never served by the portal
        for marker in ("<script>", '<script type="text/javascript">', " onclick=", " onload="):
            if marker in text:
                offenders.append(f"{path.relative_to(BASE_DIR)}: {marker}")
    assert not offenders


def test_check_deploy_is_clean_with_production_settings():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "CI"))
    }
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "portal.example",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "no issues" in output


def test_production_settings_make_cookies_secure():
    env = dict(os.environ, DEBUG="false", SECRET_KEY=secrets.token_urlsafe(64))
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings');"
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["True", "True", "True", "Lax", "Lax", "True", "True"]


def test_pages_go_out_compressed_to_a_browser_that_asks(world, client):
    """A family's home over a phone's slow network: the page gzipped (padded
    by a random length against BREACH), and plain to a client that does not
    ask for it."""
    import gzip

    client.force_login(world.parent)
    plain = client.get("/")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = client.get("/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    page = gzip.decompress(packed.content).decode()
    assert world.child.first_name in page and "</html>" in page
    assert len(packed.content) < len(plain.content) / 2
