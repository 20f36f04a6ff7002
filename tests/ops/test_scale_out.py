"""Two web processes and two Celery workers on one PostgreSQL and one Redis,
as a clinic grows past one machine: a log-in on one web process carries on on
the other; booking through both at once never over-fills a group; reminders
sent across both workers go exactly once, even when a web process and a worker
are killed mid-way."""

import http.cookiejar
import json
import re
import signal
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter

import psycopg
import pytest

from tests.ops.procs import (
    ROOT,
    VENV_BIN,
    drop_database,
    free_port,
    http_get,
    new_database_url,
    production_env,
    run,
    start,
    start_redis,
    stop,
    wait_for,
)

# Gunicorn, Celery and the beat run in processes of their own, on the real clock.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.wall_clock]

FAMILIES = 12
REMINDERS = 300
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """A person with a cookie jar, talking to either web process."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str) -> tuple[int, str]:
        return http_get(url, self.opener)

    def post_form(self, url: str, data: dict) -> tuple[int, str]:
        _, page = self.get(url)
        token = CSRF.search(page).group(1)
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode()
        request = urllib.request.Request(url, data=body, headers={"Referer": url})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_in(self, base: str, email: str, password: str) -> None:
        status, page = self.post_form(
            f"{base}/accounts/login/", {"login": email, "password": password}
        )
        assert status == 200 and "Log out" in page, page[:500]


def _sql(url: str, query: str):
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


@pytest.fixture
def cluster(tmp_path):
    """Migrate and seed a database of its own, then start two gunicorn
    processes and two Celery workers against it and a Redis of its own."""
    name, url = new_database_url("portal_scale")
    logs = ROOT / "test-artifacts" / "scale-out"
    logs.mkdir(parents=True, exist_ok=True)
    redis_port, redis_process = start_redis(tmp_path)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = production_env(
        DATABASE_URL=url,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        OUTBOX_CLAIM_LEASE_SECONDS="5",
        WEB_CONCURRENCY="2",
    )
    processes = []
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        python = str(VENV_BIN / "python")
        run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env)
        run([python, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
        seeded = json.loads(
            run([python, "-m", "tests.ops.scale_seed", str(FAMILIES), str(REMINDERS)], env)
        )
        webs = []
        for label in ("a", "b"):
            port = free_port()
            web_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
            processes.append(
                start(
                    [str(VENV_BIN / "gunicorn"), "portal.wsgi", "--config", "gunicorn.conf.py"],
                    web_env,
                    logs / f"web-{label}.log",
                )
            )
            webs.append((f"http://127.0.0.1:{port}", processes[-1]))
        workers = []
        for label in ("one", "two"):
            workers.append(
                start(
                    [
                        str(VENV_BIN / "celery"),
                        "-A",
                        "portal",
                        "worker",
                        "-n",
                        f"{label}@%h",
                        "--concurrency",
                        "2",
                        "--loglevel",
                        "INFO",
                    ],
                    env,
                    logs / f"worker-{label}.log",
                )
            )
            processes.append(workers[-1])
        for base, _ in webs:
            wait_for(f"{base}/readyz/", 200, seconds=60)
        yield {"url": url, "env": env, "webs": webs, "workers": workers, "mail": mail_dir, **seeded}
    finally:
        for process in processes:
            stop(process, signal.SIGKILL)
        redis_process.kill()
        redis_process.wait()
        drop_database(name)


def _message_ids(mail_dir) -> Counter:
    ids = Counter()
    for path in mail_dir.iterdir():
        ids.update(re.findall(r"^Message-ID: (<[^>]+>)", path.read_text(), flags=re.M))
    return ids


def test_two_web_processes_and_two_workers_share_the_work(cluster):
    (base_a, web_a), (base_b, _) = cluster["webs"]
    password = cluster["password"]

    # A log-in on one web process carries on on the other.
    first = Browser()
    first.log_in(base_a, cluster["parents"][0], password)
    status, page = first.get(f"{base_b}/")
    assert status == 200 and "Hello, Parent" in page

    # Twelve families race for the group's three places through both processes.
    people = []
    for n, email in enumerate(cluster["parents"]):
        person = first if n == 0 else Browser()
        if n:
            person.log_in(base_a if n % 2 else base_b, email, password)
        people.append(person)
    barrier = threading.Barrier(len(people))
    outcomes = []

    def book(n: int, person: Browser):
        base = base_a if n % 2 else base_b
        url = f"{base}/book/groups/{cluster['group']}/"
        barrier.wait()
        status, page = person.post_form(url, {})
        outcomes.append(
            "booked"
            if "You have a place" in page
            else "full"
            if "join the waitlist" in page.lower()
            else f"{status}"
        )

    threads = [threading.Thread(target=book, args=(n, p)) for n, p in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("booked") == 3, outcomes
    assert outcomes.count("full") == len(people) - 3, outcomes
    [[confirmed]] = _sql(
        cluster["url"],
        f"SELECT count(*) FROM bookings_booking WHERE group_session_id = {cluster['group']} AND status = 'confirmed'",
    )
    assert confirmed == 3

    # One web process dies: the other carries on with the same log-in and data.
    stop(web_a, signal.SIGKILL)
    status, page = first.get(f"{base_b}/bookings/")
    assert status == 200 and "Bookings" in page

    # Reminders across both workers; one worker is killed mid-batch.
    python = str(VENV_BIN / "python")
    call = [python, "-c", "from portal.celery import app; import sys; app.send_task(sys.argv[1])"]
    run([*call, "bookings.tasks.send_due_reminders"], cluster["env"])
    # On a busy machine the first message can take a while: wait for it (the
    # kill must land mid-batch, not before the batch began).
    deadline = time.monotonic() + 180
    while not any(cluster["mail"].iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop(cluster["workers"][0], signal.SIGKILL)
    sent_before_kill = sum(_message_ids(cluster["mail"]).values())
    assert 0 < sent_before_kill < REMINDERS, "the worker was to die mid-batch"

    # The survivor's sweeps, as beat runs them, pick up what the dead worker
    # held once its claim lapses.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        [[queued, unsent]] = _sql(
            cluster["url"],
            "SELECT count(*) FILTER (WHERE kind = 'booking_reminder'),"
            " count(*) FILTER (WHERE status <> 'sent') FROM notifications_outboxmessage",
        )
        if queued == REMINDERS and unsent == 0:
            break
        run([*call, "bookings.tasks.send_due_reminders"], cluster["env"])
        run([*call, "notifications.tasks.sweep_outbox"], cluster["env"])
        time.sleep(2)
    rows = _sql(
        cluster["url"],
        "SELECT id, recipient_email FROM notifications_outboxmessage WHERE kind = 'booking_reminder'",
    )
    assert len(rows) == REMINDERS
    assert len({email for _, email in rows}) == REMINDERS
    assert _sql(
        cluster["url"], "SELECT count(*) FROM notifications_outboxmessage WHERE status <> 'sent'"
    ) == [(0,)]

    sent = _message_ids(cluster["mail"])
    reminder_ids = {m for m in sent if any(m.startswith(f"<outbox.{pk}.") for pk, _ in rows)}
    # Nothing lost: every reminder reached the mail server...
    assert len(reminder_ids) == REMINDERS
    # ...and nothing sent twice, but for a message the killed worker had in its
    # hands, which goes again under the same Message-ID (one message to a mail server).
    repeated = [m for m, count in sent.items() if count > 1]
    assert len(repeated) <= 2, repeated
