"""The shared cache, which keeps the portal open when Redis is not.

The default cache holds counters every web process must share: allauth's
log-in, password-reset and two-factor rate limits. If Redis stops, Django's
Redis cache raises on every call, and no one could log in until it came back.
Counting nothing for a while is the lesser harm: django-axes still locks an
account out from the database, and /readyz/ reports Redis as failed so that
someone is told. Each failed call is logged."""

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _as_empty(method: str, answer):
    """Wrap RedisCache.<method> to give `answer(args, kwargs)` while Redis is down."""
    original = getattr(RedisCache, method)

    @wraps(original)
    def call(self, *args, **kwargs):
        try:
            return original(self, *args, **kwargs)
        except RedisError as error:
            logger.warning("cache %s skipped, Redis is unavailable: %s", method, error)
            return answer(args, kwargs)

    return call


def _default(args, kwargs):
    return kwargs.get("default", args[1] if len(args) > 1 else None)


class SharedCache(RedisCache):
    """Django's Redis cache answering as an empty cache while Redis is down:
    nothing is found, every write is dropped, and `add` succeeds (allauth
    waits in a loop for `add` to take its lock)."""

    get = _as_empty("get", _default)
    get_many = _as_empty("get_many", lambda args, kwargs: {})
    has_key = _as_empty("has_key", lambda args, kwargs: False)
    add = _as_empty("add", lambda args, kwargs: True)
    set = _as_empty("set", lambda args, kwargs: None)
    set_many = _as_empty("set_many", lambda args, kwargs: [])
    touch = _as_empty("touch", lambda args, kwargs: False)
    delete = _as_empty("delete", lambda args, kwargs: False)
    delete_many = _as_empty("delete_many", lambda args, kwargs: None)
    incr = _as_empty("incr", lambda args, kwargs: kwargs.get("delta", 1))
    clear = _as_empty("clear", lambda args, kwargs: None)
