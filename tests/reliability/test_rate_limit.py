"""Rate limiting (issue 7, item 7): per key, 429 with Retry-After, held across processes by a shared cache.

DRF reads DEFAULT_THROTTLE_RATES once, into the throttle class, when it is
imported: a test changes the limit on the class (`THROTTLE_RATES`), not in
settings. A server process reads API_RATE_LIMIT at start, as in production.
"""

import os
import subprocess
import sys
import uuid

import pytest
from django.db import connection

from core.api.throttling import APIKeyRateThrottle
from core.services import api_key_create
from tests.reliability.helpers import ROOT, http, server_process
from tests.utils import API

LIST = f"{API}/assets/images"
LOOKUP = f"{API}/references/lookup"
TOO_MANY = {"error": "Too many requests"}
# A Redis database of its own: the suite's cache.clear() empties the database it uses.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def redis_or_skip():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (set TEST_REDIS_URL); the shared-cache tests need it")
    return client


@pytest.fixture
def limit(monkeypatch):
    """limit("3/min") sets the per-key rate for this test."""

    def set_rate(rate: str) -> None:
        monkeypatch.setattr(APIKeyRateThrottle, "THROTTLE_RATES", {APIKeyRateThrottle.scope: rate})

    return set_rate


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert response.json() == TOO_MANY
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.django_db
class TestPerKeyLimit:
    def test_the_request_past_the_limit_is_429_with_retry_after(self, client_for, make_key, limit):
        limit("3/min")
        client = client_for(make_key("assets:read"))
        assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 200]
        assert_throttled(client.get(LIST))

    def test_every_endpoint_counts_towards_one_limit(self, client_for, make_key, limit):
        limit("2/min")
        client = client_for(make_key("admin"))
        assert client.get(LIST).status_code == 200
        assert client.post(LOOKUP, {"refs": ["a:b"]}, format="json").status_code == 200
        assert_throttled(client.get(f"{API}/categories"))
        assert_throttled(client.post(LOOKUP, {"refs": ["a:b"]}, format="json"))

    def test_one_key_at_its_limit_does_not_slow_another(self, client_for, make_key, limit):
        limit("2/min")
        first, second = client_for(make_key("assets:read")), client_for(make_key("assets:read"))
        first.get(LIST), first.get(LIST)
        assert_throttled(first.get(LIST))
        assert [second.get(LIST).status_code for _ in range(2)] == [200, 200]
        assert_throttled(second.get(LIST))

    def test_a_key_in_the_query_string_counts_the_same(self, client_for, make_key, limit):
        limit("2/min")
        key = make_key("assets:read")
        assert client_for(key).get(LIST).status_code == 200
        assert client_for().get(LIST, {"x-api-key": key}).status_code == 200
        assert_throttled(client_for().get(LIST, {"x-api-key": key}))

    def test_a_throttled_write_changes_nothing(self, client_for, make_key, limit):
        from categories.models import Category

        limit("1/min")
        client = client_for(make_key("categories:write"))
        body = {"locales": [{"locale": "en", "name": "News"}]}
        assert client.post(f"{API}/categories", body, format="json").status_code == 201
        assert_throttled(client.post(f"{API}/categories", body, format="json"))
        assert Category.all_objects.count() == 1

    def test_no_key_is_a_401_not_a_429(self, client_for, limit):
        limit("1/min")
        assert [client_for().get(LIST).status_code for _ in range(3)] == [401, 401, 401]

    def test_the_rate_is_read_from_api_rate_limit(self):
        code = "from django.conf import settings as s; print(s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['api_key'])"
        env = {"PATH": os.environ.get("PATH", ""), "LOCAL_ENV_FILE": "", "SECRET_KEY": "x", "API_RATE_LIMIT": "7/s"}
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='backoffice.settings'; "
                f"django.setup(); {code}",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.strip() == "7/s", result.stderr


@pytest.fixture
def redis_cache(settings):
    """Django's default cache on Redis for this test (the CACHE_URL=redis://... setting)."""
    client = redis_or_skip()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    yield client
    client.flushdb()


@pytest.mark.django_db
def test_the_counter_lives_in_the_shared_cache(client_for, make_key, limit, redis_cache):
    """Two requests here; another process, on the same Redis, counts on from there."""
    limit("3/min")
    key = make_key("assets:read")
    client = client_for(key)
    assert [client.get(LIST).status_code for _ in range(2)] == [200, 200]
    # The other process runs the throttle itself (it cannot reach this test's database to authenticate).
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'backoffice.settings'; django.setup(); "
        "from types import SimpleNamespace; from core.api.throttling import APIKeyRateThrottle as T; "
        "T.THROTTLE_RATES = {'api_key': '3/min'}; "
        f"request = SimpleNamespace(auth=SimpleNamespace(prefix={key.split('.')[0]!r})); "
        "print([T().allow_request(request, None) for _ in range(2)])"
    )
    env = {"PATH": os.environ.get("PATH", ""), "LOCAL_ENV_FILE": "", "SECRET_KEY": "x", "CACHE_URL": REDIS_URL}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    # Its first request is the key's third (allowed), its second the fourth (refused).
    assert result.stdout.strip() == "[True, False]", result.stderr
    # And back here the key is over its limit too.
    assert_throttled(client.get(LIST))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("cache_url", "shared"), [(REDIS_URL, True), ("", False)], ids=["redis", "local-memory"])
def test_two_gunicorn_processes_share_the_limit_through_redis(tmp_path, cache_url, shared):
    """Two servers, requests alternating between them: with Redis the 4/min limit holds for the pair."""
    if connection.vendor != "postgresql":
        pytest.skip("Server processes need the PostgreSQL test database (SQLite's lives in this process's memory)")
    redis_or_skip()
    _, key = api_key_create(name=f"rate-{uuid.uuid4().hex[:6]}", roles=["assets:read"])
    env = {"API_RATE_LIMIT": "4/min", "CACHE_URL": cache_url}
    with (
        server_process(tmp_path / "one.log", env=env) as one,
        server_process(tmp_path / "two.log", env=env) as two,
    ):
        statuses = [http("GET", f"{base}{LIST}", {"x-api-key": key})[0] for base in [one, two] * 4]
    if shared:
        assert statuses == [200, 200, 200, 200, 429, 429, 429, 429]
    else:
        # The control: each process counts alone, so the pair lets twice the limit through.
        assert statuses == [200] * 8
