"""`make up`'s script brings up gunicorn, a Celery worker and beat with
production settings; /readyz follows Redis, and the pages do not depend on it."""

import signal

import psycopg
import pytest

from tests.ops.procs import (
    ROOT,
    drop_database,
    free_port,
    http_get,
    new_database_url,
    production_env,
    start,
    start_redis,
    stop,
    wait_for,
)

# Gunicorn, Celery and the beat run in processes of their own, on the real clock.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.wall_clock]


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own, so that stopping it disturbs nobody."""
    port, process = start_redis(tmp_path)
    yield port, process
    process.kill()
    process.wait()


@pytest.fixture
def stack_database():
    name, url = new_database_url("portal_stack")
    yield url
    drop_database(name)


def test_full_stack_comes_up_and_readyz_follows_redis(own_redis, stack_database, tmp_path):
    redis_port, redis_process = own_redis
    web_port = free_port()
    env = production_env(
        DATABASE_URL=stack_database,
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        GUNICORN_BIND=f"127.0.0.1:{web_port}",
        WEB_CONCURRENCY="2",
    )
    env.pop("DEBUG")  # bin/up turns production settings on by itself
    log = tmp_path / "up.log"
    stack = start([str(ROOT / "bin" / "up")], env, log)
    base = f"http://127.0.0.1:{web_port}"
    try:
        body = wait_for(f"{base}/readyz/", 200, seconds=120)
        assert '"redis": "ok"' in body
        status, page = http_get(f"{base}/accounts/login/")
        assert status == 200 and "Log in" in page
        # The portal runs as the application role (issue 19, finding 6):
        # only migrate and the role set-up ran as the owner.
        name = stack_database.rsplit("/", 1)[1]
        with psycopg.connect(stack_database) as conn:
            roles = {
                row[0]
                for row in conn.execute(
                    "SELECT usename FROM pg_stat_activity WHERE datname = %s AND pid <> "
                    "pg_backend_pid()",
                    [name],
                )
            }
        assert roles == {"portal_app"}

        redis_process.terminate()
        redis_process.wait()
        body = wait_for(f"{base}/readyz/", 503, seconds=20)
        assert '"redis": "failed' in body and '"database": "ok"' in body
        status, page = http_get(f"{base}/accounts/login/")
        assert status == 200
    finally:
        stop(stack, signal.SIGTERM)
    output = log.read_text()
    assert "web.1 stopped" in output and "worker.1 stopped" in output and "beat.1 stopped" in output
