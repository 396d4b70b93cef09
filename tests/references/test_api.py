"""The reference API (contract §6): every endpoint, every status, odd ids and the one-query lookup."""

import json
import re
import threading
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection, connections
from django.utils import timezone

from core.models import AuditLogEntry
from references.models import Reference
from tests.references.factories import ReferenceFactory
from tests.utils import API, assert_error

pytestmark = pytest.mark.django_db

URN = "urn:docs:content:5f0c6c1e-6c1a-4a52-9a57-2f3e4c1d2b10"
CREATE = f"{API}/references"
LOOKUP = f"{API}/references/lookup"
ODD_IDS = [
    "a/b",
    "a//b/",
    "a/../b",
    "with spaces  ",
    " leading",
    "100%",
    "a%2Fb",
    "a:b:c",
    "q?x=1&y=2",
    "frag#ment",
    "semi;colon",
    "plus+sign",
    "日本語/😀",
    "zero\u200bwidth",
]


def detail_url(ref: str) -> str:
    return f"{API}/references/{quote(ref, safe='')}"


def body(**fields) -> dict:
    return {"provider": "facebook", "id": "123", "urn": URN, **fields}


def create(client, **fields):
    return client.post(CREATE, body(**fields), format="json")


def lookup(client, refs):
    return client.post(LOOKUP, {"refs": refs}, format="json")


@pytest.fixture
def reader(make_key, client_for):
    return client_for(make_key("references:read"))


@pytest.fixture
def writer(make_key, client_for):
    return client_for(make_key("references:write"))


class TestAuthentication:
    @pytest.mark.parametrize(
        ("method", "path"),
        [("post", CREATE), ("post", LOOKUP), ("get", f"{API}/references/x:1"), ("delete", f"{API}/references/x:1")],
    )
    def test_no_key_or_a_bad_key_is_401(self, client_for, method, path):
        for client in (client_for(None), client_for("nope.nope"), client_for("garbage")):
            response = getattr(client, method)(path, {"refs": ["x:1"]}, format="json")
            assert_error(response, 401, "Unauthorized API KEY")

    def test_authentication_comes_before_validation(self, client_for):
        response = client_for(None).post(CREATE, {"provider": "BAD"}, format="json")
        assert response.status_code == 401

    def test_key_in_the_query_string(self, make_key, client_for):
        key = make_key("references:read")
        response = client_for(None).post(f"{LOOKUP}?x-api-key={key}", {"refs": ["x:1"]}, format="json")
        assert response.status_code == 200


class TestRoles:
    def test_a_read_key_cannot_create_or_delete(self, reader):
        ReferenceFactory(provider="x", external_id="1")
        assert create(reader).status_code == 403
        response = reader.delete(f"{API}/references/x:1")
        assert_error(response, 403, "Unauthorized roles")
        assert Reference.objects.count() == 1

    def test_a_read_key_can_get_and_lookup(self, reader):
        ReferenceFactory(provider="x", external_id="1")
        assert reader.get(f"{API}/references/x:1").status_code == 200
        assert lookup(reader, ["x:1"]).status_code == 200

    def test_a_write_key_cannot_get_or_lookup(self, writer):
        ReferenceFactory(provider="x", external_id="1")
        assert writer.get(f"{API}/references/x:1").status_code == 403
        response = lookup(writer, ["x:1"])
        assert_error(response, 403, "Unauthorized roles")

    def test_a_write_key_can_create_and_delete(self, writer):
        assert create(writer).status_code == 201
        assert writer.delete(f"{API}/references/facebook:123").status_code == 204

    def test_another_resource_role_is_not_enough(self, make_key, client_for):
        client = client_for(make_key("categories:read", "categories:write", "assets:read"))
        assert lookup(client, ["x:1"]).status_code == 403
        assert create(client).status_code == 403


class TestCreate:
    def test_created_reference_in_the_envelope(self, api):
        response = create(api, id="a:b", expires_at="2030-01-01T12:00:00.5+02:00")
        assert response.status_code == 201
        data = response.json()["data"]
        assert set(data) == {"id", "provider", "urn", "expires_at", "inserted_at", "updated_at"}
        assert (data["id"], data["provider"], data["urn"]) == ("a:b", "facebook", URN)
        assert data["expires_at"] == "2030-01-01T10:00:00.500000Z"  # stored and shown in UTC
        assert data["inserted_at"].endswith("Z")
        stored = Reference.objects.get()
        assert stored.expires_at.isoformat() == "2030-01-01T10:00:00.500000+00:00"

    def test_without_expiry(self, api):
        response = create(api)
        assert response.json()["data"]["expires_at"] is None

    @pytest.mark.parametrize("stamp", ["2030-01-01t12:00:00z", "2030-01-01 12:00:00Z", "2030-01-01T12:00:00-00:00"])
    def test_rfc3339_variants(self, api, stamp):
        response = create(api, expires_at=stamp)
        assert response.status_code == 201, response.json()
        assert response.json()["data"]["expires_at"] == "2030-01-01T12:00:00.000000Z"

    @pytest.mark.parametrize(
        ("sent", "shown"),
        [
            ("2030-06-01T12:00:00+02:00", "2030-06-01T10:00:00.000000Z"),
            ("2030-06-01T10:00:00.123Z", "2030-06-01T10:00:00.123000Z"),
            ("2030-06-01T10:00:00.000001Z", "2030-06-01T10:00:00.000001Z"),
        ],
    )
    def test_every_answer_writes_six_fractional_digits(self, api, sent, shown):
        # The create, the single get and the lookup (formatted by the database on PostgreSQL) agree.
        created = create(api, expires_at=sent).json()["data"]
        ref = f"{created['provider']}:{created['id']}"
        got = api.get(f"{API}/references/{quote(ref, safe='')}").json()["data"]
        (found,) = lookup(api, [ref]).json()["data"]
        assert created["expires_at"] == got["expires_at"] == found["expires_at"] == shown
        for document in (created, got, found):
            for name in ("inserted_at", "updated_at"):
                assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", document[name])

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"provider": "Facebook"}, "provider"),
            ({"provider": "face:book"}, "provider"),
            ({"provider": "face book"}, "provider"),
            ({"provider": " facebook"}, "provider"),
            ({"provider": "p" * 65}, "provider"),
            ({"provider": ""}, "provider"),
            ({"provider": 12}, "provider"),
            ({"provider": None}, "provider"),
            ({"id": ""}, "id"),
            ({"id": "a" * 256}, "id"),
            ({"id": "a\x00b"}, "id"),
            ({"id": "line\nfeed"}, "id"),
            ({"id": "tab\t"}, "id"),
            ({"id": "c1\x85"}, "id"),
            ({"id": 123}, "id"),
            ({"id": None}, "id"),
            ({"urn": "not a urn"}, "urn"),
            ({"urn": "urn:x"}, "urn"),
            ({"urn": "urn:docs:" + "a" * 250}, "urn"),
            ({"urn": ""}, "urn"),
            ({"expires_at": "2030-01-01T12:00:00"}, "expires_at"),
            ({"expires_at": "2030-01-01"}, "expires_at"),
            ({"expires_at": "2030-01-01T12:00Z"}, "expires_at"),
            ({"expires_at": "tomorrow"}, "expires_at"),
            ({"expires_at": "2030-13-01T12:00:00Z"}, "expires_at"),
            ({"expires_at": 1893456000}, "expires_at"),
            ({"expires_at": "9999-12-31T23:59:59-01:00"}, "expires_at"),
            ({"url": "https://example.com"}, "url"),
        ],
    )
    def test_invalid_field_is_400_with_details(self, api, fields, field):
        response = create(api, **fields)
        assert response.status_code == 400
        payload = response.json()
        assert payload["error"] == "Bad Request"
        assert list(payload["details"]) == [field]
        assert all(isinstance(message, str) for message in payload["details"][field])
        assert not Reference.objects.exists()

    def test_missing_fields_are_400(self, api):
        response = api.post(CREATE, {}, format="json")
        assert response.status_code == 400
        assert set(response.json()["details"]) == {"provider", "id", "urn"}

    def test_a_lone_surrogate_is_400(self, api):
        raw = json.dumps({"provider": "x", "id": "a\ud800", "urn": URN})  # ascii: sent as the escape \ud800
        response = api.post(CREATE, raw, content_type="application/json")
        assert response.status_code == 400
        assert not Reference.objects.exists()

    def test_a_body_that_is_not_an_object_or_not_json(self, api):
        assert api.post(CREATE, ["x"], format="json").status_code == 400
        assert api.post(CREATE, "{nope", content_type="application/json").status_code == 400
        assert api.post(CREATE, "provider=x", content_type="text/plain").status_code == 415

    def test_a_live_duplicate_is_409(self, api):
        assert create(api).status_code == 201
        response = create(api, urn="urn:docs:content:other")
        assert response.status_code == 409
        assert response.json() == {
            "error": "Conflict",
            "details": {"id": ["A live reference with this provider and id already exists."]},
        }
        assert Reference.objects.get().urn == URN

    def test_a_duplicate_of_a_reference_that_expires_later_is_409(self, api):
        ReferenceFactory(provider="facebook", external_id="123", expiring=True)
        assert create(api).status_code == 409

    def test_over_an_expired_reference_it_replaces_it(self, api):
        ReferenceFactory(provider="facebook", external_id="123", expired=True)
        response = create(api, expires_at="2031-05-06T07:08:09Z")
        assert response.status_code == 201
        assert response.json()["data"]["expires_at"] == "2031-05-06T07:08:09.000000Z"
        stored = Reference.objects.get()
        assert (stored.urn, stored.expires_at.year) == (URN, 2031)

    def test_with_an_expiry_already_past_it_is_created_but_absent(self, api):
        assert create(api, expires_at="2001-01-01T00:00:00Z").status_code == 201
        assert api.get(f"{API}/references/facebook:123").status_code == 404
        assert create(api).status_code == 201  # and it is replaced like any expired one

    def test_get_on_the_collection_is_405(self, api):
        response = api.get(CREATE)
        assert response.status_code == 405
        assert response.json()["error"] == "Method not allowed"


class TestAuditTrail:
    def test_create_replace_and_delete_are_recorded_with_the_key(self, make_key, client_for):
        key = make_key("references:write", name="sync")
        client = client_for(key)
        ReferenceFactory(provider="facebook", external_id="123", expired=True)
        assert create(client).status_code == 201
        assert client.delete(f"{API}/references/facebook:123").status_code == 204
        entries = list(AuditLogEntry.objects.filter(object_repr="facebook:123").order_by("timestamp", "pk"))
        # The expired row made by the factory, replaced in place, then erased.
        assert [e.action for e in entries] == [
            AuditLogEntry.Action.CREATE,
            AuditLogEntry.Action.UPDATE,
            AuditLogEntry.Action.DELETE,
        ]
        assert [e.actor_label for e in entries[1:]] == [f"api key sync ({key.split('.')[0]})"] * 2
        assert entries[1].changes["urn"][1] == URN


class TestIdempotency:
    def test_a_retry_returns_the_first_answer_and_creates_nothing(self, api):
        first = api.post(CREATE, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = api.post(CREATE, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert Reference.objects.count() == 1

    def test_a_retry_of_a_conflict_replays_the_409(self, api):
        create(api)
        first = api.post(CREATE, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        again = api.post(CREATE, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        assert first.status_code == again.status_code == 409

    def test_the_same_key_with_another_body_is_422(self, api):
        api.post(CREATE, body(), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        response = api.post(CREATE, body(id="other"), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
        assert response.status_code == 422
        assert Reference.objects.count() == 1


class TestGet:
    def test_returns_the_reference(self, api):
        reference = ReferenceFactory(provider="x", external_id="1", expiring=True)
        response = api.get(f"{API}/references/x:1")
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["id"] == "1" and data["provider"] == "x" and data["urn"] == reference.urn
        assert data["expires_at"] is not None and data["expires_at"].endswith("Z")

    @pytest.mark.parametrize(
        "ref", ["x:unknown", "x:gone", "y:1", "X:1", "x1", "x:", ":1", "x:a%00b", "lookup/x", "x:1/"]
    )
    def test_unknown_expired_or_malformed_ref_is_404(self, api, ref):
        ReferenceFactory(provider="x", external_id="1")
        ReferenceFactory(provider="x", external_id="gone", expired=True)
        response = api.get(f"{API}/references/{ref}")
        assert_error(response, 404, "Entity not found")

    def test_get_on_lookup_is_405_not_a_ref(self, api):
        # "lookup" has no colon, so it can never name a reference: the route is the lookup's.
        response = api.get(LOOKUP)
        assert response.status_code == 405

    def test_costs_one_query_once_the_key_is_known(self, api, django_assert_num_queries):
        ReferenceFactory(provider="x", external_id="1")
        api.get(f"{API}/references/x:1")  # loads the key into the cache, records its use
        with django_assert_num_queries(1):
            assert api.get(f"{API}/references/x:1").status_code == 200


class TestDelete:
    def test_erases_for_good(self, api):
        ReferenceFactory(provider="x", external_id="1")
        response = api.delete(f"{API}/references/x:1")
        assert response.status_code == 204
        assert response.content == b""
        assert not Reference.objects.exists()
        assert api.get(f"{API}/references/x:1").status_code == 404
        assert api.delete(f"{API}/references/x:1").status_code == 404

    def test_an_expired_reference_is_404_and_kept_for_the_purge(self, api):
        ReferenceFactory(provider="x", external_id="1", expired=True)
        assert api.delete(f"{API}/references/x:1").status_code == 404
        assert Reference.objects.count() == 1

    def test_unknown_is_404(self, api):
        assert api.delete(f"{API}/references/x:nothing").status_code == 404
        assert api.delete(f"{API}/references/nothing").status_code == 404


class TestOddIds:
    @pytest.mark.parametrize("external_id", ODD_IDS)
    def test_round_trip_with_percent_encoded_paths(self, api, external_id):
        response = create(api, provider="x", id=external_id)
        assert response.status_code == 201
        assert response.json()["data"]["id"] == external_id
        ref = f"x:{external_id}"
        got = api.get(detail_url(ref))
        assert got.status_code == 200
        assert got.json()["data"]["id"] == external_id
        assert [d["id"] for d in lookup(api, [ref]).json()["data"]] == [external_id]
        assert api.delete(detail_url(ref)).status_code == 204
        assert api.get(detail_url(ref)).status_code == 404
        assert not Reference.objects.exists()

    def test_similar_ids_stay_apart(self, api):
        for external_id in ("a/b", "a%2Fb", "a b", "a+b"):
            assert create(api, provider="x", id=external_id).status_code == 201
        for external_id in ("a/b", "a%2Fb", "a b", "a+b"):
            assert api.get(detail_url(f"x:{external_id}")).json()["data"]["id"] == external_id

    def test_an_unencoded_slash_reaches_the_same_reference(self, api):
        create(api, provider="x", id="a/b")
        assert api.get(f"{API}/references/x:a/b").json()["data"]["id"] == "a/b"


class TestLookup:
    def test_live_references_in_the_order_asked(self, reader):
        ReferenceFactory(provider="x", external_id="a")
        ReferenceFactory(provider="y", external_id="b:c", expiring=True)
        ReferenceFactory(provider="x", external_id="gone", expired=True)
        refs = ["y:b:c", "x:unknown", "x:gone", "no-colon", "", "x:a", "X:a", "y:b:c"]
        response = lookup(reader, refs)
        assert response.status_code == 200
        data = response.json()["data"]
        assert [(d["provider"], d["id"]) for d in data] == [("y", "b:c"), ("x", "a")]
        assert set(data[0]) == {"id", "provider", "urn", "expires_at", "inserted_at", "updated_at"}

    def test_nothing_found_is_an_empty_list(self, reader):
        response = lookup(reader, ["x:none"])
        assert response.status_code == 200
        assert response.json() == {"data": []}

    def test_a_hundred_refs_cost_one_query(self, reader, django_assert_num_queries):
        refs = [ReferenceFactory(provider=f"p{n % 5}", external_id=f"id/{n}").ref for n in range(100)]
        lookup(reader, ["warm:up"])  # loads the key into the cache, records its use
        with django_assert_num_queries(1):
            response = lookup(reader, refs)
        assert [f"{d['provider']}:{d['id']}" for d in response.json()["data"]] == refs

    @pytest.mark.parametrize(
        ("payload", "detail_key"),
        [
            ({"refs": []}, "refs"),
            ({"refs": [f"x:{n}" for n in range(101)]}, "refs"),
            ({"refs": ["x:1", 2]}, "refs"),
            ({"refs": ["x:1", None]}, "refs"),
            ({"refs": [["x:1"]]}, "refs"),
            ({"refs": "x:1"}, "refs"),
            ({}, "refs"),
            ({"refs": ["x:1"], "limit": 3}, "limit"),
        ],
    )
    def test_invalid_body_is_400(self, reader, payload, detail_key):
        response = reader.post(LOOKUP, payload, format="json")
        assert response.status_code == 400
        assert response.json()["error"] == "Bad Request"
        assert detail_key in response.json()["details"]

    def test_item_errors_are_a_list_with_one_entry_per_item(self, reader):
        # As every other list error (locales): a list in item order, `[]` for a valid item.
        response = lookup(reader, ["x:1", 2, "y:2", None])
        assert response.json()["details"] == {
            "refs": [[], ["Not a valid string."], [], ["This field may not be null."]]
        }


class TestSchema:
    def test_the_openapi_schema_describes_the_reference_endpoints(self, api):
        from drf_spectacular.generators import SchemaGenerator

        schema = SchemaGenerator().get_schema(request=None, public=True)
        paths = schema["paths"]
        assert set(paths[f"{API}/references"]) == {"post"}
        assert set(paths[f"{API}/references/lookup"]) == {"post"}
        assert set(paths[f"{API}/references/{{ref}}"]) == {"get", "delete"}
        assert {"201", "400", "401", "403", "409"} <= set(paths[f"{API}/references"]["post"]["responses"])
        assert {"200", "401", "403", "404"} <= set(paths[f"{API}/references/{{ref}}"]["get"]["responses"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises all writers")
class TestConcurrentCreates:
    """Threads, each with its own connection, create the same ref at once."""

    THREADS = 8

    def race(self, make_key, client_for) -> list[int]:
        key = make_key("references:write")
        barrier = threading.Barrier(self.THREADS)
        statuses: list = []

        def worker():
            try:
                client = client_for(key)
                barrier.wait()
                statuses.append(create(client).status_code)
            except Exception as exc:  # shown in the assertion rather than lost in the thread
                statuses.append(repr(exc))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker) for _ in range(self.THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sorted(statuses, key=str)

    def test_one_wins_the_others_get_409(self, make_key, client_for):
        statuses = self.race(make_key, client_for)
        assert statuses == [201] + [409] * (self.THREADS - 1)
        assert Reference.objects.count() == 1

    def test_one_replaces_an_expired_reference_the_others_get_409(self, make_key, client_for):
        old = ReferenceFactory(provider="facebook", external_id="123", expires_at=timezone.now() - timedelta(1))
        statuses = self.race(make_key, client_for)
        assert statuses == [201] + [409] * (self.THREADS - 1)
        stored = Reference.objects.get()
        assert stored.pk == old.pk and stored.urn == URN and stored.expires_at is None
