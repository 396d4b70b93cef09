"""The per-key rate limit's counter, in local memory (the test settings) and in Redis (production's shared cache)."""

import threading

import pytest
from django.core.cache import caches
from django.test import override_settings

from core.throttling import APIKeyRateThrottle

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
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    ):
        yield caches["default"]
        caches["default"].clear()


class TestRedis:
    def test_one_counter_per_window_that_expires_with_it(self, redis_cache):
        limit = throttle("2/min")
        count, remaining = limit.count_request("k")
        assert count == 1
        assert 59 < remaining <= 60
        assert [limit.count_request("k")[0] for _ in range(2)] == [2, 3]
        redis_key = redis_cache.make_and_validate_key("k")
        assert 0 < redis_cache._cache.get_client(redis_key).ttl(redis_key) <= 60

    def test_concurrent_requests_lose_no_count(self, redis_cache):
        limit = throttle("1000/min")
        counts, lock = [], threading.Lock()

        def hit():
            for _ in range(25):
                count, _remaining = limit.count_request("k")
                with lock:
                    counts.append(count)

        threads = [threading.Thread(target=hit) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(counts) == list(range(1, 101))

    @pytest.mark.django_db
    def test_third_request_in_a_minute_is_429(self, redis_cache, api, monkeypatch):
        monkeypatch.setattr(APIKeyRateThrottle, "THROTTLE_RATES", {"api_key": "2/min"})
        assert [api.get("/api/core/v2/categories").status_code for _ in range(3)] == [200, 200, 429]
