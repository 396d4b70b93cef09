"""Per-key rate limits (contract §2, 429 with Retry-After).

A counter per key and window over Django's cache; the window opens with the
key's first request and lasts the rate's period. A key gets at most the limit
within a window, so at most twice the limit over a period that spans two.

With a shared Redis cache (CACHE_URL=redis://...) the limit holds across
server processes. A process takes its requests from the shared counter in
leases of 1/100 of the limit (one at a time below 100 per period): a Lua script
creates the counter with its expiry if missing, adds the lease and reads its
time to live, atomically, so concurrent processes never lose a count; the
lease is then spent in memory, with no round trip, until it runs out or the
window closes. Leases never let a key past its limit; what a process leaves
unspent when the window closes may refuse a key slightly early (at most a
lease per other process). DRF's SimpleRateThrottle keeps a list of timestamps
instead, read and written whole on every request: two round trips, a payload
that grows with the rate, and lost counts between concurrent processes
(docs/performance.md).
"""

import math
import threading
import time
import weakref

from django.conf import settings
from django.core.cache import cache as default_cache
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

# Redis runs a script atomically: no request slips between the creation and the increment.
_COUNT_SCRIPT = """
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
local count = redis.call('INCRBY', KEYS[1], ARGV[2])
return {count, redis.call('PTTL', KEYS[1])}
"""
_count_script = None
# One Redis client per connection pool: Django's RedisCache builds a new client for every call,
# which cost as much CPU as the round trip itself (it fills a table of 169 response callbacks).
_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
LEASE_SHARE = 100
# This process's leases: cache key → [wall time the window closes, requests left].
_leases: dict[str, list] = {}
_leases_lock = threading.Lock()


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
        # DRF's `cache` is Django's proxy to the default cache; the Redis path needs the backend itself.
        backend = caches["default"] if self.cache is default_cache else self.cache
        if isinstance(backend, RedisCache):
            allowed, self.remaining = self._take_from_lease(backend, self.key)
            return allowed
        count, self.remaining = self.count_request(self.key)
        return count <= self.num_requests

    def wait(self) -> float:
        return self.remaining

    def count_request(self, key: str) -> tuple[int, float]:
        """(requests in the current window, this one included; seconds until the window closes)."""
        now = self.timer()
        start, count = self.cache.get(key) or (now, 0)
        if now - start >= self.duration:
            start, count = now, 0
        remaining = start + self.duration - now
        self.cache.set(key, (start, count + 1), math.ceil(remaining))
        return count + 1, remaining

    def _take_from_lease(self, backend: RedisCache, key: str) -> tuple[bool, float]:
        """(allowed, seconds until the window closes), from this process's lease when it has one."""
        now = self.timer()
        with _leases_lock:
            lease = _leases.get(key)
            if lease is not None and lease[0] > now and lease[1] > 0:
                lease[1] -= 1
                return True, lease[0] - now
        size = max(1, self.num_requests // LEASE_SHARE)
        count, remaining = self._count_in_redis(backend, key, size)
        # Of the `size` requests just counted, those that fit under the limit.
        granted = min(size, self.num_requests - (count - size))
        if granted < 1:
            return False, remaining
        with _leases_lock:
            if len(_leases) > 10_000:
                _leases.clear()
            _leases[key] = [now + remaining, granted - 1]
        return True, remaining

    def _count_in_redis(self, backend: RedisCache, key: str, size: int) -> tuple[int, float]:
        """Add `size` to the shared counter: (its new value, seconds until the window closes)."""
        global _count_script
        redis_key = backend.make_and_validate_key(key)
        # Django's RedisCache has no atomic "increment or create with expiry": use its Redis client.
        pool = backend._cache._get_connection_pool(write=True)
        client = _clients.get(pool)
        if client is None:
            client = _clients[pool] = backend._cache.get_client(redis_key, write=True)
        if _count_script is None:
            _count_script = client.register_script(_COUNT_SCRIPT)  # run by its SHA1, loaded when missing
        count, ttl_ms = _count_script(keys=[redis_key], args=[self.duration, size], client=client)
        return count, max(ttl_ms, 0) / 1000


# --- Failed authentications per client address ---------------------------------
#
# A client sending wrong keys is guessing: past BACKOFFICE_AUTH_FAILURE_RATE failures
# within a window, every request carrying a key from its address answers 429 (with
# Retry-After) before the key is looked at, the right key included, until the window
# closes. The count is shared through the cache (Redis in production), and is read
# only for addresses that failed in this process during the window: a request from an
# address this process has not seen failing costs no round trip. An address can thus
# make one more guess per server process than the limit before it is stopped.
# A missing key is no guess and does not count.

_failed_here: dict[str, float] = {}  # address → wall time its window (as seen here) closes
_FAILED_HERE_MAX = 10_000


def _failure_rate() -> tuple[int, int]:
    return SimpleRateThrottle.parse_rate(None, settings.BACKOFFICE_AUTH_FAILURE_RATE)


def _failure_keys(request) -> tuple[str, str]:
    # DRF's client address: REMOTE_ADDR, or X-Forwarded-For as far as NUM_PROXIES trusts it.
    ident = BaseThrottle().get_ident(request)
    return f"authfail:v1:{ident}", f"authfail:v1:{ident}:start"


def auth_failure_wait(request) -> float | None:
    """Seconds the client must wait when its address is over the failure limit, else None."""
    if not _failed_here:
        return None
    ident_key, start_key = _failure_keys(request)
    now = time.time()
    closes = _failed_here.get(ident_key)
    if closes is None or closes <= now:
        return None
    limit, duration = _failure_rate()
    values = default_cache.get_many([ident_key, start_key])
    start = values.get(start_key)
    if start is None or now - start >= duration or values.get(ident_key, 0) < limit:
        return None
    return start + duration - now


def auth_failure_record(request) -> None:
    ident_key, start_key = _failure_keys(request)
    limit, duration = _failure_rate()
    now = time.time()
    start = default_cache.get(start_key)
    if start is None or now - start >= duration:
        # A new window; `add` keeps the first writer's start when processes race.
        default_cache.set_many({start_key: now, ident_key: 0}, duration)
        start = now
    try:
        default_cache.incr(ident_key)
    except ValueError:  # expired in between
        default_cache.add(ident_key, 1, duration)
    if len(_failed_here) >= _FAILED_HERE_MAX:
        _failed_here.clear()
    _failed_here[ident_key] = start + duration


def forget_auth_failures() -> None:
    """This process's memory of failing addresses (tests; the shared counts expire by themselves)."""
    _failed_here.clear()
