"""gunicorn for the portal. Sized for the practice's machine: override with
WEB_CONCURRENCY / GUNICORN_* variables."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: the pages are short database-bound requests. 2 x cores + 1 keeps
# both cores busy while some workers wait on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak can never take the site down.
max_requests = 2000
max_requests_jitter = 200
# Load the portal once in the master and fork workers from it: a recycled
# worker is back in milliseconds instead of spending a second of CPU on
# importing Django while the others carry its share (no connection is opened
# at import: Django connects on a worker's first query).
preload_app = True
# Logs go to stdout as JSON lines via Django's logging; gunicorn's own access
# log would repeat them without the request id.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
