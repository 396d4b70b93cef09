"""`Idempotency-Key` on creates (contract §2), exercised on POST /assets/images."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from assets.models import AssetImage
from core.models import IdempotencyRecord
from tests.factories import stored_file
from tests.utils import API, assert_error, image_bytes, run_together

LIST = f"{API}/assets/images"


def create(client, body: dict, key: str | None = "retry-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(LIST, body, format="json", **headers)


@pytest.fixture
def body(db) -> dict:
    return {"file_key": stored_file().key, "name": "Harbour at dawn", "locales": [{"locale": "en", "credit": "A"}]}


@pytest.mark.django_db
class TestRetries:
    def test_same_key_twice_gives_the_same_answer_and_one_image(self, api, body):
        first = create(api, body)
        second = create(api, body)
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert AssetImage.all_objects.count() == 1

    def test_without_a_key_a_retry_is_a_conflict(self, api, body):
        assert create(api, body, key=None).status_code == 201
        assert create(api, body, key=None).status_code == 409

    def test_other_keys_are_other_requests(self, api, body):
        assert create(api, body, key="a").status_code == 201
        assert create(api, body, key="b").status_code == 409

    def test_same_key_with_a_different_body_is_422(self, api, body):
        assert create(api, body).status_code == 201
        response = create(api, {**body, "name": "Another name"})
        assert_error(response, 422, "Idempotency key reused with a different request")
        assert AssetImage.all_objects.count() == 1

    def test_same_key_from_another_api_key_is_independent(self, api, client_for, make_key, body):
        assert create(api, body).status_code == 201
        other = client_for(make_key("assets:write", "assets:read"))
        # Not a replay of the first answer: this key's own request runs (and conflicts).
        response = create(other, body)
        assert response.status_code == 409
        assert response.json()["details"]["existing_id"]

    def test_key_over_255_characters_is_400(self, api, body):
        response = create(api, body, key="k" * 256)
        assert response.status_code == 400
        assert response.json()["error"] == "Bad Request"
        assert "Idempotency-Key" in response.json()["details"]
        assert AssetImage.all_objects.count() == 0

    def test_key_of_255_characters_is_fine(self, api, body):
        assert create(api, body, key="k" * 255).status_code == 201

    def test_empty_key_is_400(self, api, body):
        assert create(api, body, key="").status_code == 400


@pytest.mark.django_db
class TestErrorAnswersAreReplayed:
    def test_a_first_400_from_the_service_is_replayed(self, api):
        body = {"file_key": "images/not/uploaded.png", "name": "n"}
        first = create(api, body)
        assert first.status_code == 400
        second = create(api, body)
        assert (second.status_code, second.json()) == (first.status_code, first.json())

    def test_a_first_validation_400_is_replayed(self, api):
        body = {"file_key": "k"}  # name missing
        first = create(api, body)
        assert first.status_code == 400
        second = create(api, body)
        assert (second.status_code, second.json()) == (400, first.json())
        assert IdempotencyRecord.objects.get().status_code == 400

    def test_a_first_validation_400_then_another_body_is_422(self, api, body):
        assert create(api, {"file_key": body["file_key"]}).status_code == 400
        response = create(api, body)
        assert response.status_code == 422
        assert AssetImage.all_objects.count() == 0

    def test_a_first_409_is_replayed_even_once_the_conflict_is_gone(self, api, body):
        existing = create(api, body, key=None).json()["data"]
        first = create(api, body)
        assert first.status_code == 409
        api.delete(f"{LIST}/{existing['id']}")
        second = create(api, body)
        assert (second.status_code, second.json()) == (409, first.json())
        assert AssetImage.objects.count() == 0


@pytest.mark.django_db
class TestExpiry:
    def test_a_record_older_than_24_hours_no_longer_counts(self, api, body):
        first = create(api, body)
        assert first.status_code == 201
        api.delete(f"{LIST}/{first.json()['data']['id']}")
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, seconds=1))
        second = create(api, body)
        assert second.status_code == 201
        assert second.json()["data"]["id"] != first.json()["data"]["id"]
        assert IdempotencyRecord.objects.count() == 1

    def test_a_record_just_under_24_hours_still_counts(self, api, body):
        first = create(api, body)
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=23, minutes=59))
        second = create(api, body)
        assert second.json() == first.json()
        assert AssetImage.all_objects.count() == 1

    def test_an_expired_record_with_another_body_is_not_422(self, api, body):
        assert create(api, body).status_code == 201
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(days=2))
        other = {"file_key": stored_file(image_bytes(color=(1, 2, 3))).key, "name": "Other"}
        assert create(api, other).status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_image(client_for, make_key):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes every writer on one file lock; the race needs PostgreSQL.")
    key = make_key("admin")
    body = {"file_key": stored_file().key, "name": "Concurrent"}
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    answers: list = [None] * threads_count

    def worker(index: int) -> None:
        from django.db import connection as thread_connection

        try:
            client = client_for(key)
            barrier.wait()
            response = create(client, body, key="same-key")
            answers[index] = (response.status_code, response.json())
        finally:
            thread_connection.close()

    run_together(worker, threads_count, timeout=60)
    assert all(answer is not None for answer in answers)
    assert {status for status, _ in answers} == {201}
    assert all(answer == answers[0] for answer in answers)
    assert AssetImage.all_objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["a\x00b", "line\nbreak", "bell\x07", "del\x7f"])
def test_key_with_control_characters_is_400(api, body, key):
    response = create(api, body, key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["details"]
    assert AssetImage.all_objects.count() == 0


@pytest.mark.django_db
def test_key_with_a_tab_or_non_ascii_is_fine(api, body):
    # Both may appear in an HTTP field value.
    assert create(api, body, key="tab\there-é").status_code == 201
