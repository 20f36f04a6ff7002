"""Remembered rendering of template fragments.

Most of a busy page's time is spent rendering the same HTML again: the same
caseload row, the same goal's chart, the same week of a therapist's diary.
A fragment here is a pure function of the plain values it is given, so it
is remembered under a digest of exactly those values (and of the templates
and template tags of this release). Nothing has to be invalidated: when a
rating, a booking or a note changes, the values a page reads from the
database change, the digest changes, and the fragment is rendered afresh.

The rules that make this safe, enforced below:
- a fragment's context holds plain values only (None, bool, int, float,
  str, Decimal, date, time, datetime, timedelta, and tuples, lists and
  dicts of them). A model instance, a lazy string or a queryset is turned
  away with TypeError: the digest must see everything the HTML can show;
- a fragment gets no request, user or context processors: what it shows
  of the viewer (their role, what they may do) is passed in as values;
- time-relative words ("3 days ago", "this week") need `today` or `now`
  in the context like any other value;
- a form in a fragment renders `{% csrf_token %}` as a placeholder that is
  replaced by this request's token after the fragment is fetched.
"""

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import engines
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

# What `{% csrf_token %}` renders inside a fragment, swapped for the real
# token of each request on the way out.
CSRF_PLACEHOLDER = "fragment-csrf-token-placeholder"
CACHE_ALIAS = "fragments"
# A fragment not asked for in a day makes room for others.
TIMEOUT_SECONDS = 24 * 60 * 60

_SCALARS = (str, int, float, Decimal, date, time, datetime, timedelta, bool, type(None))
_EXACT_SCALARS = frozenset(_SCALARS)


def _write(out: list[str], value) -> None:
    # Type names go into the digest too: 1, 1.0, True and "1" are different
    # values to a template.
    kind = type(value)
    if kind in _EXACT_SCALARS or isinstance(value, _SCALARS):
        out.append(f"{kind.__name__}:{value!r};")
    elif isinstance(value, Mapping):
        out.append("{")
        for key in sorted(value):
            if not isinstance(key, str):
                raise TypeError(f"fragment context keys must be strings, not {key!r}")
            out.append(f"{key}=")
            _write(out, value[key])
        out.append("}")
    elif kind is list or kind is tuple or isinstance(value, list | tuple):
        out.append("[" if isinstance(value, list) else "(")
        for item in value:
            _write(out, item)
        out.append("]")
    else:
        raise TypeError(
            f"a fragment's context holds plain values only, not {kind.__name__}: "
            "pass the fields the template shows"
        )


@cache
def release_digest() -> str:
    """The templates and template tags this process renders with: a fragment
    of an earlier release is never served by a later one."""
    hasher = hashlib.blake2b(digest_size=8)
    hasher.update(f"{settings.LANGUAGE_CODE}|{settings.TIME_ZONE}|".encode())
    folders: set[Path] = set()
    for engine in engines.all():
        folders.update(Path(d) for d in engine.template_dirs)
    for name in settings.INSTALLED_APPS:
        module_dir = _app_dir(name)
        if module_dir is not None:
            folders.add(module_dir / "templatetags")
    for folder in sorted(folders):
        if not folder.is_dir() or "site-packages" in folder.parts:
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix in {".html", ".txt", ".svg", ".py"} and path.is_file():
                hasher.update(str(path.relative_to(folder)).encode())
                hasher.update(path.read_bytes())
    return hasher.hexdigest()


def _app_dir(name: str) -> Path | None:
    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name == name:
            return Path(config.path)
    return None


def digest(template_name: str, context: Mapping) -> str:
    out = [release_digest(), "|", template_name, "|"]
    _write(out, context)
    hashed = hashlib.blake2b("".join(out).encode(), digest_size=16).hexdigest()
    return f"fragment:{hashed}"


def _render(template_name: str, context: Mapping) -> str:
    return get_template(template_name).render({**context, "csrf_token": CSRF_PLACEHOLDER})


def _with_token(html: str, request: HttpRequest | None, tokens: list[str]) -> SafeString:
    if CSRF_PLACEHOLDER in html:
        if request is None:
            raise ValueError("a fragment with a form needs the request for its CSRF token")
        # One masked token for all the forms, as a page rendered whole has:
        # masking afresh for each of many rows cost more than the rows.
        if not tokens:
            tokens.append(get_token(request))
        html = html.replace(CSRF_PLACEHOLDER, tokens[0])
    return mark_safe(html)  # noqa: S308 - rendered by our own template, autoescaped


def render_each(
    template_name: str,
    contexts: Sequence[Mapping],
    *,
    request: HttpRequest | None = None,
) -> list[SafeString]:
    """One fragment per context, in order: one cache round trip for all of
    them, and one more to keep those that had to be rendered."""
    if not contexts:
        return []
    keys = [digest(template_name, context) for context in contexts]
    store = caches[CACHE_ALIAS]
    try:
        found = store.get_many(keys)
    except Exception:  # a cache that is down costs speed, never the page
        logger.warning("fragment cache unavailable: rendering", exc_info=True)
        store, found = None, {}
    fresh = {}
    for key, context in zip(keys, contexts, strict=True):
        if key not in found:
            fresh[key] = found[key] = _render(template_name, context)
    if fresh and store is not None:
        try:
            store.set_many(fresh, timeout=TIMEOUT_SECONDS)
        except Exception:
            logger.warning("fragment cache unavailable: not kept", exc_info=True)
    tokens: list[str] = []
    return [_with_token(found[key], request, tokens) for key in keys]


def render_one(
    template_name: str, context: Mapping, *, request: HttpRequest | None = None
) -> SafeString:
    return render_each(template_name, [context], request=request)[0]


def joined(fragments: Iterable[str]) -> SafeString:
    return mark_safe("".join(fragments))  # noqa: S308 - each part is a rendered fragment
