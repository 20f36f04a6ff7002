"""Endpoints for a load balancer: /healthz says the process is alive (no I/O),
/readyz that the database and Redis answer within a short timeout."""

import json

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

TIMEOUT_SECONDS = 2


def check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"SET LOCAL statement_timeout = {TIMEOUT_SECONDS * 1000}")
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "not ready", whatever its kind
        return type(error).__name__
    return None


def check_redis() -> str | None:
    if not settings.REDIS_URL:
        return None  # embedded mode: tasks run inline, nothing to reach
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=TIMEOUT_SECONDS,
            socket_timeout=TIMEOUT_SECONDS,
        )
        client.ping()
    except redis.RedisError as error:
        return type(error).__name__
    return None


def _json(payload: dict, status: int) -> HttpResponse:
    return HttpResponse(json.dumps(payload), status=status, content_type="application/json")


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return _json({"status": "ok"}, 200)


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    checks = {"database": check_database(), "redis": check_redis()}
    failed = {name: error for name, error in checks.items() if error}
    payload = {
        "status": "ok" if not failed else "unavailable",
        "checks": {
            name: ("ok" if error is None else f"failed: {error}") for name, error in checks.items()
        },
    }
    return _json(payload, 200 if not failed else 503)
