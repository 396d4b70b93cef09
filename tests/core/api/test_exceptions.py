"""Every error is a JSON body of contract §2, never an HTML page or a traceback."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.test import APIClient

from core.api.exceptions import error_body
from core.api.serializers import StrictSerializer
from core.api.throttling import APIKeyRateThrottle
from core.api.views import handler400, handler403, handler404, handler500
from core.timestamps import rfc3339
from tests.factories import AssetImageFactory
from tests.utils import API, assert_error, image_bytes

LIST = f"{API}/assets/images"


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.content.decode()
    return body


@pytest.mark.django_db
class TestUnknownURLsAndMethods:
    @pytest.mark.parametrize("path", ["/nope", "/assets", "/assets/images/by-id/", "/assets/images/x/y/z"])
    def test_unknown_url_under_the_api_is_a_json_404(self, api, path):
        body = assert_json_error(api.get(API + path), 404)
        # The wording of every 404 (one per meaning: nothing at this URL), and why.
        assert body["error"] == "Entity not found"
        assert body["details"]["path"][0].startswith("No endpoint has this path.")

    @pytest.mark.parametrize("path", ["/categories/", "/assets/images/", "/assets/images/upload/"])
    def test_a_trailing_slash_is_named(self, api, path):
        body = assert_json_error(api.get(API + path), 404)
        assert body == {
            "error": "Entity not found",
            "details": {
                "path": [f"No endpoint has this path. Paths end without a slash: did you mean {API}{path.rstrip('/')}?"]
            },
        }

    def test_unknown_url_is_json_also_with_debug_on(self, api, settings):
        settings.DEBUG = True
        assert_json_error(api.get(f"{API}/nope"), 404)

    def test_unknown_url_elsewhere_under_api_is_json(self, api):
        assert_json_error(api.get("/api/other/thing"), 404)

    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_unknown_url_is_a_json_404_for_writes_too(self, admin_key, method):
        # A real client sends no CSRF token; the test client skips the check unless told.
        client = APIClient(enforce_csrf_checks=True)
        client.credentials(HTTP_X_API_KEY=admin_key)
        response = getattr(client, method)(f"{API}/nope", {"a": 1}, format="json")
        assert_json_error(response, 404)

    @pytest.mark.parametrize(
        ("method", "path"),
        [("put", "/assets/images"), ("patch", "/assets/images/by-id/{id}"), ("get", "/assets/images/upload")],
    )
    def test_wrong_method_is_a_json_405(self, api, method, path):
        path = path.format(id="00000000-0000-0000-0000-000000000000")
        body = assert_json_error(getattr(api, method)(API + path), 405)
        assert body["error"] == "Method not allowed"

    def test_missing_entity_is_entity_not_found(self, api):
        response = api.get(f"{LIST}/by-id/00000000-0000-0000-0000-000000000000")
        assert_error(response, 404, "Entity not found")

    def test_bad_uuid(self, api):
        response = api.get(f"{LIST}/by-id/12")
        assert_error(response, 400, "Invalid uuid sent")


@pytest.mark.django_db
class TestBadBodies:
    def post(self, api, body: bytes | str, content_type: str = "application/json"):
        return api.generic("POST", LIST, body, content_type=content_type)

    def test_bad_json(self, api):
        body = assert_json_error(self.post(api, "{not json"), 400)
        assert body["error"] == "Bad Request"
        assert isinstance(body["details"], dict) and body["details"]

    def test_deeply_nested_json_is_400_not_500(self, api):
        body = assert_json_error(self.post(api, "[" * 100_000), 400)
        assert body["error"] == "Bad Request"

    def test_deeply_nested_object_is_400_not_500(self, api):
        body = assert_json_error(self.post(api, '{"a":' * 50_000 + "1" + "}" * 50_000), 400)
        assert body["error"] == "Bad Request"

    def test_lone_surrogate_is_400(self, api):
        body = assert_json_error(self.post(api, '{"file_key": "k", "name": "\\ud800"}'), 400)
        assert body["error"] == "Bad Request"

    def test_invalid_utf8_is_400(self, api):
        assert_json_error(self.post(api, b'{"name": "\xff\xfe"}'), 400)

    def test_nan_is_400(self, api):
        assert_json_error(self.post(api, '{"file_key": "k", "name": NaN}'), 400)

    @pytest.mark.parametrize("body", ["[]", '"text"', "3"])
    def test_json_that_is_not_an_object_is_400(self, api, body):
        body = assert_json_error(self.post(api, body), 400)
        assert body["error"] == "Bad Request"
        assert "details" in body

    def test_wrong_type_gives_field_details(self, api):
        response = api.post(LIST, {"file_key": "k", "name": ["a"]}, format="json")
        body = assert_json_error(response, 400)
        assert body == {"error": "Bad Request", "details": {"name": ["Not a valid string."]}}

    @pytest.mark.parametrize(
        ("body", "content_type"),
        [("name=x", "application/x-www-form-urlencoded"), ("name: x", "text/plain"), ("<a/>", "application/xml")],
    )
    def test_body_that_is_not_json_is_415(self, api, body, content_type):
        body = assert_json_error(self.post(api, body, content_type), 415)
        assert body["error"] == "Unsupported media type"

    def test_multipart_create_is_415(self, api):
        response = api.post(LIST, {"file_key": "k", "name": "n"}, format="multipart")
        assert_json_error(response, 415)

    def test_json_body_over_the_limit_is_413(self, api, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        response = api.post(LIST, json.dumps({"file_key": "k", "name": "x" * 5000}), content_type="application/json")
        body = assert_json_error(response, 413)
        assert body["error"] == "Payload too large"

    def test_too_many_query_parameters_is_400(self, api, settings):
        settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
        response = api.get(LIST + "?" + "&".join(f"p{i}=1" for i in range(10)))
        body = assert_json_error(response, 400)
        assert body["error"] == "Bad Request"

    def test_too_many_multipart_fields_is_400(self, api, settings):
        settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
        response = api.post(f"{LIST}/upload", {f"f{i}": "v" for i in range(10)}, format="multipart")
        assert_json_error(response, 400)

    def test_too_many_files_is_400(self, api, settings):
        settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
        files = {f"f{i}": SimpleUploadedFile(f"{i}.png", image_bytes(), "image/png") for i in range(4)}
        assert_json_error(api.post(f"{LIST}/upload", files, format="multipart"), 400)

    def test_broken_multipart_is_400(self, api):
        response = api.generic("POST", f"{LIST}/upload", b"x", content_type="multipart/form-data")
        assert_json_error(response, 400)

    def test_json_body_under_the_limit_is_judged(self, api, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        response = api.post(LIST, {"file_key": "k", "name": "x"}, format="json")
        assert_json_error(response, 400)


@pytest.mark.django_db
class TestServerErrors:
    @pytest.fixture
    def broken_list(self, monkeypatch):
        def explode(**kwargs):
            raise RuntimeError("secret internals /etc/passwd")

        monkeypatch.setattr("assets.selectors.image_list", explode)

    @pytest.mark.parametrize("debug", [False, True])
    def test_unexpected_exception_is_a_bare_500(self, api, broken_list, settings, debug):
        settings.DEBUG = debug
        response = api.get(LIST)
        assert_error(response, 500, "Internal server error")
        assert b"secret internals" not in response.content

    def test_the_error_is_logged(self, api, broken_list, caplog):
        api.get(LIST)
        assert any(r.name == "backoffice.api" and r.exc_info for r in caplog.records)

    def test_django_level_500_under_the_api_is_json(self):
        response = handler500(RequestFactory().get(f"{API}/assets/images"))
        assert response.status_code == 500
        assert json.loads(response.content) == {"error": "Internal server error"}

    @pytest.mark.parametrize(("handler", "status"), [(handler400, 400), (handler403, 403)])
    def test_django_level_400_and_403_under_the_api_are_json(self, handler, status):
        response = handler(RequestFactory().get(f"{API}/assets/images"), Exception())
        assert response.status_code == status
        assert json.loads(response.content)["error"]

    @pytest.mark.parametrize(("handler", "status"), [(handler400, 400), (handler403, 403)])
    def test_django_level_400_and_403_elsewhere_are_django_pages(self, handler, status):
        response = handler(RequestFactory().get("/admin/"), Exception())
        assert response.status_code == status
        assert not response["Content-Type"].startswith("application/json")

    def test_django_level_404_under_the_api_is_json(self):
        response = handler404(RequestFactory().get(f"{API}/x"), Exception())
        assert response.status_code == 404
        assert json.loads(response.content)["error"]


@pytest.mark.django_db
class TestRateLimit:
    @pytest.fixture(autouse=True)
    def low_rate(self, monkeypatch):
        # DRF reads the rates once, on the class: patch them there.
        monkeypatch.setattr(APIKeyRateThrottle, "THROTTLE_RATES", {"api_key": "2/min"})

    def test_third_request_in_a_minute_is_429(self, api):
        assert api.get(LIST).status_code == 200
        assert api.get(LIST).status_code == 200
        response = api.get(LIST)
        assert_error(response, 429, "Too many requests")
        retry_after = int(response["Retry-After"])
        assert 1 <= retry_after <= 60

    def test_limit_is_per_key(self, api, client_for, make_key):
        for _ in range(2):
            api.get(LIST)
        assert api.get(LIST).status_code == 429
        assert client_for(make_key("admin")).get(LIST).status_code == 200

    def test_requests_without_key_are_401_not_429(self, client_for):
        for _ in range(4):
            assert client_for().get(LIST).status_code == 401

    @pytest.mark.parametrize(("wait", "header"), [(0.2, "1"), (59.2, "60"), (None, "1")])
    def test_retry_after_is_rounded_up(self, wait, header):
        status, body, headers = error_body(Throttled(wait=wait))
        assert status == 429
        assert headers == {"Retry-After": header}


class TestTimestamps:
    def test_whole_seconds_get_six_zero_digits_and_a_z(self):
        assert rfc3339(datetime(2019, 8, 24, 14, 15, 22, tzinfo=UTC)) == "2019-08-24T14:15:22.000000Z"

    def test_years_before_1000_keep_four_digits(self):
        assert rfc3339(datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC)) == "0999-12-31T23:59:59.000000Z"

    def test_fractional_seconds_are_kept(self):
        assert rfc3339(datetime(2019, 8, 24, 14, 15, 22, 5000, tzinfo=UTC)) == "2019-08-24T14:15:22.005000Z"

    def test_other_offsets_are_converted_to_utc(self):
        plus_two = timezone(timedelta(hours=2))
        assert rfc3339(datetime(2019, 8, 24, 16, 15, 22, tzinfo=plus_two)) == "2019-08-24T14:15:22.000000Z"

    def test_none_stays_none(self):
        assert rfc3339(None) is None

    @pytest.mark.django_db
    def test_api_timestamps_end_with_z(self, api):
        image = AssetImageFactory()
        data = api.get(f"{LIST}/by-id/{image.id}").json()["data"]
        for field in ("inserted_at", "updated_at"):
            assert data[field].endswith("Z")
            assert datetime.fromisoformat(data[field]).utcoffset() == timedelta(0)
        assert data["deleted_at"] is None
        api.delete(f"{LIST}/{image.id}")
        data = api.get(f"{LIST}/by-id/{image.id}?include_deleted=true").json()["data"]
        assert data["deleted_at"].endswith("Z")


class _Item(StrictSerializer):
    name = serializers.CharField(max_length=3)


class _Body(StrictSerializer):
    items = _Item(many=True)
    tags = serializers.ListField(child=serializers.CharField())


class TestValidationDetails:
    def details(self, data) -> dict:
        serializer = _Body(data=data)
        assert not serializer.is_valid()
        return serializer.errors

    def test_errors_of_object_items_are_one_dict_per_item(self):
        data = {"items": [{"name": "ok"}, {"name": "long"}, {"name": "ok"}, {}], "tags": []}
        assert self.details(data) == {
            "items": [
                {},
                {"name": ["Ensure this field has no more than 3 characters."]},
                {},
                {"name": ["This field is required."]},
            ]
        }

    def test_a_null_item_gets_a_non_field_error(self):
        data = {"items": [None, {"name": "ok"}], "tags": []}
        assert self.details(data) == {"items": [{"non_field_errors": ["This field may not be null."]}, {}]}

    def test_an_unknown_field_in_an_item(self):
        data = {"items": [{"name": "ok", "x": 1}], "tags": []}
        assert self.details(data) == {"items": [{"x": ["Unknown field."]}]}

    def test_errors_of_plain_items_keep_drf_form(self):
        assert self.details({"items": [], "tags": ["a", ["b"]]}) == {"tags": {1: ["Not a valid string."]}}

    def test_list_level_errors_stay_as_they_are(self):
        assert self.details({"items": "x", "tags": []})["items"] == {
            "non_field_errors": ['Expected a list of items but got type "str".']
        }

    @pytest.mark.django_db
    def test_a_nested_item_error_from_the_api(self, api):
        locales = [{"locale": "en"}, {"locale": "fr", "credit": "c" * 256}, {"locale": "de"}]
        response = api.post(LIST, {"file_key": "k", "name": "n", "locales": locales}, format="json")
        assert response.status_code == 400
        assert response.json()["details"] == {
            "locales": [{}, {"credit": ["Ensure this field has no more than 255 characters."]}, {}]
        }
