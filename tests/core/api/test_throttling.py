"""The per-key rate limit's counter, in local memory (the test settings) and in Redis (production's shared cache)."""

import threading

import pytest
from django.core.cache import caches
from django.test import override_settings

from core.api import throttling
from core.api.throttling import APIKeyRateThrottle
from tests.utils import assert_error

REDIS_URL = "redis://127.0.0.1:6379/9"


def throttle(rate: str) -> APIKeyRateThrottle:
    instance = APIKeyRateThrottle.__new__(APIKeyRateThrottle)
    instance.rate = rate
    instance.num_requests, instance.duration = instance.parse_rate(rate)
    return instance


class TestLocalMemory:
    def test_counts_within_the_window_then_opens_a_new_one(self, monkeypatch):
        clock = [1000.0]
        monkeypatch.setattr(APIKeyRateThrottle, "timer", lambda self: clock[0])
        limit = throttle("2/min")
        assert limit.count_request("k") == (1, 60.0)
        clock[0] += 15
        assert limit.count_request("k") == (2, 45.0)
        assert limit.count_request("k") == (3, 45.0)
        clock[0] += 45
        assert limit.count_request("k") == (1, 60.0)


def _redis_or_skip():
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server at " + REDIS_URL)


@pytest.fixture
def redis_cache():
    _redis_or_skip()
    throttling._leases.clear()  # leases outlive Redis' flush otherwise: one window per test
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    ):
        yield caches["default"]
        caches["default"].clear()


class _Key:
    prefix = "benchkey"


class _Request:
    auth = _Key()


def allowed(limit: APIKeyRateThrottle) -> bool:
    return limit.allow_request(_Request(), None)


class TestRedis:
    def counter(self, redis_cache, limit: APIKeyRateThrottle) -> tuple[int, int]:
        """(shared count, seconds to live) of the key's window in Redis."""
        redis_key = redis_cache.make_and_validate_key(limit.get_cache_key(_Request(), None))
        client = redis_cache._cache.get_client(redis_key)
        return int(client.get(redis_key)), client.ttl(redis_key)

    def test_the_third_request_of_two_a_minute_is_refused_until_the_window_closes(self, redis_cache):
        limit = throttle("2/min")
        assert [allowed(limit) for _ in range(3)] == [True, True, False]
        assert 59 < limit.wait() <= 60
        count, ttl = self.counter(redis_cache, limit)
        assert count == 3
        assert 0 < ttl <= 60

    def test_a_process_takes_a_lease_of_a_hundredth_of_the_limit(self, redis_cache):
        limit = throttle("1000/min")
        assert all(allowed(limit) for _ in range(15))
        # Ten requests per round trip: two leases taken for fifteen requests.
        assert self.counter(redis_cache, limit)[0] == 20

    @pytest.mark.parametrize(("rate", "fewest"), [("150/min", 150), ("1000/min", 1000 - 4 * 10)])
    def test_concurrent_requests_never_pass_the_limit(self, redis_cache, rate, fewest):
        limit = throttle(rate)
        results, lock = [], threading.Lock()

        def hit():
            for _ in range(300):
                ok = throttle(rate).allow_request(_Request(), None)
                with lock:
                    results.append(ok)

        threads = [threading.Thread(target=hit) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Never more than the limit; fewer only by leases that two threads took at once.
        assert fewest <= sum(results) <= limit.num_requests

    @pytest.mark.django_db
    def test_third_request_in_a_minute_is_429(self, redis_cache, api, monkeypatch):
        monkeypatch.setattr(APIKeyRateThrottle, "THROTTLE_RATES", {"api_key": "2/min"})
        assert [api.get("/api/core/v2/categories").status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.django_db
class TestFailedAuthentications:
    """Failed authentications are limited per client address (issue 16, item 8)."""

    @pytest.fixture(autouse=True)
    def _limit(self, settings):
        settings.BACKOFFICE_AUTH_FAILURE_RATE = "3/min"
        throttling.forget_auth_failures()
        yield
        throttling.forget_auth_failures()

    def _get(self, client_for, key, address="203.0.113.7"):
        from tests.utils import API

        return client_for(key).get(f"{API}/assets/images", REMOTE_ADDR=address)

    def test_past_the_limit_the_address_gets_429_with_retry_after(self, client_for, admin_key):
        for attempt in range(3):
            assert self._get(client_for, f"wrong{attempt}.guess").status_code == 401
        response = self._get(client_for, "wrong4.guess")
        assert_error(response, 429, "Too many requests")
        assert 1 <= int(response["Retry-After"]) <= 60
        # Even the right key: guessing must not go on from a blocked address.
        assert self._get(client_for, admin_key).status_code == 429

    def test_other_addresses_and_good_keys_are_not_affected(self, client_for, admin_key):
        for attempt in range(4):
            self._get(client_for, f"wrong{attempt}.guess")
        assert self._get(client_for, admin_key, address="198.51.100.1").status_code == 200
        assert self._get(client_for, "wrong.guess", address="198.51.100.1").status_code == 401

    def test_successes_do_not_count(self, client_for, admin_key):
        for _ in range(10):
            assert self._get(client_for, admin_key).status_code == 200
        assert self._get(client_for, "wrong.guess").status_code == 401

    def test_no_key_is_not_a_failed_guess(self, client_for, admin_key):
        for _ in range(5):
            assert self._get(client_for, None).status_code == 401
        assert self._get(client_for, admin_key).status_code == 200

    def test_the_window_ends(self, client_for, admin_key, monkeypatch):
        clock = [1000.0]
        monkeypatch.setattr(throttling.time, "time", lambda: clock[0])
        for attempt in range(4):
            self._get(client_for, f"wrong{attempt}.guess")
        assert self._get(client_for, admin_key).status_code == 429
        clock[0] += 61
        assert self._get(client_for, admin_key).status_code == 200
