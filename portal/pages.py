"""Remembered pages: a busy page's whole response, kept for its viewer until
anything it read changes.

A page a parent or therapist opens again (the home page after every form, the
caseload between sessions, the diary all day at the front desk) is served from
the cache without a query beyond one read of the revisions (portal.revisions)
while none of the tables its last rendering read has been written since.

What makes it safe:
- the key holds everything else a page may depend on: the view, the path and
  its query, the viewer, their CSRF secret (a kept form's token stays theirs),
  the local date and time zone, the release's templates and template tags
  (fragments.release_digest), and a time bucket of PAGE_CACHE_SECONDS, so
  words such as "in 2 hours", or a page drawn by the previous release's
  views, are never older than that;
- the tables come from the SQL the rendering ran, not from a list someone
  keeps: a new query is covered the day it is written;
- a rendering is not kept when it wrote anything (its writes would be skipped
  next time), read a table without a revision, answered anything but 200,
  set a cookie, left a message for the next page, ran inside a transaction,
  or ran while a write elsewhere was open (revisions.quiet);
- a request with a message waiting (a flash after a form) is always rendered:
  the message is shown once.

Work a page must do on every view, such as recording that a clinical record
was seen, belongs outside the remembered function (see sessions_app.views).
"""

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from portal import fragments, revisions

logger = logging.getLogger(__name__)

CACHE_ALIAS = fragments.CACHE_ALIAS
# Read before every view (by the authentication middleware), so never seen in
# the SQL a rendering runs; every page shows something of its viewer.
ALWAYS_READ = frozenset({"accounts_user"})
_READ_STATEMENTS = frozenset({"SELECT", "WITH", "SAVEPOINT", "RELEASE", "ROLLBACK"})
_FIRST_WORD = re.compile(r"[\s(]*([A-Za-z]+)")


@dataclass(frozen=True)
class Kept:
    revisions: dict[str, int | None]
    headers: tuple[tuple[str, str], ...]
    content: bytes
    has_form: bool

    def response(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(self.content)
        for name, value in self.headers:
            response.headers[name] = value
        if self.has_form:
            # As rendering the form would: the CSRF cookie is sent again.
            get_token(request)
        return response


class _Reads:
    """The tables a rendering's statements named, and whether any wrote."""

    def __init__(self) -> None:
        self.tables: set[str] = set(ALWAYS_READ)
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        first = _FIRST_WORD.match(sql)
        verb = first.group(1).upper() if first else ""
        if verb not in _READ_STATEMENTS or "FOR UPDATE" in sql.upper():
            self.wrote = True
        self.tables |= revisions.tables_in(sql)
        return execute(sql, params, many, context)


def seconds() -> int:
    return settings.PAGE_CACHE_SECONDS


def _key(request: HttpRequest, view: Callable, csrf_secret: str) -> str:
    now = timezone.now()
    parts = (
        fragments.release_digest(),
        f"{view.__module__}.{view.__qualname__}",
        request.get_full_path(),
        str(request.user.pk),
        csrf_secret,
        timezone.get_current_timezone_name(),
        timezone.localdate(now).isoformat(),
        str(int(now.timestamp()) // seconds()),
        translation.get_language() or "",
    )
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f"page:{digest}"


def _rememberable(request: HttpRequest) -> str | None:
    """The CSRF secret to key the page by, or None when this request must be
    rendered afresh."""
    if seconds() <= 0 or request.method != "GET" or not request.user.is_authenticated:
        return None
    # Inside a transaction (ATOMIC_REQUESTS, a test's) what the page reads may
    # yet be rolled back: rendered afresh, never kept.
    if connection.in_atomic_block:
        return None
    if len(get_messages(request)):
        return None
    # "": no CSRF cookie yet. A page with a form then makes a new secret,
    # and is not kept (see `wrapped`); one without a form is.
    return request.META.get("CSRF_COOKIE", "")


def _fetch(key: str):
    try:
        return caches[CACHE_ALIAS].get(key)
    except Exception:  # a cache that is down costs speed, never the page
        logger.warning("page cache unavailable: rendering", exc_info=True)
        return None


def _keep(key: str, kept: Kept) -> None:
    try:
        caches[CACHE_ALIAS].set(key, kept, timeout=seconds())
    except Exception:
        logger.warning("page cache unavailable: not kept", exc_info=True)


def remembered(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve `view`'s response again while nothing it read has changed. Put it
    below the decorators that check who may see the page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        csrf_secret = _rememberable(request)
        if csrf_secret is None:
            return view(request, *args, **kwargs)
        key = _key(request, view, csrf_secret)
        try:
            now = revisions.current()
        except DatabaseError:
            # A database not migrated since the revisions came: never the page's loss.
            logger.warning("table revisions unreadable (run migrate): rendering", exc_info=True)
            return view(request, *args, **kwargs)
        kept = _fetch(key)
        if kept is not None and all(now.get(t) == n for t, n in kept.revisions.items()):
            return kept.response(request)
        quiet = revisions.quiet()
        reads = _Reads()
        with connection.execute_wrapper(reads):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
        if (
            quiet
            and not reads.wrote
            and reads.tables <= set(now)
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
            # A form made the visitor's first CSRF secret: not the key's.
            and request.META.get("CSRF_COOKIE", "") == csrf_secret
            # A message the view left for the next page would not be left again.
            and not len(get_messages(request))
        ):
            has_form = request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False)
            _keep(
                key,
                Kept(
                    revisions={table: now[table] for table in sorted(reads.tables)},
                    headers=tuple(response.headers.items()),
                    content=response.content,
                    has_form=bool(has_form),
                ),
            )
        return response

    return wrapped
