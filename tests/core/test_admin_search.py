"""Changelists at scale (core.admin_search): the selectors' search, and no full count of the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.models import AssetImage
from categories.services import category_soft_delete
from core.admin_search import EstimatedCountPaginator
from references.models import Reference
from tests.categories.factories import make_category
from tests.factories import AssetImageFactory, AssetImageLocaleFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's estimate and LIMIT count")


def page(admin_client, url_name: str, **params) -> str:
    response = admin_client.get(reverse(url_name), params)
    assert response.status_code == 200
    return response.content.decode()


class TestSearch:
    def test_images_by_credit_and_caption_text(self, admin_client):
        AssetImageLocaleFactory(image=AssetImageFactory(name="Quay"), credit="Reuters", caption_html="<p>Brest</p>")
        AssetImageFactory(name="Mountain")
        html = page(admin_client, "admin:assets_assetimage_changelist", q="REUT")
        assert "Quay" in html and "Mountain" not in html
        html = page(admin_client, "admin:assets_assetimage_changelist", q="brest")
        assert "Quay" in html and "Mountain" not in html

    def test_images_by_file_key(self, admin_client):
        image = AssetImageFactory(name="Quay")
        AssetImageFactory(name="Mountain")
        html = page(admin_client, "admin:assets_assetimage_changelist", q=image.file.key)
        assert "Quay" in html and "Mountain" not in html

    def test_categories_by_live_names_only(self, admin_client):
        make_category({"en": "World news", "fr": "Actualités"})
        make_category({"en": "Sports"})
        gone = make_category({"en": "Old news"})
        category_soft_delete(category=gone)
        html = page(admin_client, "admin:categories_category_changelist", q="actual")
        assert "World news" in html and "Sports" not in html
        # The status filter still applies to a search.
        html = page(admin_client, "admin:categories_category_changelist", q="news", status="deleted")
        assert "Old news" in html and "World news" not in html

    def test_references_by_provider_id_and_urn(self, admin_client):
        Reference.objects.create(provider="youtube", external_id="clip-1", urn="urn:docs:content:alpha")
        Reference.objects.create(provider="twitter", external_id="post-2", urn="urn:docs:content:beta")
        url = "admin:references_reference_changelist"
        assert "clip-1" in page(admin_client, url, q="TUBE") and "post-2" not in page(admin_client, url, q="TUBE")
        assert "post-2" in page(admin_client, url, q="BETA") and "clip-1" not in page(admin_client, url, q="BETA")

    def test_one_character_shows_why_nothing_is_listed(self, admin_client):
        AssetImageFactory(name="Quay")
        html = page(admin_client, "admin:assets_assetimage_changelist", q="q")
        assert "Type at least 2 characters to search." in html
        assert "Quay" not in html


class TestCounting:
    def test_sqlite_or_small_lists_are_counted_exactly(self):
        for index in range(5):
            AssetImageFactory(name=f"Image {index}")
        paginator = EstimatedCountPaginator(AssetImage.objects.order_by("-inserted_at"), 2)
        assert paginator.count == 5
        assert paginator.num_pages == 3

    @postgresql_only
    def test_postgresql_counts_up_to_the_limit_then_takes_the_estimate(self, monkeypatch):
        for index in range(7):
            AssetImageFactory(name=f"Image {index}")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE assets_assetimage")
        monkeypatch.setattr(EstimatedCountPaginator, "EXACT_COUNT_LIMIT", 3)
        queryset = AssetImage.objects.order_by("-inserted_at")
        with CaptureQueriesContext(connection) as queries:
            count = EstimatedCountPaginator(queryset, 2).count
        # Counted up to 4 rows (over the limit), then the planner's estimate: 7 after ANALYZE.
        assert count == 7
        assert "LIMIT 4" in queries[0]["sql"]
        assert queries[1]["sql"].startswith("EXPLAIN")

    @postgresql_only
    @pytest.mark.parametrize(
        "url_name",
        ["admin:assets_assetimage_changelist", "admin:categories_category_changelist"],
    )
    def test_no_changelist_query_counts_every_row(self, admin_client, url_name):
        AssetImageFactory(name="Quay")
        make_category({"en": "News"})
        for params in ({}, {"q": "qu"}, {"status": "deleted"}):
            with CaptureQueriesContext(connection) as queries:
                page(admin_client, url_name, **params)
            counts = [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]
            assert counts, "the changelist counts its rows somewhere"
            assert all("LIMIT 10001" in sql for sql in counts), counts
