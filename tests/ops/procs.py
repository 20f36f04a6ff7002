"""Helpers for tests that run the real processes: free ports, a Redis of the
test's own, a throwaway PostgreSQL database, and waiting on HTTP."""

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str, opener=None) -> tuple[int, str]:
    opener = opener or urllib.request.build_opener()
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(url: str, status: int, seconds: float = 90) -> str:
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            code, body = http_get(url)
            if code == status:
                return body
            last = (code, body[:200])
        except OSError as error:
            last = error
        time.sleep(0.5)
    raise AssertionError(f"{url} never answered {status}: last {last}")


def start_redis(folder: Path) -> tuple[int, subprocess.Popen]:
    port = free_port()
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
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    return port, process


def _admin_params() -> dict:
    db = connection.settings_dict
    params = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"] or "postgres",
        "dbname": "postgres",
        "autocommit": True,
    }
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    return params


def new_database_url(prefix: str) -> tuple[str, str]:
    """A name for a database the test will create, and its URL."""
    params = _admin_params()
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    password = f":{params['password']}" if params.get("password") else ""
    return name, f"postgres://{params['user']}{password}@{params['host']}:{params['port']}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(**_admin_params()) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SECRET_KEY": "process-test-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
        **extra,
    }
    env["DEBUG"] = "false"
    return env


def run(args: list[str], env: dict, timeout: float = 300) -> str:
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, (
        f"{args} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    )
    return result.stdout


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait()
