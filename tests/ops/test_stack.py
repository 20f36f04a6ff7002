"""`make up`'s script brings up gunicorn, a Celery worker and beat with
production settings; /readyz follows Redis, and the pages do not depend on it."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _wait_for(url: str, status: int, seconds: float = 90) -> str:
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            code, body = _get(url)
            if code == status:
                return body
            last = (code, body[:200])
        except OSError as error:
            last = error
        time.sleep(0.5)
    raise AssertionError(f"{url} never answered {status}: last {last}")


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own, so that stopping it disturbs nobody."""
    port = _free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    yield port, process
    process.kill()
    process.wait()


@pytest.fixture
def stack_database():
    db = connection.settings_dict
    name = f"portal_stack_{uuid.uuid4().hex[:8]}"
    host, port, user = db["HOST"] or "127.0.0.1", db["PORT"] or 5432, db["USER"] or "postgres"
    yield f"postgres://{user}@{host}:{port}/{name}"
    with psycopg.connect(
        host=host, port=port, user=user, dbname="postgres", autocommit=True
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_full_stack_comes_up_and_readyz_follows_redis(own_redis, stack_database, tmp_path):
    redis_port, redis_process = own_redis
    web_port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": stack_database,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "GUNICORN_BIND": f"127.0.0.1:{web_port}",
        "WEB_CONCURRENCY": "2",
        "SECRET_KEY": "stack-test-" + uuid.uuid4().hex * 2,
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    env.pop("DEBUG", None)
    log = (tmp_path / "up.log").open("w")
    stack = subprocess.Popen(
        [str(ROOT / "bin" / "up")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{web_port}"
    try:
        body = _wait_for(f"{base}/readyz/", 200, seconds=120)
        assert '"redis": "ok"' in body
        status, page = _get(f"{base}/accounts/login/")
        assert status == 200 and "Log in" in page

        redis_process.terminate()
        redis_process.wait()
        body = _wait_for(f"{base}/readyz/", 503, seconds=20)
        assert '"redis": "failed' in body and '"database": "ok"' in body
        status, page = _get(f"{base}/accounts/login/")
        assert status == 200
    finally:
        os.killpg(stack.pid, signal.SIGTERM)
        try:
            stack.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            raise
        log.close()
    output = (tmp_path / "up.log").read_text()
    assert "web.1 stopped" in output and "worker.1 stopped" in output and "beat.1 stopped" in output
