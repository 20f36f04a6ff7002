import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_int, env_list, env_str


def test_env_helpers_read_and_fail_loudly(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert env_bool("X_BOOL", default=False) is True
    assert env_int("X_INT", 3) == 12
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    monkeypatch.setenv("X_BOOL", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL", default=False)
    monkeypatch.setenv("X_INT", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 3)
    monkeypatch.delenv("X_MISSING", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X_MISSING"):
        env_str("X_MISSING")


def test_production_settings_need_a_secret_key(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "false", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _settings_in_a_fresh_process(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print('DEBUG', settings.DEBUG, settings.ALLOWED_HOSTS)",
        ],
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )


def test_debug_is_off_unless_switched_on():
    """Issue 19, finding 8: with DEBUG unset the portal runs with production
    settings, so a database outage never shows the debug page (with the
    database URL and the password just typed)."""
    result = _settings_in_a_fresh_process({"SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DEBUG False []"

    # Nor does a missing SECRET_KEY quietly fall back to the development key.
    result = _settings_in_a_fresh_process({})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr

    result = _settings_in_a_fresh_process({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "DEBUG True ['127.0.0.1', 'localhost']"


def test_the_test_suite_switches_debug_on_explicitly():
    import os

    assert os.environ["DJANGO_SETTINGS_MODULE"] == "portal.settings_test"
    assert os.environ["DEBUG"] == "true"


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ({"VIDEO_PROVIDER": "zoom"}, "VIDEO_PROVIDER must be jitsi or fixed"),
        ({"JITSI_APP_SECRET": "s" * 40}, "JITSI_APP_SECRET needs JITSI_APP_ID"),
        ({"JITSI_APP_ID": "portal", "JITSI_APP_SECRET": "short"}, "at least 32 characters"),
    ],
)
def test_a_wrong_video_setting_stops_the_portal(env, error):
    result = _settings_in_a_fresh_process({"DEBUG": "true", **env})
    assert result.returncode != 0
    assert error in result.stderr


def test_the_video_settings_default_to_jitsi_with_nothing_set():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.VIDEO_PROVIDER, repr(settings.JITSI_BASE_URL))",
        ],
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "true"},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "jitsi ''"
