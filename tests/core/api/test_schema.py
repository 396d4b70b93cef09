"""The OpenAPI schema and the offline docs page (contract §7)."""

import re

import pytest
from django.contrib.staticfiles import finders

from categories.services import category_create
from core.validators import LANGUAGE_TAG_PATTERN, URN_PATTERN
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
        # The start-up script is a file of its own (the page's CSP allows no inline script).
        html = client.get(DOCS).content.decode()
        script = re.search(r'<script src="([^"]*\?script[^"]*)"', html)[1].replace("&amp;", "&")
        response = client.get(script)
        assert response.status_code == 200
        assert SCHEMA in response.content.decode()


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


class TestRulesInTheSchema:
    """The rules the server checks on its own are in the schema (issue 12), so that clients can check them too."""

    def components(self, schema) -> dict:
        return schema["components"]["schemas"]

    def parameter(self, schema, path: str, method: str, name: str) -> dict:
        (found,) = [p for p in schema["paths"][API + path][method]["parameters"] if p["name"] == name]
        return found["schema"]

    @pytest.mark.parametrize("component", ["ImageLocaleInputRequest", "CategoryLocaleCreateRequest"])
    def test_locales_carry_the_bcp47_pattern(self, schema, component):
        locale = self.components(schema)[component]["properties"]["locale"]
        assert (locale["maxLength"], locale["pattern"]) == (64, LANGUAGE_TAG_PATTERN)
        assert re.search(locale["pattern"], "pt-BR") and not re.search(locale["pattern"], "pt_BR")

    def test_references_carry_their_patterns(self, schema):
        properties = self.components(schema)["ReferenceCreateRequest"]["properties"]
        assert properties["urn"]["pattern"] == URN_PATTERN
        assert re.search(properties["provider"]["pattern"], "news_site-2")
        assert not re.search(properties["provider"]["pattern"], "Face:book")
        assert not re.search(properties["id"]["pattern"], "a\nb")
        assert properties["expires_at"]["format"] == "date-time"

    @pytest.mark.parametrize(
        ("component", "field"), [("ImageCreateRequest", "name"), ("ImageCreateRequest", "file_key")]
    )
    def test_required_texts_refuse_nul_and_blanks(self, schema, component, field):
        pattern = self.components(schema)[component]["properties"][field]["pattern"]
        assert re.search(pattern, " a ") and not re.search(pattern, "   ") and not re.search(pattern, "a\x00b")

    def test_optional_texts_refuse_nul(self, schema):
        pattern = self.components(schema)["ImageLocaleInputRequest"]["properties"]["caption_html"]["pattern"]
        assert re.search(pattern, "") and not re.search(pattern, "<p>\x00</p>")

    def test_svg_icon_may_not_be_empty(self, schema):
        assert self.components(schema)["CategoryCreateRequest"]["properties"]["svg_icon"]["minLength"] == 1

    @pytest.mark.parametrize("path", ["/assets/images", "/categories"])
    def test_cursors_have_the_signed_form(self, schema, client, path, make_key):
        pattern = self.parameter(schema, path, "get", "after")["pattern"]
        key = make_key("admin")
        category_create(locales=[{"locale": "en", "name": "A"}])
        category_create(locales=[{"locale": "en", "name": "B"}])
        cursor = client.get(f"{API}/categories?limit=1", HTTP_X_API_KEY=key).json()["meta"]["next"]
        assert re.search(pattern, cursor) and re.search(pattern, "")
        assert not re.search(pattern, "abc") and not re.search(pattern, cursor + "\x00")

    def test_upload_requires_a_file_part_of_an_image_type(self, schema):
        body = schema["paths"][f"{API}/assets/images/upload"]["post"]["requestBody"]
        assert body["required"] is True
        multipart = body["content"]["multipart/form-data"]
        assert resolve(schema, multipart["schema"])["required"] == ["file"]
        assert multipart["encoding"]["file"]["contentType"] == "image/jpeg, image/png, image/gif, image/webp"

    @pytest.mark.parametrize(
        ("path", "method", "status", "targets"),
        [
            ("/assets/images/upload", "post", "201", {"asset_images_create"}),
            ("/assets/images/upload", "post", "200", {"asset_images_create"}),
            (
                "/assets/images",
                "post",
                "201",
                {
                    "asset_images_get_by_id",
                    "asset_images_get_by_key",
                    "asset_images_get_by_hash",
                    "asset_images_delete",
                    "asset_images_restore",
                },
            ),
            (
                "/categories",
                "post",
                "201",
                {"categories_get", "categories_update", "categories_delete", "categories_restore"},
            ),
            ("/references", "post", "201", {"references_get", "references_delete"}),
        ],
    )
    def test_links_lead_from_an_answer_to_the_next_request(self, schema, path, method, status, targets):
        links = schema["paths"][API + path][method]["responses"][status]["links"]
        assert {link["operationId"] for link in links.values()} == targets
        operation_ids = {op["operationId"] for methods in schema["paths"].values() for op in methods.values()}
        assert targets <= operation_ids
