"""Health probes (contract §7): no key needed, JSON."""

import pytest


def json_ok(client, path: str):
    """The body of a 200 JSON answer to a GET without a key."""
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.mark.django_db
class TestHealthz:
    def test_alive_without_key(self, client):
        assert json_ok(client, "/healthz") == {"status": "ok"}

    def test_does_not_touch_the_database(self, client, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert client.get("/healthz").status_code == 200

    def test_only_get(self, client):
        assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
class TestReadyz:
    def test_ready_without_key(self, client):
        assert json_ok(client, "/readyz") == {"status": "ok", "checks": {"database": "ok", "storage": "ok"}}

    def test_storage_failure_is_503(self, client, monkeypatch):
        class UnreachableStorage:
            def exists(self, name):
                raise ConnectionError("bucket unreachable")

        monkeypatch.setattr("core.api.views.default_storage", UnreachableStorage())
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "storage": "unavailable"}}
        assert b"bucket unreachable" not in response.content

    def test_database_failure_is_503(self, client, monkeypatch):
        class DownDatabase:
            def cursor(self):
                raise ConnectionError("database down")

        monkeypatch.setattr("core.api.views.connection", DownDatabase())
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable", "storage": "ok"}}
