"""Idempotent creates (issue 7, item 8) on the three create endpoints, and the query-key switch in a real server.

tests/core/api/test_idempotency.py holds the detailed rules on POST /assets/images
(error answers replayed, 255-character keys, keys per API key); here every
create endpoint goes through the same retries: sequential, concurrent
(PostgreSQL), across two server processes, and after the 24 hours.
The in-process test of the query-string switch is in tests/core/api/test_auth.py
(TestWhereTheKeyComesFrom); here a server process started with
API_KEY_IN_QUERY=false shows it.
"""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from assets.models import AssetImage
from categories.models import Category
from core.models import IdempotencyRecord
from core.services import api_key_create
from references.models import Reference
from tests.factories import stored_file
from tests.reliability.helpers import http, server_process
from tests.utils import API, assert_error, run_together


@dataclass(frozen=True)
class Create:
    name: str
    path: str
    body: Callable[[], dict]
    other_body: Callable[[dict], dict]
    model: type

    def count(self) -> int:
        return self.model._base_manager.count()


CREATES = [
    Create(
        "asset image",
        f"{API}/assets/images",
        lambda: {"file_key": stored_file().key, "name": "Harbour"},
        lambda body: {**body, "name": "Another"},
        AssetImage,
    ),
    Create(
        "category",
        f"{API}/categories",
        lambda: {"locales": [{"locale": "en", "name": "News"}]},
        lambda body: {"locales": [{"locale": "en", "name": "Sport"}]},
        Category,
    ),
    Create(
        "reference",
        f"{API}/references",
        lambda: {"provider": "facebook", "id": "post:1", "urn": "urn:docs:content:1"},
        lambda body: {**body, "urn": "urn:docs:content:2"},
        Reference,
    ),
]
IDS = [create.name for create in CREATES]


def post(client, create: Create, body: dict, key: str | None = "retry-key"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(create.path, body, format="json", **headers)


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes every writer on one file lock (and its test database lives in memory)")


@pytest.mark.django_db
@pytest.mark.parametrize("create", CREATES, ids=IDS)
class TestRetries:
    def test_ten_retries_give_one_entity_and_one_answer(self, api, create):
        body = create.body()
        answers = [post(api, create, body) for _ in range(10)]
        assert {a.status_code for a in answers} == {201}
        assert all(a.json() == answers[0].json() for a in answers)
        assert create.count() == 1
        assert IdempotencyRecord.objects.count() == 1

    def test_the_same_key_with_another_body_is_422(self, api, create):
        body = create.body()
        assert post(api, create, body).status_code == 201
        response = post(api, create, create.other_body(body))
        assert_error(response, 422, "Idempotency key reused with a different request")
        assert create.count() == 1

    def test_the_answer_is_in_the_database(self, api, create):
        first = post(api, create, create.body())
        record = IdempotencyRecord.objects.get()
        assert (record.status_code, record.body) == (201, first.json()["data"])

    def test_after_24_hours_the_key_no_longer_replays(self, api, create):
        body = create.body()
        first = post(api, create, body)
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
        second = post(api, create, body)
        # The request ran again: a second entity, or the conflict the first one now causes.
        assert second.status_code in (201, 409)
        assert second.json() != first.json()
        assert IdempotencyRecord.objects.count() == 1

    def test_just_under_24_hours_it_still_replays(self, api, create):
        body = create.body()
        first = post(api, create, body)
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=23, minutes=59))
        assert post(api, create, body).json() == first.json()
        assert create.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("create", CREATES, ids=IDS)
def test_concurrent_retries_make_one_entity_and_identical_answers(client_for, make_key, create):
    needs_postgresql()
    key, body, workers = make_key("admin"), create.body(), 12
    barrier = threading.Barrier(workers)
    answers: list = [None] * workers
    errors: list = []

    def worker(index: int) -> None:
        try:
            client = client_for(key)
            barrier.wait(timeout=30)
            response = post(client, create, body, key="concurrent")
            answers[index] = (response.status_code, response.json())
        except Exception as exc:  # reported below with the thread's answer missing
            errors.append(repr(exc))
        finally:
            connection.close()

    run_together(worker, workers, timeout=120)
    assert not errors
    assert {status for status, _ in answers} == {201}
    assert all(answer == answers[0] for answer in answers)
    assert create.count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_retry_on_another_server_process_replays_the_first_answer(tmp_path):
    """The record is in the database, not in a process: two gunicorn servers, local-memory caches."""
    needs_postgresql()
    _, key = api_key_create(name="idempotency", roles=["admin"])
    stored = stored_file()
    bodies = {
        "asset image": {"file_key": stored.key, "name": "Harbour"},
        "category": CREATES[1].body(),
        "reference": CREATES[2].body(),
    }
    with (
        server_process(tmp_path / "one.log") as one,
        server_process(tmp_path / "two.log") as two,
    ):
        for create in CREATES:
            headers = {"x-api-key": key, "Idempotency-Key": f"cross-{create.name}", "Content-Type": "application/json"}
            body = json.dumps(bodies[create.name]).encode()
            first = http("POST", one + create.path, headers, body)
            second = http("POST", two + create.path, headers, body)
            assert first[0] == second[0] == 201, (first, second)
            assert json.loads(first[2]) == json.loads(second[2])
            other = json.dumps(create.other_body(bodies[create.name])).encode()
            assert http("POST", two + create.path, headers, other)[0] == 422
            assert create.count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("in_query", "query_status"), [("true", 200), ("false", 401)], ids=["on", "off"])
def test_the_query_key_switch_in_a_server_process(tmp_path, in_query, query_status):
    needs_postgresql()
    _, key = api_key_create(name="switch", roles=["assets:read"])
    with server_process(tmp_path / "server.log", env={"API_KEY_IN_QUERY": in_query}) as base:
        assert http("GET", f"{base}{API}/assets/images?x-api-key={key}")[0] == query_status
        assert http("GET", f"{base}{API}/assets/images", {"x-api-key": key})[0] == 200
