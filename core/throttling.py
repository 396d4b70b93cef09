"""Per-key rate limits (contract §2, 429 with Retry-After).

A counter per key and window over Django's cache; the window opens with the
key's first request and lasts the rate's period. With a shared Redis cache
(CACHE_URL=redis://...) the limit holds across server processes, and a
request costs one round trip: a Lua script that creates the counter with its
expiry if missing, increments it and reads its time to live, atomically, so
concurrent requests never lose a count. DRF's SimpleRateThrottle
keeps a list of timestamps instead, read and written whole on every request:
two round trips, a payload that grows with the rate, and lost counts between
concurrent requests (docs/performance.md). A key gets at most the limit within
a window, so at most twice the limit over a period that spans two windows.
"""

import math
import weakref

from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import SimpleRateThrottle

# Redis runs a script atomically: no request slips between the creation and the increment.
_COUNT_SCRIPT = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
local count = redis.call('INCR', KEYS[1])
return {count, redis.call('PTTL', KEYS[1])}
"""
_count_script = None
# One Redis client per connection pool: Django's RedisCache builds a new client for every call,
# which cost as much CPU as the round trip itself (it fills a table of 169 response callbacks).
_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class APIKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"
    cache_format = "throttle:v2:%(scope)s:%(ident)s"

    def get_cache_key(self, request, view):
        api_key = request.auth
        if api_key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": api_key.prefix}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        count, self.remaining = self.count_request(self.key)
        return count <= self.num_requests

    def wait(self) -> float:
        return self.remaining

    def count_request(self, key: str) -> tuple[int, float]:
        """(requests in the current window, this one included; seconds until the window closes)."""
        # DRF's `cache` is Django's proxy to the default cache; the Redis path needs the backend itself.
        backend = caches["default"] if self.cache is default_cache else self.cache
        if isinstance(backend, RedisCache):
            return self._count_in_redis(backend, key)
        now = self.timer()
        start, count = self.cache.get(key) or (now, 0)
        if now - start >= self.duration:
            start, count = now, 0
        remaining = start + self.duration - now
        self.cache.set(key, (start, count + 1), math.ceil(remaining))
        return count + 1, remaining

    def _count_in_redis(self, backend: RedisCache, key: str) -> tuple[int, float]:
        global _count_script
        redis_key = backend.make_and_validate_key(key)
        # Django's RedisCache has no atomic "increment or create with expiry": use its Redis client.
        pool = backend._cache._get_connection_pool(write=True)
        client = _clients.get(pool)
        if client is None:
            client = _clients[pool] = backend._cache.get_client(redis_key, write=True)
        if _count_script is None:
            _count_script = client.register_script(_COUNT_SCRIPT)  # run by its SHA1, loaded when missing
        count, ttl_ms = _count_script(keys=[redis_key], args=[self.duration], client=client)
        return count, max(ttl_ms, 0) / 1000
