"""The shared cache on Redis, which never takes a page down with it.

Everything the portal keeps in the cache can be computed again from the
database (the overview's national counts, the API's rate-limit counts,
cached_db sessions), so when Redis cannot be reached a read is a miss and a
write is skipped, with a warning in the log. After a failure the process
leaves Redis alone for ``DOWN_SECONDS`` instead of waiting on a socket
timeout in every request.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# How long a process treats Redis as down after a failed call.
DOWN_SECONDS = 10
REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError)
# Per process, by server: Django makes one cache object per thread, and every
# thread should skip a Redis that one of them found down.
_down_until = {}


def _fallback(default):
    """Run the cache call; on a Redis fault return ``default(args, kwargs)``."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < _down_until.get(self._server_key, 0.0):
                return default(args, kwargs)
            try:
                return method(self, *args, **kwargs)
            except REDIS_ERRORS as error:
                _down_until[self._server_key] = time.monotonic() + DOWN_SECONDS
                logger.warning(
                    "Cache unavailable (%s: %s); using the database for %s s",
                    type(error).__name__,
                    error,
                    DOWN_SECONDS,
                )
                return default(args, kwargs)

        return wrapper

    return decorate


def _get_default(args, kwargs):
    return kwargs.get("default", args[1] if len(args) > 1 else None)


def _missing_key(args, kwargs):
    # What incr/decr do for a key that is not there.
    raise ValueError("Key not found (cache unavailable)")


class ResilientRedisCache(RedisCache):
    """Django's Redis cache backend; a Redis fault is a miss, not an error."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._server_key = tuple(self._servers)

    get = _fallback(_get_default)(RedisCache.get)
    get_many = _fallback(lambda a, k: {})(RedisCache.get_many)
    has_key = _fallback(lambda a, k: False)(RedisCache.has_key)
    # add() answers "stored?": no, so a caller relying on it as a lock does not proceed.
    add = _fallback(lambda a, k: False)(RedisCache.add)
    set = _fallback(lambda a, k: None)(RedisCache.set)
    # set_many answers the keys it could not store: all of them.
    set_many = _fallback(lambda a, k: list(k.get("data", a[0] if a else {})))(RedisCache.set_many)
    touch = _fallback(lambda a, k: False)(RedisCache.touch)
    delete = _fallback(lambda a, k: False)(RedisCache.delete)
    delete_many = _fallback(lambda a, k: None)(RedisCache.delete_many)
    incr = _fallback(_missing_key)(RedisCache.incr)
    clear = _fallback(lambda a, k: False)(RedisCache.clear)
