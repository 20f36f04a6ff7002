"""`make bench`: the portal measured at the size of a busy practice.

    python -m bench.run                  # scales 1 and 10 (portal_bench, portal_bench_x10)
    python -m bench.run --scales 1       # scale 1 only
    python -m bench.run --scales 0.1 --duration 5   # a quick look at a tenth of the practice
    python -m bench.run --reseed         # seed again even if the database has that scale
    python -m bench.run --writes 0       # no writes beside the reads, to compare

For each scale it makes sure the bench database holds that practice (seeding
it when not), serves the portal with gunicorn and production settings on
127.0.0.1, drives each key page with wrk at a fixed concurrency as the right
persona while bench/writer.py writes a practice's mix (5 writes a second by
default) from a process of its own, opens the family's home in Chromium on a
throttled phone (bench/browser.py), counts each page's SQL queries, and
writes bench/results/latest.json and latest.txt (the run before is kept as
previous.json, and the change printed), each target marked met or missed.
Needs PostgreSQL (BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432)
and wrk; Redis (BENCH_REDIS_URL, default db 9) if the portal's tasks need it.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from bench import SEED_VERSION, browser, report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "wrk_report.lua"
PYTHON = sys.executable
SEED_VERSION_QUERY = "SELECT scale, version FROM bench_seed"
# Seconds of load before each measured run (templates loaded, connections open).
WARMUP_SECONDS = 2


def database_name(scale: float) -> str:
    """portal_bench at scale 1, portal_bench_x10 at 10, portal_bench_x0_1 at 0.1
    (BENCH_DATABASE names another stem, for two people benchmarking on one server)."""
    stem = os.environ.get("BENCH_DATABASE", "portal_bench")
    if scale == 1:
        return stem
    return f"{stem}_x" + f"{scale:g}".replace(".", "_")


def server_env(database_url: str) -> dict[str, str]:
    """Production settings on loopback: DEBUG off, plain HTTP, persistent connections."""
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key-not-for-any-real-deployment-0123456789",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "DATABASE_URL": database_url,
            "DB_CONN_MAX_AGE": "600",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
            "BENCH_ENDPOINTS": "true",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "ACCESS_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
        }
    )
    env.pop("SENTRY_DSN", None)
    return env


def _postgres_base() -> str:
    return os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def _maintenance_connection():
    import psycopg

    return psycopg.connect(f"{_postgres_base()}/postgres", autocommit=True)


def _recorded(name: str) -> tuple[float, int] | None:
    import psycopg

    try:
        with psycopg.connect(f"{_postgres_base()}/{name}") as conn:
            row = conn.execute(SEED_VERSION_QUERY).fetchone()
    except psycopg.Error:
        return None
    return (float(row[0]), int(row[1])) if row else None


def prepare_database(scale: float, *, reseed: bool) -> tuple[str, float | None]:
    """The bench database for `scale`, seeded: (url, seconds spent seeding or None)."""
    from psycopg import sql

    name = database_name(scale)
    url = f"{_postgres_base()}/{name}"
    if not reseed and _recorded(name) == (scale, SEED_VERSION):
        print(f"{name} already holds scale {scale:g}: not seeding again (--reseed to force)")
        # New indexes of this checkout still apply to the seeded data.
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=server_env(url),
            check=True,
        )
        return url, None
    with _maintenance_connection() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = server_env(url)
    started = time.monotonic()
    print(f"Seeding {name} at scale {scale:g}…")
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(
        [PYTHON, "-m", "bench.prepare", "seed", "--scale", str(scale)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    seconds = round(time.monotonic() - started)
    print(f"  {name} ready in {seconds} s (migrations included)")
    return url, seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the project's own gunicorn.conf.py, on a free loopback port."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.port = free_port()
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_LOG_LEVEL": "warning",
        }
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Server":
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "portal.wsgi", "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start: see {self.log_path}")
            try:
                with urlopen(f"{self.base}/healthz/", timeout=2) as answer:  # noqa: S310 - loopback
                    if answer.status == 200:
                        return self
            except (URLError, OSError):
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within a minute: see {self.log_path}")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Writes:
    """bench/writer.py in a process of its own, writing while one run is
    measured: started (and ready) before the load, ended when it is over.
    Its own bound (`seconds`) ends it should this runner die."""

    def __init__(self, env: dict[str, str], *, rate: float, seconds: float, scratch: Path):
        self.env, self.rate, self.seconds = env, rate, seconds
        self.out = scratch / "writes.json"
        self.ready = scratch / "writes.ready"
        self.process: subprocess.Popen | None = None
        self.result: dict = {"rate": rate, "writes": 0, "achieved_per_s": 0.0, "errors": 0}

    def __enter__(self) -> "Writes":
        if self.rate <= 0:
            return self
        self.out.unlink(missing_ok=True)
        self.ready.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "bench.writer",
                *("--rate", f"{self.rate:g}", "--seconds", f"{self.seconds:g}"),
                *("--out", str(self.out), "--ready", str(self.ready)),
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + 120
        while not self.ready.exists():
            if self.process.poll() is not None:
                raise RuntimeError("bench.writer stopped before its first write")
            if time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError("bench.writer was not ready within two minutes")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.out.exists():
            self.result = json.loads(self.out.read_text())
        elif exc[0] is None:
            raise RuntimeError(f"bench.writer ended ({self.process.returncode}) without a result")


def workers(env: dict[str, str]) -> int:
    """How many workers gunicorn.conf.py starts with this environment."""
    code = "import runpy; print(runpy.run_path('gunicorn.conf.py')['workers'])"
    out = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    return int(out.stdout.strip() or 0)


def run_wrk(
    url: str,
    cookies: dict[str, str],
    *,
    duration: int,
    concurrency: int,
    warmup: int = WARMUP_SECONDS,
) -> dict:
    header = "Cookie: " + "; ".join(f"{name}={value}" for name, value in cookies.items())
    threads = str(min(2, concurrency))
    common = [
        "wrk",
        "-t",
        threads,
        "-c",
        str(concurrency),
        "-H",
        header,
        "--latency",
        "-s",
        str(LUA),
    ]
    # A short warm-up first: every worker has loaded its templates and opened
    # its database connection before the measured run starts.
    subprocess.run([*common, "-d", f"{warmup}s", url], capture_output=True, text=True, check=True)
    out = subprocess.run(
        [*common, "-d", f"{duration}s", url], capture_output=True, text=True, check=True
    )
    return report.parse_wrk(out.stdout)


def background_timings(env: dict[str, str]) -> dict | None:
    """Hook for issue 9's background timings (the reminder sweep for 10,000 due
    reminders, summaries for 2,000 families). The Celery issue adds
    `manage.py time_background`; when the command exists it runs here against
    the bench database (it seeds what it times and rolls it back) and its
    output is kept (JSON if it prints JSON, else the text)."""
    probe = subprocess.run(
        [PYTHON, "manage.py", "help", "time_background"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return {"skipped": "manage.py time_background does not exist in this version"}
    out = subprocess.run(
        # --force: the bench serves with DEBUG off; the command rolls back all it seeds.
        [
            PYTHON,
            "manage.py",
            "time_background",
            "--reminders",
            "10000",
            "--families",
            "2000",
            "--force",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError:
        return {"returncode": out.returncode, "output": (out.stdout + out.stderr)[-4000:]}


def measure_scale(scale: float, args) -> dict:
    url, seed_seconds = prepare_database(scale, reseed=args.reseed)
    env = server_env(url)
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    with tempfile.TemporaryDirectory() as scratch:
        targets_file = Path(scratch) / "targets.json"
        subprocess.run(
            [PYTHON, "-m", "bench.prepare", "targets", "--out", str(targets_file)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        targets = json.loads(targets_file.read_text())
    wanted = set(args.pages.split(",")) | {"bare", "layout"} if args.pages else None
    if wanted:
        targets = [t for t in targets if t["name"] in wanted]
    broken = [f"{t['name']} ({t['path']}): {t['status']}" for t in targets if t["status"] != 200]
    if broken:
        raise RuntimeError("Pages that do not answer 200: " + ", ".join(broken))
    measured = {}
    phone = None
    RESULTS.mkdir(parents=True, exist_ok=True)
    log = RESULTS / f"gunicorn-{database_name(scale)}.log"
    with Server(env, log) as server, tempfile.TemporaryDirectory() as scratch:
        for target in targets:
            measured[target["name"]] = _measure(server, target, args, env, Path(scratch))
        # The baselines again, after the pages: the machine's speed drifts
        # over minutes, and their mean is what the pages are compared with.
        print("  baselines again:")
        for target in targets:
            if target["baseline"]:
                measured[target["name"]] = report.combine(
                    [measured[target["name"]], _measure(server, target, args, env, Path(scratch))]
                )
        if not args.no_browser:
            phone = _measure_phone(server, targets, args, env, Path(scratch))
    result = report.scale_result(targets, measured)
    result["phone"] = phone
    result["seed_seconds"] = seed_seconds
    result["database"] = database_name(scale)
    return result


def _measure(server: Server, target: dict, args, env: dict[str, str], scratch: Path) -> dict:
    print(f"  {target['name']:<16} {target['path']}", end="", flush=True)
    # The writes run through the warm-up and the measured run; their own bound
    # is a safety net, the runner ends them when wrk is done.
    seconds = args.duration + WARMUP_SECONDS + 30
    with Writes(env, rate=args.writes, seconds=seconds, scratch=scratch) as writes:
        found = run_wrk(
            server.base + target["path"],
            {"sessionid": target["cookie"], "csrftoken": target["csrf"]},
            duration=args.duration,
            concurrency=args.concurrency,
            warmup=WARMUP_SECONDS,
        )
    found["writes"] = writes.result
    print(
        f"  {found['rps']:.0f} rps, p95 {found['p95_ms']:.1f} ms, {target['queries']} queries,"
        f" {writes.result['achieved_per_s']:g} writes/s"
    )
    return found


def _measure_phone(
    server: Server, targets: list[dict], args, env: dict[str, str], scratch: Path
) -> dict | None:
    """The family's home in Chromium on a throttled phone, under the same writes."""
    if not browser.available():
        print("  phone: skipped (no Playwright or no /usr/bin/chromium)")
        return {"skipped": "Playwright or /usr/bin/chromium is missing"}
    parent = next(t for t in targets if t["role"] == "parent")
    print("  phone: the family's home at 375 px on slow 4G", end="", flush=True)
    with Writes(env, rate=args.writes, seconds=300, scratch=scratch) as writes:
        found = browser.measure_home(
            server.base, {"sessionid": parent["cookie"], "csrftoken": parent["csrf"]}
        )
    found["writes"] = writes.result
    print(
        f"  first {found['first']['kb']} KB, repeat {found['repeat']['kb']} KB,"
        f" LCP {found['first']['lcp_ms']} ms"
    )
    return found


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores {model} · {platform.system()} {platform.release()}".strip()


def commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales",
        default="1,10",
        help="one or two sizes of the practice, 1 = the issue's (default 1,10: p95 at 10× over 1×)",
    )
    parser.add_argument(
        "--reseed", action="store_true", help="seed even if the database holds that scale"
    )
    parser.add_argument(
        "--duration", type=int, default=12, help="seconds of load per page (default 12)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="open connections (default 8)")
    parser.add_argument("--pages", default="", help="only these pages (comma-separated names)")
    parser.add_argument("--no-background", action="store_true", help="skip the background timings")
    parser.add_argument(
        "--writes",
        type=float,
        default=report.TARGET_WRITES_PER_S,
        help="writes a second beside every measured run (default 5; 0 to compare)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="skip the family's home on a throttled phone"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed: `make bench` installs it (apt-get install wrk).", file=sys.stderr
        )
        return 2
    scales = [float(s) for s in args.scales.split(",")]
    if len(scales) not in (1, 2):
        print("--scales takes one or two scales, e.g. 1,10", file=sys.stderr)
        return 2
    first_env = server_env(f"{_postgres_base()}/{database_name(scales[0])}")
    results = {
        "run": {
            "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "commit": commit(),
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "workers": workers(first_env),
            "writes_per_s": args.writes,
        },
        "scales": {},
    }
    for scale in scales:
        print(f"\n== Scale {scale:g} ==")
        results["scales"][f"{scale:g}"] = measure_scale(scale, args)
    if len(scales) == 2:
        small, large = (results["scales"][f"{s:g}"] for s in scales)
        ratios = report.growth(small, large)
        results["growth"] = {
            "scales": [f"{s:g}" for s in scales],
            "p95_ratio": ratios,
        }
    if not args.no_background:
        url = f"{_postgres_base()}/{database_name(scales[0])}"
        results["background"] = background_timings(server_env(url))
    results["targets"] = report.verdicts(results)
    previous = report.save(results, RESULTS)
    text = report.render(results)
    (RESULTS / "latest.txt").write_text(text + "\n")
    print("\n" + text)
    print("\n" + report.changes(previous, results))
    print(f"\nWritten: {RESULTS / 'latest.json'} and latest.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
