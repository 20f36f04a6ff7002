"""Static files as production serves them: collected under hashed names,
compressed with brotli and gzip, and cached by browsers for a year (so that a
parent's phone fetches the stylesheet once, not on every page).

Production settings are read in a process of their own (DEBUG is decided when
the settings module is imported). Only the portal's own static folder is
collected there, into a scratch folder: Bootstrap goes through the same
storage, and compressing all of it would take most of a minute."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SERVE = """
import json, sys
import django
from django.conf import settings

django.setup()
settings.STATIC_ROOT = sys.argv[1]
settings.STATICFILES_DIRS = [settings.BASE_DIR / "static"]
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client

call_command("collectstatic", "--noinput", verbosity=0)
url = static("css/portal.css")
answers = {"storage": settings.STORAGES["staticfiles"]["BACKEND"], "url": url}
for encoding in ("br", "gzip", "identity"):
    response = Client().get(url, HTTP_ACCEPT_ENCODING=encoding)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    answers[encoding] = {
        "status": response.status_code,
        "encoding": response.get("Content-Encoding"),
        "cache": response.get("Cache-Control"),
        "vary": response.get("Vary"),
        "length": len(body),
    }
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "static-files-test-key-not-for-any-real-deployment-0123456789",
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "false",
    }
    result = subprocess.run(
        [sys.executable, "-c", SERVE, str(tmp_path_factory.mktemp("staticfiles"))],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_collects_under_hashed_names(served):
    assert served["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert re.fullmatch(r"/static/css/portal\.[0-9a-f]{12}\.css", served["url"])


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_static_files_are_served_compressed_and_cached_for_a_year(served, encoding):
    answer = served[encoding]
    assert answer["status"] == 200
    assert answer["encoding"] == encoding
    assert answer["length"] < served["identity"]["length"]
    # A hashed name never changes its content: a year, and no revalidation.
    assert "max-age=315360000" in answer["cache"] and "immutable" in answer["cache"]
    assert "Accept-Encoding" in answer["vary"]


def test_a_browser_without_compression_gets_the_file_as_it_is(served):
    plain = served["identity"]
    assert plain["status"] == 200 and plain["encoding"] is None
    assert plain["length"] == (ROOT / "static" / "css" / "portal.css").stat().st_size
