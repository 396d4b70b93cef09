"""The benchmark's baseline (tools/bench/baseline) answers the same rows as the API: like is compared with like."""

import json
from urllib.parse import quote

import pytest
from django.test import RequestFactory
from django.urls import resolve

from categories.models import Category, CategoryLocale
from references.models import Reference
from tests.factories import AssetImageFactory, AssetImageLocaleFactory
from tests.utils import API

pytestmark = pytest.mark.django_db


def baseline(path: str, body: dict | None = None) -> tuple[int, dict]:
    """The baseline view for a path, called as its gunicorn server would (its own urlconf)."""
    factory = RequestFactory()
    request = factory.get(path) if body is None else factory.post(path, json.dumps(body), "application/json")
    match = resolve(request.path, urlconf="tools.bench.baseline.urls")
    response = match.func(request, *match.args, **match.kwargs)
    return response.status_code, json.loads(response.content)


def test_image_reads_answer_the_same_document(api):
    image = AssetImageFactory()
    AssetImageLocaleFactory(image=image, locale="en")
    AssetImageLocaleFactory(image=image, locale="fr", caption_html="<p>Légende</p>")
    stored = image.file
    for api_path, base_path in [
        (f"{API}/assets/images/by-id/{image.id}", f"/baseline/images/by-id/{image.id}"),
        (f"{API}/assets/images/by-key/{stored.key}", f"/baseline/images/by-key/{stored.key}"),
        (f"{API}/assets/images/by-hash/{stored.sha256}", f"/baseline/images/by-hash/{stored.sha256}"),
    ]:
        expected = api.get(api_path).json()
        assert len(expected["data"]["locales"]) == 2
        assert baseline(base_path) == (200, expected)


def test_category_and_its_list_answer_the_same_rows(api):
    created = api.post(
        f"{API}/categories", {"locales": [{"locale": "en", "name": "News"}, {"locale": "fr", "name": "Infos"}]}, "json"
    ).json()["data"]
    assert baseline(f"/baseline/categories/{created['id']}") == (200, {"data": created})
    for index in range(3):
        category = Category.objects.create()
        CategoryLocale.objects.create(category=category, locale="en", name=f"Category {index}")
    api_page = api.get(f"{API}/categories?limit=2").json()
    status, base_page = baseline("/baseline/categories?limit=2")
    assert status == 200
    assert base_page["data"] == api_page["data"]
    # The next page, from the position the API's cursor names.
    after = base_page["meta"]["next"]
    _status, base_next = baseline(
        f"/baseline/categories?limit=2&after_t={quote(after['after_t'])}&after_id={after['after_id']}"
    )
    assert (
        base_next["data"]
        == api.get(f"{API}/categories", {"limit": 2, "after": api_page["meta"]["next"]}).json()["data"]
    )


def test_reference_reads_answer_the_same_rows(api):
    for index in range(3):
        Reference.objects.create(provider="facebook", external_id=f"post:{index}", urn=f"urn:docs:content:{index}")
    expected = api.get(f"{API}/references/{quote('facebook:post:1')}").json()
    assert baseline(f"/baseline/references/{quote('facebook:post:1')}") == (200, expected)
    refs = ["facebook:post:2", "twitter:none", "facebook:post:0"]
    expected = api.post(f"{API}/references/lookup", {"refs": refs}, "json").json()
    assert [item["id"] for item in expected["data"]] == ["post:2", "post:0"]
    assert baseline("/baseline/references/lookup", {"refs": refs}) == (200, expected)
