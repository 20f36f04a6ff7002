"""While Redis is down, the shared cache (rate limits) answers as an empty
cache: people can still log in, and django-axes still counts failures in the
database. Without it, every log-in answered 500 until Redis came back."""

from django.contrib.auth import SESSION_KEY
from django.core.cache import caches
from django.urls import reverse

from tests.factories import PASSWORD

# Nothing listens on port 1: every call fails at once.
DEAD_REDIS = {
    "default": {
        "BACKEND": "core.cache.SharedCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def test_the_shared_cache_answers_as_empty_while_redis_is_down(settings):
    settings.CACHES = DEAD_REDIS
    cache = caches["default"]
    assert cache.get("history", []) == []
    assert cache.get("history") is None
    cache.set("history", [1, 2])
    assert cache.add("lock", True) is True
    assert cache.get_many(["a", "b"]) == {}
    assert cache.delete("lock") is False
    cache.clear()


def test_a_parent_logs_in_while_redis_is_down(settings, client, world):
    settings.CACHES = DEAD_REDIS
    wrong = client.post(
        reverse("account_login"), {"login": world.parent.email, "password": "not it"}
    )
    assert wrong.status_code == 200
    right = client.post(
        reverse("account_login"), {"login": world.parent.email, "password": PASSWORD}
    )
    assert right.status_code == 302
    assert client.session[SESSION_KEY] == str(world.parent.pk)
