"""The category endpoints (contract §5): every success and every error status."""

import uuid
from datetime import UTC, datetime

import pytest

from categories.models import Category, CategoryLocale
from categories.services import category_soft_delete, category_update
from tests.categories.factories import SVG, make_category
from tests.categories.refusals import refuse
from tests.utils import API, assert_error

pytestmark = pytest.mark.django_db

URL = f"{API}/categories"


def detail(category_or_id) -> str:
    return f"{URL}/{getattr(category_or_id, 'pk', category_or_id)}"


def restore_url(category_or_id) -> str:
    return f"{detail(category_or_id)}/restore"


@pytest.fixture
def category():
    return make_category({"en": "News", "fr": "Nouvelles"}, svg_icon=SVG)


def assert_category_body(body: dict) -> None:
    assert set(body) == {"id", "locales", "svg_icon", "is_archived", "inserted_at", "updated_at", "deleted_at"}
    for item in body["locales"]:
        assert set(item) == {"id", "locale", "name", "deleted_at"}
    assert body["inserted_at"].endswith("Z") and body["updated_at"].endswith("Z")


class TestCreate:
    def test_creates_and_answers_201_with_the_stored_category(self, api):
        response = api.post(
            URL,
            {
                "locales": [{"locale": "pt-br", "name": "Notícias"}, {"locale": "en", "name": "News"}],
                "svg_icon": '<svg><script>alert(1)</script><circle r="2" onclick="x"/></svg>',
                "is_archived": True,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()["data"]
        assert_category_body(body)
        assert [(item["locale"], item["name"]) for item in body["locales"]] == [("en", "News"), ("pt-BR", "Notícias")]
        assert body["svg_icon"] == '<svg xmlns="http://www.w3.org/2000/svg"><circle r="2"/></svg>'
        assert body["is_archived"] is True and body["deleted_at"] is None
        assert Category.objects.get(pk=body["id"]).svg_icon == body["svg_icon"]

    def test_defaults_and_ignored_ids(self, api):
        sent_id = str(uuid.uuid4())
        response = api.post(
            URL,
            {"id": sent_id, "locales": [{"id": sent_id, "locale": "en", "name": "x", "deleted_at": None}]},
            format="json",
        )
        assert response.status_code == 201
        body = response.json()["data"]
        assert body["id"] != sent_id and body["locales"][0]["id"] != sent_id
        assert body["svg_icon"] is None and body["is_archived"] is False

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({}, "locales"),
            ({"locales": []}, "locales"),
            ({"locales": None}, "locales"),
            ({"locales": "en"}, "locales"),
            ({"locales": [{"locale": "en"}]}, "locales"),
            ({"locales": [{"locale": "en", "name": ""}]}, "locales"),
            ({"locales": [{"locale": "en", "name": "x" * 256}]}, "locales"),
            ({"locales": [{"locale": "e n", "name": "x"}]}, "locales"),
            ({"locales": [{"locale": "en", "name": "x", "extra": 1}]}, "locales"),
            ({"locales": [{"locale": "en", "name": "a"}, {"locale": "EN", "name": "b"}]}, "locales"),
            ({"locales": [{"locale": "en", "name": "x"}], "is_archived": "yes"}, "is_archived"),
            ({"locales": [{"locale": "en", "name": "x"}], "is_archived": 1}, "is_archived"),
            ({"locales": [{"locale": "en", "name": "x"}], "svg_icon": 12}, "svg_icon"),
            ({"locales": [{"locale": "en", "name": "x"}], "svg_icon": ""}, "svg_icon"),
            ({"locales": [{"locale": "en", "name": "x"}], "svg_icon": "<div/>"}, "svg_icon"),
            ({"locales": [{"locale": "en", "name": "x"}], "svg_icon": "<svg>" + "x" * 65536 + "</svg>"}, "svg_icon"),
            ({"locales": [{"locale": "en", "name": "x"}], "inserted_at": "2020-01-01T00:00:00Z"}, "inserted_at"),
        ],
    )
    def test_invalid_body_is_a_400_with_details(self, api, payload, field):
        response = api.post(URL, payload, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "Bad Request"
        assert field in body["details"]
        assert not Category.all_objects.exists()

    def test_billion_laughs_icon_is_a_400(self, api):
        icon = '<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg><text>&b;</text></svg>'
        response = api.post(URL, {"locales": [{"locale": "en", "name": "x"}], "svg_icon": icon}, format="json")
        assert response.status_code == 400
        assert "DTD" in response.json()["details"]["svg_icon"][0]

    def test_malformed_json_is_a_400(self, api):
        response = api.post(URL, '{"locales": [', content_type="application/json")
        assert response.status_code == 400
        assert response.json()["error"] == "Bad Request"

    def test_a_body_that_is_not_json_is_a_415(self, api):
        response = api.post(URL, "locales=en", content_type="application/x-www-form-urlencoded")
        assert response.status_code == 415

    def test_idempotency_key_replays_the_first_answer(self, api):
        payload = {"locales": [{"locale": "en", "name": "Once"}]}
        first = api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = api.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert Category.objects.count() == 1
        other = api.post(
            URL, {"locales": [{"locale": "en", "name": "Else"}]}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
        )
        assert other.status_code == 422
        assert Category.objects.count() == 1


class TestRead:
    def test_whole_second_timestamps_get_six_fractional_digits(self, api, category):
        moment = datetime(2030, 6, 1, 10, 0, 0, tzinfo=UTC)
        Category.objects.filter(pk=category.pk).update(inserted_at=moment, updated_at=moment, deleted_at=moment)
        CategoryLocale.objects.filter(category=category).update(deleted_at=moment)
        data = api.get(detail(category), {"include_deleted": "true"}).json()["data"]
        stamps = [data["inserted_at"], data["updated_at"], data["deleted_at"]]
        stamps += [item["deleted_at"] for item in data["locales"]]
        assert stamps and set(stamps) == {"2030-06-01T10:00:00.000000Z"}
        listed = api.get(URL, {"include_deleted": "true"}).json()["data"]
        assert {listed[0]["inserted_at"], listed[0]["updated_at"], listed[0]["deleted_at"]} == {
            "2030-06-01T10:00:00.000000Z"
        }

    def test_get_by_id(self, api, category):
        response = api.get(detail(category))
        assert response.status_code == 200
        body = response.json()["data"]
        assert_category_body(body)
        assert body["id"] == str(category.pk)
        assert [item["locale"] for item in body["locales"]] == ["en", "fr"]
        assert body["svg_icon"] == SVG

    def test_deleted_locales_are_shown_only_with_include_deleted(self, api, category):
        category_update(category=category, locales=[{"locale": "en", "name": "News"}])
        assert [item["locale"] for item in api.get(detail(category)).json()["data"]["locales"]] == ["en"]
        locales = api.get(detail(category), {"include_deleted": "true"}).json()["data"]["locales"]
        assert [(item["locale"], item["deleted_at"] is None) for item in locales] == [("en", True), ("fr", False)]
        assert locales[1]["deleted_at"].endswith("Z")

    def test_a_deleted_category_is_a_404_unless_include_deleted(self, api, category):
        category_soft_delete(category=category)
        response = api.get(detail(category))
        assert_error(response, 404, "Entity not found")
        response = api.get(detail(category), {"include_deleted": "1"})
        assert response.status_code == 200
        assert response.json()["data"]["deleted_at"].endswith("Z")

    def test_include_deleted_must_be_a_boolean(self, api, category):
        response = api.get(detail(category), {"include_deleted": "perhaps"})
        assert response.status_code == 400
        assert "include_deleted" in response.json()["details"]

    def test_unknown_id_is_a_404(self, api):
        assert api.get(detail(uuid.uuid4())).status_code == 404


class TestPatch:
    def test_patch_changes_only_the_fields_given(self, api, category):
        response = api.patch(detail(category), {"is_archived": True}, format="json")
        assert response.status_code == 200
        body = response.json()["data"]
        assert body["is_archived"] is True and body["svg_icon"] == SVG
        assert [item["name"] for item in body["locales"]] == ["News", "Nouvelles"]

    def test_patch_locales_is_the_new_full_set(self, api, category):
        en = CategoryLocale.objects.get(category=category, locale="en")
        response = api.patch(
            detail(category),
            {"locales": [{"id": str(en.id), "locale": "en", "name": "Latest"}, {"locale": "de", "name": "Neues"}]},
            format="json",
        )
        assert response.status_code == 200
        locales = response.json()["data"]["locales"]
        assert [(item["locale"], item["name"]) for item in locales] == [("de", "Neues"), ("en", "Latest")]
        assert locales[1]["id"] == str(en.id)
        assert CategoryLocale.objects.get(category=category, locale="fr").deleted_at is not None

    def test_a_response_item_can_be_sent_back_as_it_is(self, api, category):
        body = api.get(detail(category)).json()["data"]
        body["locales"][0]["name"] = "Renamed"
        response = api.patch(detail(category), {"locales": body["locales"]}, format="json")
        assert response.status_code == 200
        assert response.json()["data"]["locales"][0]["name"] == "Renamed"

    def test_patch_svg_null_clears_the_icon(self, api, category):
        response = api.patch(detail(category), {"svg_icon": None}, format="json")
        assert response.json()["data"]["svg_icon"] is None

    def test_empty_patch_changes_nothing(self, api, category):
        before = api.get(detail(category)).json()
        response = api.patch(detail(category), {}, format="json")
        assert response.status_code == 200
        assert response.json() == before

    @pytest.mark.parametrize(
        "payload",
        [
            {"locales": []},
            {"locales": None},
            {"locales": [{"locale": "xx-", "name": "x"}]},
            {"locales": [{"id": "not-a-uuid", "locale": "en", "name": "x"}]},
            {"locales": [{"locale": "en", "name": "a"}, {"locale": "en", "name": "b"}]},
            {"is_archived": "true"},
            {"svg_icon": "<svg"},
            {"name": "unknown field"},
        ],
    )
    def test_invalid_patch_is_a_400_and_changes_nothing(self, api, category, payload):
        before = api.get(detail(category)).json()
        response = api.patch(detail(category), payload, format="json")
        assert response.status_code == 400
        assert response.json()["error"] == "Bad Request" and response.json()["details"]
        assert api.get(detail(category)).json() == before

    def test_a_locale_id_of_another_category_is_a_400(self, api, category):
        other = make_category({"en": "Other"})
        theirs = CategoryLocale.objects.get(category=other)
        response = api.patch(
            detail(category), {"locales": [{"id": str(theirs.id), "locale": "en", "name": "Mine now"}]}, format="json"
        )
        assert response.status_code == 400
        assert "id" in response.json()["details"]["locales"][0]
        assert CategoryLocale.objects.get(pk=theirs.pk).name == "Other"

    def test_a_failing_patch_leaves_everything_as_it_was(self, api, category):
        before = api.get(detail(category), {"include_deleted": "true"}).json()
        # The database refuses the new locale, after the other writes of the PATCH were made.
        refuse(CategoryLocale._meta.db_table, "INSERT")
        response = api.patch(
            detail(category),
            {
                "is_archived": True,
                "svg_icon": None,
                "locales": [{"locale": "en", "name": "x"}, {"locale": "it", "name": "y"}],
            },
            format="json",
        )
        assert response.status_code == 409
        assert response.json()["error"] == "Conflict" and "locales" in response.json()["details"]
        assert api.get(detail(category), {"include_deleted": "true"}).json() == before

    def test_patching_a_deleted_or_unknown_category_is_a_404(self, api, category):
        category_soft_delete(category=category)
        assert api.patch(detail(category), {"is_archived": True}, format="json").status_code == 404
        assert api.patch(detail(uuid.uuid4()), {"is_archived": True}, format="json").status_code == 404

    def test_put_is_not_allowed(self, api, category):
        response = api.put(detail(category), {"locales": [{"locale": "en", "name": "x"}]}, format="json")
        assert response.status_code == 405
        assert response.json()["error"] == "Method not allowed"


class TestDeleteAndRestore:
    def test_delete_is_a_204_with_an_empty_body_then_404(self, api, category):
        response = api.delete(detail(category))
        assert response.status_code == 204
        assert response.content == b""
        assert Category.all_objects.get(pk=category.pk).deleted_at is not None
        assert api.get(detail(category)).status_code == 404
        assert api.delete(detail(category)).status_code == 404

    def test_deleted_categories_leave_the_list_unless_include_deleted(self, api, category):
        api.delete(detail(category))
        assert api.get(URL).json()["data"] == []
        listed = api.get(URL, {"include_deleted": "true"}).json()["data"]
        assert [item["id"] for item in listed] == [str(category.pk)]

    def test_restore_answers_the_category_with_its_live_locales(self, api, category):
        category_update(category=category, locales=[{"locale": "en", "name": "News"}])
        api.delete(detail(category))
        response = api.post(restore_url(category))
        assert response.status_code == 200
        body = response.json()["data"]
        assert body["deleted_at"] is None
        assert [item["locale"] for item in body["locales"]] == ["en"]
        assert api.get(detail(category)).status_code == 200

    def test_restoring_a_live_category_is_idempotent(self, api, category):
        first = api.post(restore_url(category))
        second = api.post(restore_url(category))
        assert first.status_code == second.status_code == 200
        assert first.json() == second.json()

    def test_restoring_an_unknown_id_is_a_404(self, api):
        assert api.post(restore_url(uuid.uuid4())).status_code == 404

    def test_restore_refused_by_the_database_is_a_409_and_stays_deleted(self, api, category):
        # No uniqueness rule applies to a category's restore (see categories.services);
        # should the database refuse one all the same, the answer is a 409, not a 500.
        category_soft_delete(category=category)
        refuse(Category._meta.db_table, "UPDATE", "OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL")
        response = api.post(restore_url(category))
        assert response.status_code == 409
        assert response.json()["error"] == "Conflict"
        assert Category.all_objects.get(pk=category.pk).deleted_at is not None

    def test_restore_only_takes_post(self, api, category):
        assert api.get(restore_url(category)).status_code == 405


class TestErrorsOfEveryEndpoint:
    """400 (uuid), 401 before anything else, 403 for the wrong role, 405."""

    ENDPOINTS = [
        ("get", URL, None),
        ("post", URL, "categories:write"),
        ("get", "{detail}", None),
        ("patch", "{detail}", "categories:write"),
        ("delete", "{detail}", "categories:write"),
        ("post", "{restore}", "categories:write"),
    ]

    @staticmethod
    def url(template: str, some_id) -> str:
        return template.format(detail=detail(some_id), restore=restore_url(some_id))

    @pytest.mark.parametrize(("method", "template", "_role"), ENDPOINTS)
    def test_no_key_or_a_bad_key_is_a_401_even_with_a_bad_uuid(self, client_for, method, template, _role):
        for client in (client_for(None), client_for("nope.nope")):
            response = getattr(client, method)(self.url(template, "not-a-uuid"), {}, format="json")
            assert_error(response, 401, "Unauthorized API KEY")

    @pytest.mark.parametrize(("method", "template", "_role"), [e for e in ENDPOINTS if e[1] != URL])
    def test_a_bad_uuid_is_a_400(self, api, method, template, _role):
        response = getattr(api, method)(self.url(template, "12345"), {}, format="json")
        assert_error(response, 400, "Invalid uuid sent")

    @pytest.mark.parametrize(("method", "template", "_role"), ENDPOINTS)
    def test_the_wrong_role_is_a_403(self, client_for, make_key, category, method, template, _role):
        needed = "categories:read" if method == "get" else "categories:write"
        wrong = {"categories:read": "categories:write", "categories:write": "categories:read"}[needed]
        for roles in ([wrong], ["assets:read", "assets:write", "references:read", "references:write"]):
            client = client_for(make_key(*roles))
            response = getattr(client, method)(self.url(template, category.pk), {}, format="json")
            assert response.status_code == 403, (method, template, roles)
            assert response.json() == {"error": "Unauthorized roles"}
        assert Category.objects.filter(pk=category.pk).exists()

    @pytest.mark.parametrize(("method", "template", "_role"), ENDPOINTS)
    def test_the_right_role_is_enough(self, client_for, make_key, category, method, template, _role):
        role = "categories:read" if method == "get" else "categories:write"
        client = client_for(make_key(role))
        payload = {"locales": [{"locale": "en", "name": "x"}]}
        response = getattr(client, method)(self.url(template, category.pk), payload, format="json")
        assert response.status_code in {200, 201, 204}

    def test_key_in_the_query_string(self, client_for, make_key, category):
        key = make_key("categories:read")
        assert client_for(None).get(URL, {"x-api-key": key}).status_code == 200

    @pytest.mark.parametrize("method", ["put", "delete", "patch"])
    def test_other_methods_on_the_list_are_a_405(self, api, method):
        response = getattr(api, method)(URL, {}, format="json")
        assert response.status_code == 405
        assert response.json()["error"] == "Method not allowed"
