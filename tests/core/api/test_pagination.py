"""The keyset paginator through the image list (contract §4: pages like the category list)."""

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assets.models import AssetImage, StoredFile
from assets.services import image_create, image_soft_delete
from categories.services import category_create
from core.api.pagination import KeysetPagination
from tests.utils import API

pytestmark = pytest.mark.django_db

URL = f"{API}/assets/images"
T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)


def make_image(name: str, *, seconds: int | None = None, locales=None) -> AssetImage:
    digest = hashlib.sha256(name.encode()).hexdigest()
    stored = StoredFile.objects.create(
        key=f"images/{digest}.png", sha256=digest, byte_size=10, content_type="image/png", width=1, height=1
    )
    image = image_create(file_key=stored.key, name=name, locales=locales or [])
    if seconds is not None:
        AssetImage.all_objects.filter(pk=image.pk).update(inserted_at=T0 + timedelta(seconds=seconds))
    return image


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()["data"]]


def walk(api, params: dict, direction: str = "after") -> list[str]:
    served, cursor = [], None
    while True:
        response = api.get(URL, {**params, **({direction: cursor} if cursor else {})})
        assert response.status_code == 200, response.json()
        served = served + ids(response) if direction == "after" else ids(response) + served
        cursor = response.json()["meta"]["next" if direction == "after" else "previous"]
        if cursor is None:
            return served


def test_walks_the_image_list_newest_first(api):
    images = [make_image(f"Image {index}", seconds=index) for index in range(23)]
    expected = [str(image.pk) for image in reversed(images)]
    assert walk(api, {"limit": 5}) == expected
    last_page = api.get(URL, {"limit": 5, "after": api.get(URL, {"limit": 20}).json()["meta"]["next"]})
    assert len(ids(last_page)) == 3
    back = ids(last_page)
    cursor = last_page.json()["meta"]["previous"]
    while cursor:
        response = api.get(URL, {"limit": 5, "before": cursor})
        back = ids(response) + back
        cursor = response.json()["meta"]["previous"]
    assert back == expected


def test_search_locale_and_include_deleted_filters(api):
    harbour = make_image("Harbour at dawn", seconds=1, locales=[{"locale": "pt-br", "caption_html": "Porto"}])
    make_image("Mountain", seconds=2, locales=[{"locale": "en", "caption_html": "Peak"}])
    gone = make_image("Harbour by night", seconds=3)
    image_soft_delete(image=gone)
    assert ids(api.get(URL, {"search": "HARBOUR"})) == [str(harbour.pk)]
    assert ids(api.get(URL, {"search": "harbour", "include_deleted": "true"})) == [str(gone.pk), str(harbour.pk)]
    assert ids(api.get(URL, {"locale": "pt-BR"})) == [str(harbour.pk)]
    assert ids(api.get(URL, {"locale": "PT-br"})) == [str(harbour.pk)]
    assert api.get(URL, {"locale": "not a tag"}).status_code == 400
    assert api.get(URL, {"include_deleted": "maybe"}).status_code == 400


def test_meta_base_keeps_the_filters(api):
    meta = api.get(URL, {"search": "xy", "include_deleted": "true", "limit": 3}).json()["meta"]
    assert meta == {"base": f"{URL}?limit=3&search=xy&include_deleted=true", "next": None, "previous": None}


def test_filtered_walk_with_deletions_between_pages(api):
    kept = [make_image(f"Kept {index}", seconds=index) for index in range(12)]
    others = [make_image(f"Other {index}", seconds=100 + index) for index in range(5)]
    served, cursor = [], None
    while True:
        response = api.get(URL, {"limit": 4, "search": "kept", **({"after": cursor} if cursor else {})})
        served += ids(response)
        cursor = response.json()["meta"]["next"]
        if others:
            image_soft_delete(image=others.pop())
        if cursor is None:
            break
    assert served == [str(image.pk) for image in reversed(kept)]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": limit}, "limit") for limit in ("0", "101", "abc", "²")]
    + [({"after": "nope"}, "after"), ({"before": "nope"}, "before"), ({"after": "a", "before": "b"}, "before")],
)
def test_bad_paging_parameters_are_a_400(api, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["details"]


def test_a_category_cursor_does_not_work_on_images(api):
    make_image("One", seconds=1)
    make_image("Two", seconds=2)
    category_create(locales=[{"locale": "en", "name": "a"}])
    category_create(locales=[{"locale": "en", "name": "b"}])
    category_cursor = api.get(f"{API}/categories", {"limit": 1}).json()["meta"]["next"]
    assert api.get(URL, {"after": category_cursor}).status_code == 400


def test_the_list_query_is_a_range_condition_not_an_offset(api):
    for index in range(6):
        make_image(f"Image {index}", seconds=index)
    api.get(URL)  # the key is cached after the first request
    cursor = api.get(URL, {"limit": 2}).json()["meta"]["next"]
    with CaptureQueriesContext(connection) as captured:
        assert len(ids(api.get(URL, {"limit": 2, "after": cursor}))) == 2
    page_sql = captured.captured_queries[0]["sql"].upper()
    assert "OFFSET" not in page_sql and "LIMIT 3" in page_sql
    assert "INSERTED_AT" in page_sql.split("WHERE", 1)[1]


def test_cursor_roundtrip():
    paginator = KeysetPagination()

    class View:
        cursor_scope = "tests"

    image = AssetImage.objects.get(pk=make_image("Roundtrip", seconds=7).pk)
    cursor = paginator.encode_cursor(image, View())
    inserted_at, row_id = paginator.decode_cursor(cursor, View(), "after")
    assert (inserted_at, row_id) == (image.inserted_at, str(image.pk))
