"""Issue 19, finding 5: allauth's log-in limit holds across web processes.

Two real web processes on the test database and the test's Redis: failed
log-ins for one account, alternating between them, are refused after the
limit (5 in 5 minutes per account) counted together, not per process."""

import os
import re
import signal
import sys
import urllib.parse
import urllib.request

import pytest
from django.db import connection

from tests import factories
from tests.ops.procs import free_port, start, stop, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOO_MANY = "Too many failed login attempts"


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER'] or 'postgres'}{password}@{host}:{port}/{db['NAME']}"


# Both processes serve one site, as behind a load balancer: allauth keys its
# per-account count by the site's host name and the address typed.
HOST = "portal.test"


def _failed_login(base: str, email: str) -> str:
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    url = f"{base}/accounts/login/"
    with opener.open(urllib.request.Request(url, headers={"Host": HOST}), timeout=30) as page:
        token = CSRF.search(page.read().decode()).group(1)
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": email, "password": "not-the-password"}
    ).encode()
    request = urllib.request.Request(url, data=body, headers={"Referer": url, "Host": HOST})
    with opener.open(request, timeout=30) as answer:
        return answer.read().decode()


@pytest.mark.django_db(transaction=True)
def test_the_log_in_limit_holds_across_two_web_processes(tmp_path):
    user = factories.UserFactory(email="limits@example.org")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "true",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        # Axes would lock at 10; allauth's limit (5 per account) is the one tested.
        "AXES_FAILURE_LIMIT": "100",
        "ALLOWED_HOSTS": f"127.0.0.1,{HOST}",
    }
    ports = [free_port(), free_port()]
    processes = [
        start(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            env,
            tmp_path / f"web-{port}.log",
        )
        for port in ports
    ]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            wait_for(f"{base}/healthz/", 200)
        answers = [_failed_login(bases[n % 2], user.email) for n in range(6)]
    finally:
        for process in processes:
            stop(process, signal.SIGTERM)
    # Five wrong passwords are checked (three on one process, two on the
    # other); the sixth is refused unchecked, whichever process it reaches.
    assert [TOO_MANY in answer for answer in answers] == [False] * 5 + [True]
