"""The OpenAPI schema and the offline docs page (contract §7)."""

import re

import pytest
from django.contrib.staticfiles import finders

from tests.utils import API

SCHEMA = f"{API}/openapi.json"
DOCS = f"{API}/docs/"

# Contract §4: path → {method: (success statuses, error statuses)}.
ASSET_OPERATIONS = {
    "/assets/images": {
        "get": ({"200"}, {"400", "401", "403"}),
        "post": ({"201"}, {"400", "401", "403", "409"}),
    },
    "/assets/images/by-id/{id}": {"get": ({"200"}, {"400", "401", "403", "404"})},
    "/assets/images/by-key/{file_key}": {"get": ({"200"}, {"401", "403", "404"})},
    "/assets/images/by-hash/{file_hash}": {"get": ({"200"}, {"400", "401", "403", "404"})},
    "/assets/images/{id}": {"delete": ({"204"}, {"400", "401", "403", "404"})},
    "/assets/images/{id}/restore": {"post": ({"200"}, {"400", "401", "403", "404", "409"})},
    "/assets/images/upload": {"post": ({"200", "201"}, {"400", "401", "403", "413", "415"})},
}


@pytest.fixture
def schema(client, db) -> dict:
    response = client.get(SCHEMA)
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict, ref_or_schema: dict) -> dict:
    ref = ref_or_schema.get("$ref")
    if ref is None:
        return ref_or_schema
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


@pytest.mark.django_db
class TestServing:
    def test_is_json_without_a_key(self, client):
        response = client.get(SCHEMA)
        assert response.status_code == 200
        # drf-spectacular answers its own JSON media type unless plain JSON is asked for.
        assert re.fullmatch(r"application/(json|[\w.-]+\+json)", response["Content-Type"].split(";")[0])

    def test_plain_json_when_asked(self, client):
        response = client.get(SCHEMA, HTTP_ACCEPT="application/json")
        assert response.status_code == 200
        assert response["Content-Type"].split(";")[0] == "application/json"
        assert response.json()["openapi"]


class TestContent:
    def test_openapi_3(self, schema):
        assert schema["openapi"].startswith("3.")
        assert schema["info"]["title"]

    @pytest.mark.parametrize("path", sorted(ASSET_OPERATIONS))
    def test_every_asset_path_with_its_methods(self, schema, path):
        operations = schema["paths"][API + path]
        assert set(ASSET_OPERATIONS[path]) <= {m for m in operations if m != "parameters"}

    @pytest.mark.parametrize(
        ("path", "method"), [(p, m) for p, methods in sorted(ASSET_OPERATIONS.items()) for m in methods]
    )
    def test_every_asset_operation_documents_its_statuses(self, schema, path, method):
        success, errors = ASSET_OPERATIONS[path][method]
        responses = schema["paths"][API + path][method]["responses"]
        assert success | errors <= set(responses)

    @pytest.mark.parametrize(
        ("path", "method"), [(p, m) for p, methods in sorted(ASSET_OPERATIONS.items()) for m in methods]
    )
    def test_error_responses_use_the_error_schema(self, schema, path, method):
        responses = schema["paths"][API + path][method]["responses"]
        for status, response in responses.items():
            if int(status) < 400:
                continue
            body = resolve(schema, response["content"]["application/json"]["schema"])
            assert "error" in body["properties"], status
            assert "error" in body.get("required", []), status

    def test_both_ways_of_sending_the_key(self, schema):
        schemes = schema["components"]["securitySchemes"].values()
        assert {"type": "apiKey", "in": "header", "name": "x-api-key"} in schemes
        assert {"type": "apiKey", "in": "query", "name": "x-api-key"} in schemes

    def test_every_asset_operation_requires_a_key(self, schema):
        names = set(schema["components"]["securitySchemes"])
        for path, methods in ASSET_OPERATIONS.items():
            for method in methods:
                security = schema["paths"][API + path][method].get("security", schema.get("security"))
                assert security, (path, method)
                assert {name for requirement in security for name in requirement} == names
                assert {} not in security  # no anonymous access

    def test_image_output_fields(self, schema):
        image = schema["components"]["schemas"]["ImageOutput"]["properties"]
        expected = {"id", "file_key", "file_hash", "name", "gravity", "locales"}
        assert expected | {"inserted_at", "updated_at", "deleted_at"} <= set(image)

    def test_create_body(self, schema):
        operation = schema["paths"][f"{API}/assets/images"]["post"]
        body = resolve(schema, operation["requestBody"]["content"]["application/json"]["schema"])
        assert {"file_key", "name"} <= set(body["required"])
        assert {"file_hash", "gravity", "locales"} <= set(body["properties"])
        assert "Idempotency-Key" in {p["name"] for p in operation["parameters"] if p["in"] == "header"}

    def test_upload_is_multipart_with_a_file(self, schema):
        content = schema["paths"][f"{API}/assets/images/upload"]["post"]["requestBody"]["content"]
        body = resolve(schema, content["multipart/form-data"]["schema"])
        assert body["properties"]["file"]["format"] == "binary"

    def test_list_has_cursor_and_filter_parameters(self, schema):
        parameters = {p["name"] for p in schema["paths"][f"{API}/assets/images"]["get"]["parameters"]}
        assert {"after", "before", "limit", "include_deleted", "search", "locale"} <= parameters


@pytest.mark.django_db
class TestDocsPage:
    def test_html_without_a_key(self, client):
        response = client.get(DOCS)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")

    def test_no_external_cdn(self, client):
        html = client.get(DOCS).content.decode()
        assert "cdn.jsdelivr" not in html
        assert "unpkg" not in html
        assert not re.search(r"""<(script|link)[^>]+(src|href)=["']?(https?:)?//""", html)

    def test_the_assets_it_loads_are_shipped(self, client):
        html = client.get(DOCS).content.decode()
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        static = [url for url in urls if url.startswith("/static/")]
        assert any(url.endswith(".js") for url in static)
        for url in static:
            assert finders.find(url.removeprefix("/static/")), url

    def test_points_at_the_local_schema(self, client):
        assert SCHEMA in client.get(DOCS).content.decode()


def test_schema_is_plain_json_by_default(client, db):
    response = client.get(SCHEMA)
    assert response["Content-Type"].split(";")[0] == "application/json"


def test_each_operation_says_which_role_it_needs(schema):
    operations = schema["paths"]
    assert "`assets:read`" in operations[f"{API}/assets/images/by-id/{{id}}"]["get"]["description"]
    assert "`assets:write`" in operations[f"{API}/assets/images/upload"]["post"]["description"]
    assert "`references:read`" in operations[f"{API}/references/lookup"]["post"]["description"]
    assert all(
        "Base of every REST view" not in op.get("description", "") for ops in operations.values() for op in ops.values()
    )
