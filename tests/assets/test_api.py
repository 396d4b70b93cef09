"""The asset image endpoints (contract §3, §4)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from assets.models import AssetImage, AssetImageLocale
from tests.factories import AssetImageFactory, AssetImageLocaleFactory, StoredFileFactory, stored_file
from tests.utils import API, assert_error, image_bytes

IMAGES = f"{API}/assets/images"
MISSING = "00000000-0000-0000-0000-000000000000"


def create(client, **body):
    return client.post(IMAGES, body, format="json")


@pytest.fixture
def file_key(db) -> str:
    return stored_file().key


@pytest.fixture
def image(api, file_key) -> dict:
    response = create(
        api,
        file_key=file_key,
        name="Harbour",
        locales=[{"locale": "en", "credit": "Ann", "caption_html": "<p>Boats</p>"}],
    )
    assert response.status_code == 201
    return response.json()["data"]


@pytest.mark.django_db
class TestCreate:
    def test_201_with_the_image(self, api, file_key):
        stored = AssetImage.file.field.related_model.objects.get(key=file_key)
        response = create(api, file_key=file_key, name="Harbour at dawn", gravity="north")
        assert response.status_code == 201
        data = response.json()["data"]
        assert uuid.UUID(data["id"])
        assert data["file_key"] == file_key
        assert data["file_hash"] == stored.sha256
        assert data["name"] == "Harbour at dawn"
        assert data["gravity"] == "north"
        assert data["locales"] == []
        assert data["deleted_at"] is None
        assert data["inserted_at"].endswith("Z") and data["updated_at"].endswith("Z")
        assert (data["width"], data["height"], data["content_type"]) == (stored.width, stored.height, "image/png")
        assert data["byte_size"] == stored.byte_size
        assert data["url"].endswith(file_key)
        assert AssetImage.objects.get().id == uuid.UUID(data["id"])

    def test_gravity_defaults_to_center(self, api, file_key):
        assert create(api, file_key=file_key, name="n").json()["data"]["gravity"] == "center"

    def test_locales_with_a_sanitized_caption(self, api, file_key):
        locales = [
            {
                "locale": "fr",
                "credit": "Zoë",
                "caption_html": '<p onclick="x()">Le <a href="javascript:alert(1)">port</a><script>bad()</script></p>',
            },
            {"locale": "en"},
        ]
        data = create(api, file_key=file_key, name="n", locales=locales).json()["data"]
        by_locale = {item["locale"]: item for item in data["locales"]}
        assert set(by_locale) == {"en", "fr"}
        caption = by_locale["fr"]["caption_html"]
        assert "onclick" not in caption and "javascript" not in caption and "script" not in caption
        assert caption.startswith("<p>Le <a") and "port</a>" in caption
        assert by_locale["fr"]["credit"] == "Zoë"
        assert by_locale["fr"]["caption_text"] == "Le port"
        assert by_locale["en"] == {
            "id": by_locale["en"]["id"],
            "locale": "en",
            "credit": "",
            "caption_html": "",
            "caption_text": "",
        }
        assert uuid.UUID(by_locale["en"]["id"])
        stored = AssetImageLocale.objects.get(locale="fr").caption_html
        assert stored == caption

    def test_an_item_copied_from_a_response_can_be_sent_back(self, api, file_key):
        # caption_text is read-only: sent back (stale even), it is ignored and derived again.
        item = {"id": str(uuid.uuid4()), "locale": "en", "caption_html": "<p>A&amp;B</p>", "caption_text": "stale"}
        response = create(api, file_key=file_key, name="n", locales=[item])
        assert response.status_code == 201, response.json()
        assert response.json()["data"]["locales"][0]["caption_text"] == "A&B"

    def test_locale_is_normalized(self, api, file_key):
        data = create(api, file_key=file_key, name="n", locales=[{"locale": "PT-br"}]).json()["data"]
        assert data["locales"][0]["locale"] == "pt-BR"

    def test_duplicate_locale_is_400_with_details_per_item(self, api, file_key):
        locales = [{"locale": "en"}, {"locale": "fr"}, {"locale": "EN"}]
        response = create(api, file_key=file_key, name="n", locales=locales)
        assert response.status_code == 400
        body = response.json()
        assert body["error"] == "Bad Request"
        items = body["details"]["locales"]
        assert len(items) == 3
        assert items[0] == {} and items[1] == {}
        assert list(items[2]) == ["locale"]
        assert not AssetImage.all_objects.exists()

    @pytest.mark.parametrize("locale", ["en_US", "", "e", "abcdefghi", "fr-", 5])
    def test_invalid_locale_is_400(self, api, file_key, locale):
        response = create(api, file_key=file_key, name="n", locales=[{"locale": "de"}, {"locale": locale}])
        assert response.status_code == 400
        assert "locale" in response.json()["details"]["locales"][1]

    def test_locale_item_with_an_unknown_field_is_400(self, api, file_key):
        response = create(api, file_key=file_key, name="n", locales=[{"locale": "en", "title": "x"}])
        assert response.status_code == 400
        assert response.json()["details"]["locales"][0] == {"title": ["Unknown field."]}

    def test_credit_over_255_characters_is_400(self, api, file_key):
        response = create(api, file_key=file_key, name="n", locales=[{"locale": "en", "credit": "c" * 256}])
        assert response.status_code == 400
        assert "credit" in response.json()["details"]["locales"][0]

    def test_locales_not_a_list_is_400(self, api, file_key):
        assert create(api, file_key=file_key, name="n", locales="en").status_code == 400

    def test_empty_locales(self, api, file_key):
        assert create(api, file_key=file_key, name="n", locales=[]).status_code == 201

    def test_unknown_file_key_is_400(self, api):
        response = create(api, file_key="images/00/nothing.png", name="n")
        assert response.status_code == 400
        assert "file_key" in response.json()["details"]

    def test_file_hash_mismatch_is_400(self, api, file_key):
        response = create(api, file_key=file_key, name="n", file_hash="0" * 64)
        assert response.status_code == 400
        assert "file_hash" in response.json()["details"]

    @pytest.mark.parametrize("case", [str.lower, str.upper])
    def test_matching_file_hash_in_either_case(self, api, file_key, case):
        sha = AssetImage.file.field.related_model.objects.get(key=file_key).sha256
        response = create(api, file_key=file_key, name="n", file_hash=case(sha))
        assert response.status_code == 201
        assert response.json()["data"]["file_hash"] == sha

    @pytest.mark.parametrize("file_hash", ["abc", "g" * 64, "0" * 65])
    def test_malformed_file_hash_is_400(self, api, file_key, file_hash):
        response = create(api, file_key=file_key, name="n", file_hash=file_hash)
        assert response.status_code == 400
        # The same message as by-hash gives for the same mistake.
        assert response.json()["details"] == {"file_hash": ["Give the SHA-256 as 64 hexadecimal characters."]}
        by_hash = api.get(f"{API}/assets/images/by-hash/{file_hash}")
        assert by_hash.json()["details"] == response.json()["details"]

    @pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": "n" * 256}, {"name": None}])
    def test_bad_name_is_400(self, api, file_key, body):
        response = create(api, file_key=file_key, **body)
        assert response.status_code == 400
        assert list(response.json()["details"]) == ["name"]

    def test_name_of_255_characters_is_fine(self, api, file_key):
        assert create(api, file_key=file_key, name="n" * 255).status_code == 201

    def test_name_with_a_nul_character_is_400(self, api, file_key):
        assert create(api, file_key=file_key, name="a\x00b").status_code == 400

    @pytest.mark.parametrize("gravity", ["middle", "CENTER", "", None, 3])
    def test_bad_gravity_is_400(self, api, file_key, gravity):
        response = create(api, file_key=file_key, name="n", gravity=gravity)
        assert response.status_code == 400
        assert "gravity" in response.json()["details"]

    @pytest.mark.parametrize(
        "gravity", ["center", "north", "northeast", "east", "southeast", "south", "southwest", "west", "northwest"]
    )
    def test_every_gravity(self, api, file_key, gravity):
        assert create(api, file_key=file_key, name="n", gravity=gravity).json()["data"]["gravity"] == gravity

    def test_unknown_field_is_400(self, api, file_key):
        response = create(api, file_key=file_key, name="n", colour="red")
        assert response.status_code == 400
        assert response.json()["details"] == {"colour": ["Unknown field."]}

    def test_sent_id_is_ignored(self, api, file_key):
        sent = str(uuid.uuid4())
        response = create(api, file_key=file_key, name="n", id=sent)
        assert response.status_code == 201
        assert response.json()["data"]["id"] != sent

    def test_file_key_missing_is_400(self, api):
        response = create(api, name="n")
        assert response.status_code == 400
        assert "file_key" in response.json()["details"]

    def test_second_live_image_for_the_same_file_is_409(self, api, image):
        response = create(api, file_key=image["file_key"], name="Again")
        assert response.status_code == 409
        body = response.json()
        assert body["error"] == "Conflict"
        assert body["details"]["existing_id"] == image["id"]
        assert AssetImage.all_objects.count() == 1

    def test_a_deleted_image_does_not_block_a_new_one(self, api, image):
        api.delete(f"{IMAGES}/{image['id']}")
        response = create(api, file_key=image["file_key"], name="Again")
        assert response.status_code == 201
        assert response.json()["data"]["id"] != image["id"]


@pytest.mark.django_db
class TestGet:
    def test_by_id(self, api, image):
        response = api.get(f"{IMAGES}/by-id/{image['id']}")
        assert response.status_code == 200
        assert response.json() == {"data": image}

    def test_by_id_uppercase_uuid(self, api, image):
        assert api.get(f"{IMAGES}/by-id/{image['id'].upper()}").json()["data"]["id"] == image["id"]

    def test_by_key(self, api, image):
        response = api.get(f"{IMAGES}/by-key/{image['file_key']}")
        assert response.status_code == 200
        assert response.json() == {"data": image}

    def test_by_key_percent_encoded(self, api, image):
        encoded = image["file_key"].replace("/", "%2F")
        assert api.get(f"{IMAGES}/by-key/{encoded}").json()["data"]["id"] == image["id"]

    @pytest.mark.parametrize("case", [str.lower, str.upper])
    def test_by_hash(self, api, image, case):
        response = api.get(f"{IMAGES}/by-hash/{case(image['file_hash'])}")
        assert response.status_code == 200
        assert response.json() == {"data": image}

    @pytest.mark.parametrize(
        "path", [f"by-id/{MISSING}", "by-key/images/00/none.png", "by-key/nothing", f"by-hash/{'a' * 64}"]
    )
    def test_unknown_is_404(self, api, image, path):
        response = api.get(f"{IMAGES}/{path}")
        assert_error(response, 404, "Entity not found")

    @pytest.mark.parametrize(
        "raw", ["12", "not-a-uuid", MISSING + "0", "{" + MISSING + "}", "urn:uuid:" + MISSING, MISSING.replace("-", "")]
    )
    def test_bad_uuid_is_400(self, api, raw):
        response = api.get(f"{IMAGES}/by-id/{raw}")
        assert_error(response, 400, "Invalid uuid sent")

    @pytest.mark.parametrize("raw", ["abc", "g" * 64, "a" * 63, "a" * 65, "a" * 64 + "%0A"])
    def test_bad_hash_is_400(self, api, raw):
        response = api.get(f"{IMAGES}/by-hash/{raw}")
        assert response.status_code == 400
        assert response.json()["error"] == "Bad Request"
        assert "file_hash" in response.json()["details"]

    @pytest.mark.parametrize("key", ["a%00b", "images/%00.png"])
    def test_key_with_a_nul_character_is_404_not_500(self, api, image, key):
        # PostgreSQL refuses NUL in text parameters: no stored key has one.
        response = api.get(f"{IMAGES}/by-key/{key}")
        assert_error(response, 404, "Entity not found")

    def test_file_without_image_is_404(self, api, file_key):
        assert api.get(f"{IMAGES}/by-key/{file_key}").status_code == 404


@pytest.mark.django_db
class TestSoftDeletedVisibility:
    @pytest.fixture
    def deleted(self, api, image) -> dict:
        assert api.delete(f"{IMAGES}/{image['id']}").status_code == 204
        return image

    def paths(self, image) -> list[str]:
        return [
            f"{IMAGES}/by-id/{image['id']}",
            f"{IMAGES}/by-key/{image['file_key']}",
            f"{IMAGES}/by-hash/{image['file_hash']}",
        ]

    def test_hidden_by_default(self, api, deleted):
        for path in self.paths(deleted):
            response = api.get(path)
            assert response.status_code == 404, path
            assert response.json() == {"error": "Entity not found"}

    @pytest.mark.parametrize("flag", ["true", "True", "1"])
    def test_shown_with_include_deleted(self, api, deleted, flag):
        for path in self.paths(deleted):
            response = api.get(path, {"include_deleted": flag})
            assert response.status_code == 200, path
            data = response.json()["data"]
            assert data["id"] == deleted["id"]
            assert data["deleted_at"].endswith("Z")

    def test_an_empty_include_deleted_is_400_like_any_non_boolean(self, api, deleted):
        # The schema says boolean; `include_deleted=` is not one (issue 12: the schema says what is accepted).
        response = api.get(f"{IMAGES}/by-id/{deleted['id']}", {"include_deleted": ""})
        assert response.status_code == 400
        assert response.json()["details"] == {"include_deleted": ["Must be true or false."]}

    @pytest.mark.parametrize("flag", ["false", "0"])
    def test_include_deleted_false_hides(self, api, deleted, flag):
        assert api.get(f"{IMAGES}/by-id/{deleted['id']}", {"include_deleted": flag}).status_code == 404

    @pytest.mark.parametrize("flag", ["maybe", "yes", "2"])
    def test_include_deleted_must_be_a_boolean(self, api, image, flag):
        response = api.get(f"{IMAGES}/by-id/{image['id']}", {"include_deleted": flag})
        assert response.status_code == 400
        assert response.json() == {"error": "Bad Request", "details": {"include_deleted": ["Must be true or false."]}}

    def test_by_key_prefers_the_live_image(self, api, deleted):
        live = create(api, file_key=deleted["file_key"], name="Live").json()["data"]
        for path in self.paths(deleted)[1:]:
            assert api.get(path, {"include_deleted": "true"}).json()["data"]["id"] == live["id"]


@pytest.mark.django_db
class TestDelete:
    def test_204_with_an_empty_body(self, api, image):
        response = api.delete(f"{IMAGES}/{image['id']}")
        assert response.status_code == 204
        assert response.content == b""
        row = AssetImage.all_objects.get(pk=image["id"])
        assert row.deleted_at is not None
        assert row.updated_at >= row.deleted_at - timedelta(seconds=1)

    def test_nothing_is_erased(self, api, image):
        api.delete(f"{IMAGES}/{image['id']}")
        assert AssetImage.all_objects.filter(pk=image["id"]).exists()
        assert AssetImageLocale.objects.filter(image_id=image["id"]).count() == 1

    def test_again_is_404(self, api, image):
        api.delete(f"{IMAGES}/{image['id']}")
        response = api.delete(f"{IMAGES}/{image['id']}")
        assert_error(response, 404, "Entity not found")

    def test_unknown_is_404(self, api):
        assert api.delete(f"{IMAGES}/{MISSING}").status_code == 404

    def test_bad_uuid_is_400(self, api):
        response = api.delete(f"{IMAGES}/nope")
        assert_error(response, 400, "Invalid uuid sent")


@pytest.mark.django_db
class TestRestore:
    def restore(self, api, image_id):
        return api.post(f"{IMAGES}/{image_id}/restore")

    def test_live_image_is_200_unchanged(self, api, image):
        response = self.restore(api, image["id"])
        assert response.status_code == 200
        assert response.json() == {"data": image}

    def test_deleted_image_comes_back(self, api, image):
        api.delete(f"{IMAGES}/{image['id']}")
        response = self.restore(api, image["id"])
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["deleted_at"] is None
        assert data["locales"] == image["locales"]
        assert api.get(f"{IMAGES}/by-id/{image['id']}").status_code == 200

    def test_twice_is_idempotent(self, api, image):
        api.delete(f"{IMAGES}/{image['id']}")
        first = self.restore(api, image["id"])
        second = self.restore(api, image["id"])
        assert second.status_code == 200
        assert second.json() == first.json()

    def test_unknown_is_404(self, api):
        response = self.restore(api, MISSING)
        assert_error(response, 404, "Entity not found")

    def test_bad_uuid_is_400(self, api):
        assert self.restore(api, "xyz").json() == {"error": "Invalid uuid sent"}

    def test_file_taken_by_another_live_image_is_409_and_stays_deleted(self, api, image):
        api.delete(f"{IMAGES}/{image['id']}")
        other = create(api, file_key=image["file_key"], name="Replacement").json()["data"]
        response = self.restore(api, image["id"])
        assert response.status_code == 409
        body = response.json()
        assert body["error"] == "Conflict"
        assert body["details"]["existing_id"] == other["id"]
        assert AssetImage.all_objects.get(pk=image["id"]).deleted_at is not None

    def test_body_is_not_needed(self, api, image):
        response = api.post(f"{IMAGES}/{image['id']}/restore", content_type="application/json")
        assert response.status_code == 200


@pytest.mark.django_db
class TestList:
    @pytest.fixture
    def three(self, db) -> list[AssetImage]:
        now = timezone.now()
        images = [
            AssetImageFactory(name="Old harbour", inserted_at=now - timedelta(minutes=3)),
            AssetImageFactory(name="Mountain", inserted_at=now - timedelta(minutes=2)),
            AssetImageFactory(name="New HARBOUR", inserted_at=now - timedelta(minutes=1)),
        ]
        AssetImageLocaleFactory(image=images[0], locale="fr")
        AssetImageLocaleFactory(image=images[1], locale="pt-BR")
        AssetImageLocaleFactory(image=images[2], locale="en")
        return images

    def ids(self, response) -> list[str]:
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["data"]]

    def test_newest_first(self, api, three):
        assert self.ids(api.get(IMAGES)) == [str(i.id) for i in reversed(three)]

    def test_shape(self, api, three):
        body = api.get(IMAGES).json()
        assert set(body) == {"data", "meta"}
        assert body["meta"] == {"base": f"{IMAGES}?limit=20", "next": None, "previous": None}
        assert body["data"][0]["locales"][0]["locale"] == "en"

    def test_empty(self, api):
        assert api.get(IMAGES).json() == {
            "data": [],
            "meta": {"base": f"{IMAGES}?limit=20", "next": None, "previous": None},
        }

    def test_deleted_left_out_unless_asked(self, api, three):
        api.delete(f"{IMAGES}/{three[1].id}")
        assert str(three[1].id) not in self.ids(api.get(IMAGES))
        assert self.ids(api.get(IMAGES, {"include_deleted": "true"})) == [str(i.id) for i in reversed(three)]

    def test_search_is_a_case_insensitive_substring(self, api, three):
        assert self.ids(api.get(IMAGES, {"search": "harbour"})) == [str(three[2].id), str(three[0].id)]
        assert self.ids(api.get(IMAGES, {"search": "OUNTA"})) == [str(three[1].id)]
        assert self.ids(api.get(IMAGES, {"search": "nothing"})) == []

    def test_locale_filter(self, api, three):
        assert self.ids(api.get(IMAGES, {"locale": "fr"})) == [str(three[0].id)]
        assert self.ids(api.get(IMAGES, {"locale": "pt-br"})) == [str(three[1].id)]
        assert self.ids(api.get(IMAGES, {"locale": "de"})) == []

    def test_bad_locale_filter_is_400(self, api, three):
        response = api.get(IMAGES, {"locale": "en_US"})
        assert response.status_code == 400
        assert "locale" in response.json()["details"]

    def test_filters_are_kept_in_meta_base(self, api, three):
        meta = api.get(IMAGES, {"search": "harbour", "limit": "1"}).json()["meta"]
        assert meta["base"] == f"{IMAGES}?limit=1&search=harbour"

    def test_pages_forward_and_back(self, api, three):
        first = api.get(IMAGES, {"limit": 2}).json()
        assert [i["id"] for i in first["data"]] == [str(three[2].id), str(three[1].id)]
        assert first["meta"]["previous"] is None and first["meta"]["next"]
        second = api.get(IMAGES, {"limit": 2, "after": first["meta"]["next"]}).json()
        assert [i["id"] for i in second["data"]] == [str(three[0].id)]
        assert second["meta"]["next"] is None and second["meta"]["previous"]
        back = api.get(IMAGES, {"limit": 2, "before": second["meta"]["previous"]}).json()
        assert back["data"] == first["data"]

    @pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5"])
    def test_bad_limit_is_400(self, api, limit):
        response = api.get(IMAGES, {"limit": limit})
        assert response.status_code == 400
        assert "limit" in response.json()["details"]

    def test_bad_cursor_is_400(self, api, three):
        assert api.get(IMAGES, {"after": "garbage"}).status_code == 400

    def test_after_and_before_together_is_400(self, api, three):
        cursor = api.get(IMAGES, {"limit": 1}).json()["meta"]["next"]
        assert api.get(IMAGES, {"after": cursor, "before": cursor}).status_code == 400

    def test_search_over_255_characters_is_400(self, api):
        assert api.get(IMAGES, {"search": "s" * 256}).status_code == 400


ENDPOINTS = [
    ("get", f"{IMAGES}", "read"),
    ("post", f"{IMAGES}", "write"),
    ("get", f"{IMAGES}/by-id/{MISSING}", "read"),
    ("get", f"{IMAGES}/by-key/images/x.png", "read"),
    ("get", f"{IMAGES}/by-hash/{'a' * 64}", "read"),
    ("delete", f"{IMAGES}/{MISSING}", "write"),
    ("post", f"{IMAGES}/{MISSING}/restore", "write"),
    ("post", f"{IMAGES}/upload", "write"),
]


@pytest.mark.django_db
class TestAccess:
    @pytest.mark.parametrize(("method", "path", "need"), ENDPOINTS)
    def test_no_key_is_401(self, client_for, method, path, need):
        response = getattr(client_for(), method)(path)
        assert_error(response, 401, "Unauthorized API KEY")

    @pytest.mark.parametrize(("method", "path", "need"), ENDPOINTS)
    def test_the_other_asset_role_is_403(self, client_for, make_key, method, path, need):
        other = "assets:write" if need == "read" else "assets:read"
        response = getattr(client_for(make_key(other, "categories:read", "categories:write")), method)(path)
        assert_error(response, 403, "Unauthorized roles")

    @pytest.mark.parametrize(("method", "path", "need"), ENDPOINTS)
    def test_the_right_role_passes(self, client_for, make_key, method, path, need):
        response = getattr(client_for(make_key(f"assets:{need}")), method)(path)
        assert response.status_code not in (401, 403)


@pytest.mark.django_db
class TestQueryCounts:
    def make_images(self, count: int) -> list[AssetImage]:
        images = []
        for _ in range(count):
            image = AssetImageFactory(file=StoredFileFactory())
            AssetImageLocaleFactory(image=image, locale="en")
            AssetImageLocaleFactory(image=image, locale="fr")
            images.append(image)
        return images

    def count_queries(self, api, path, django_assert_max_num_queries) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        api.get(path)  # warm the key cache and last_used_at
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(path).status_code == 200
        return len(ctx.captured_queries)

    def test_list_cost_does_not_grow_with_the_page(self, api, django_assert_num_queries):
        self.make_images(1)
        one = self.count_queries(api, IMAGES, None)
        self.make_images(19)
        assert len(api.get(IMAGES).json()["data"]) == 20
        with django_assert_num_queries(one):
            api.get(IMAGES)
        # A search asks one more: where the window of rows after the cursor ends (core.search_plans).
        with django_assert_num_queries(one + 1):
            api.get(IMAGES, {"locale": "en", "search": "Image"})

    def test_detail_is_two_queries(self, api, django_assert_num_queries):
        (image,) = self.make_images(1)
        api.get(IMAGES)  # warm the key cache
        with django_assert_num_queries(2):  # the image with its file, its locales
            assert api.get(f"{IMAGES}/by-id/{image.id}").status_code == 200
        with django_assert_num_queries(2):
            assert api.get(f"{IMAGES}/by-hash/{image.file.sha256}").status_code == 200
        with django_assert_num_queries(2):
            assert api.get(f"{IMAGES}/by-key/{image.file.key}").status_code == 200

    def test_list_page_is_two_queries(self, api, django_assert_num_queries):
        self.make_images(20)
        api.get(IMAGES)
        with django_assert_num_queries(2):
            assert len(api.get(IMAGES, {"limit": 100}).json()["data"]) == 20


@pytest.mark.django_db
def test_upload_then_describe_then_find_by_hash(api):
    data = image_bytes("JPEG", size=(64, 48))
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = api.post(
        f"{IMAGES}/upload", {"file": SimpleUploadedFile("p.jpg", data, "image/jpeg")}, format="multipart"
    ).json()["data"]
    created = create(api, file_key=uploaded["file_key"], file_hash=uploaded["file_hash"], name="Photo").json()["data"]
    found = api.get(f"{IMAGES}/by-hash/{uploaded['file_hash']}").json()["data"]
    assert found == created
    assert (found["width"], found["height"], found["content_type"]) == (64, 48, "image/jpeg")
