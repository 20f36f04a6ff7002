import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from portal.observability import _scrub
from tests import factories

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


@pytest.mark.django_db
def test_healthz_answers_without_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ready_with_database_and_no_broker_configured(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_readyz_names_redis_when_it_is_down_and_pages_keep_working(client, settings):
    settings.REDIS_URL = CLOSED_PORT_REDIS
    response = client.get("/readyz/")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("failed")
    parent = factories.CaregiverFactory().user
    client.force_login(parent)
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_access_log_has_request_id_user_id_and_route_but_no_token(client, caplog):
    user = factories.UserFactory()
    client.force_login(user)
    with caplog.at_level(logging.INFO, logger="portal.access"):
        response = client.get("/invite/secret-token-value/", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    record = next(r for r in caplog.records if r.name == "portal.access")
    assert record.request_id == "abc-123"
    assert record.user_id == user.pk
    assert record.route == "invite/<str:token>/"
    assert record.status == 404
    assert "secret-token-value" not in json.dumps(record.__dict__, default=str)
    assert user.email not in json.dumps(record.__dict__, default=str)


def test_hostile_request_id_is_replaced(client):
    response = client.get("/healthz/", HTTP_X_REQUEST_ID="<script>" * 20)
    assert "<" not in response["X-Request-ID"] and len(response["X-Request-ID"]) == 32


def test_json_log_lines_in_production_format():
    from pythonjsonlogger.json import JsonFormatter

    from portal.observability import RequestContextFilter

    formatter = JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s")
    record = logging.LogRecord("portal.access", logging.INFO, __file__, 1, "request", None, None)
    record.status = 200
    RequestContextFilter().filter(record)
    line = json.loads(formatter.format(record))
    assert line["message"] == "request" and line["status"] == 200 and line["request_id"] == "-"


def test_sentry_events_are_scrubbed_of_personal_data():
    event = {
        "user": {"id": 7, "email": "parent@example.org", "ip_address": "10.0.0.1"},
        "request": {
            "cookies": {"sessionid": "x"},
            "data": {"note": "clinical"},
            "headers": {"Cookie": "x", "Accept": "*/*"},
        },
        "exception": {"values": [{"stacktrace": {"frames": [{"vars": {"child": "Yusuf"}}]}}]},
        "extra": {"email": "a@b.c", "count": 3},
    }
    scrubbed = _scrub(event, {})
    text = json.dumps(scrubbed)
    for secret in ("parent@example.org", "10.0.0.1", "sessionid", "clinical", "Yusuf", "a@b.c"):
        assert secret not in text
    assert scrubbed["user"] == {"id": 7} and scrubbed["extra"] == {"count": 3}


@pytest.mark.django_db
def test_check_deployment_passes_in_embedded_mode(settings, capsys):
    settings.REDIS_URL = ""
    call_command("check_deployment")
    assert "healthy" in capsys.readouterr().out


@pytest.mark.django_db
def test_check_deployment_names_what_is_wrong(settings):
    settings.REDIS_URL = CLOSED_PORT_REDIS
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    with pytest.raises(CommandError) as error:
        call_command("check_deployment")
    assert "Redis does not answer" in str(error.value)
    assert "mail server 127.0.0.1:1 unreachable" in str(error.value)


@pytest.mark.redis
@pytest.mark.django_db
def test_check_deployment_notices_a_silent_beat(settings):
    import os

    import redis

    from portal.tasks import BEAT_HEARTBEAT_KEY, beat_heartbeat

    settings.REDIS_URL = os.environ["REDIS_URL"]
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(BEAT_HEARTBEAT_KEY)
    with pytest.raises(CommandError, match="beat has not run"):
        call_command("check_deployment")
    beat_heartbeat()
    call_command("check_deployment")
