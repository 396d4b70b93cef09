"""Changelists at scale (core.admin_search): the selectors' search, and no full count of the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets.models import AssetImage
from assets.selectors import image_search
from categories.services import category_soft_delete
from core.admin_search import EstimatedCountPaginator, SearchPaginator
from references.models import Reference
from references.selectors import reference_search
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


def many(monkeypatch, limit: int) -> None:
    """More than `limit` rows are many; their number is known exactly (PostgreSQL's estimate
    of a few test rows is rough, and would cut the list short or make it longer)."""
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_COUNT_LIMIT", limit)
    monkeypatch.setattr("core.admin_search.planner_estimate", lambda queryset: queryset.count())


class TestSearchPages:
    """SearchPaginator fetches a searched page by other plans: the same rows, in the same order."""

    @staticmethod
    def pages(queryset, per_page: int) -> list[list]:
        paginator = SearchPaginator(queryset, per_page)
        return [list(paginator.page(number).object_list) for number in paginator.page_range]

    @staticmethod
    def plain(queryset, per_page: int) -> list[list]:
        rows = list(queryset)
        return [rows[start : start + per_page] for start in range(0, len(rows), per_page)] or [[]]

    def references(self):
        for index in range(23):
            Reference.objects.create(provider="youtube", external_id=f"post-{index}", urn=f"urn:docs:content:r{index}")
        # The matches bunch among the oldest rows: the newest are other posts.
        for index in range(12):
            Reference.objects.create(provider="vimeo", external_id=f"clip-{index}", urn=f"urn:docs:content:c{index}")
        return reference_search(queryset=Reference.objects.order_by("-id"), term="post")

    @pytest.mark.parametrize("limit, window", [(10_000, 100), (3, 100), (3, 1), (3, 2)])
    def test_references_newest_first(self, monkeypatch, limit, window):
        # limit 10,000: few matches, sorted; limit 3: many, looked for in a window of `window` x the
        # page's end, found there (100) or not (1: sorted after all; 2: found on some pages only).
        many(monkeypatch, limit)
        monkeypatch.setattr(SearchPaginator, "WINDOW_FACTOR", window)
        queryset = self.references()
        assert self.pages(queryset, 5) == self.plain(queryset, 5)
        assert self.pages(queryset.order_by("id"), 4) == self.plain(queryset.order_by("id"), 4)

    @pytest.mark.parametrize("limit, window", [(10_000, 100), (3, 1), (3, 2)])
    def test_images_with_ties_in_the_first_column(self, monkeypatch, limit, window):
        many(monkeypatch, limit)
        monkeypatch.setattr(SearchPaginator, "WINDOW_FACTOR", window)
        moment = timezone.now()
        for index in range(14):
            AssetImageFactory(name=f"Harbour {index}" if index % 3 else f"Field {index}")
        # Every other image inserted at one instant: the id breaks the ties.
        AssetImage.objects.filter(pk__in=list(AssetImage.objects.values_list("pk", flat=True)[::2])).update(
            inserted_at=moment
        )
        queryset = image_search(queryset=AssetImage.objects.order_by("-inserted_at", "-id"), term="harb")
        assert self.pages(queryset, 3) == self.plain(queryset, 3)
        by_name = queryset.order_by("name", "-pk")
        assert self.pages(by_name, 4) == self.plain(by_name, 4)

    def test_a_searched_changelist_sorts_few_matches_without_walking_an_index(self, admin_client):
        # More than a page (50): one page of matches is listed without paging.
        Reference.objects.bulk_create(
            Reference(provider="youtube", external_id=f"post-{index}", urn=f"urn:docs:content:{index}")
            for index in range(60)
        )
        Reference.objects.create(provider="vimeo", external_id="clip-1", urn="urn:docs:content:clip")
        with CaptureQueriesContext(connection) as queries:
            html = page(admin_client, "admin:references_reference_changelist", q="post")
        assert "post-59" in html and "post-9" not in html and "clip-1" not in html
        listed = [query["sql"] for query in queries if "COALESCE" in query["sql"].upper()]
        assert len(listed) == 1, [query["sql"] for query in queries]

    def test_an_unsearched_changelist_pages_as_before(self, admin_client):
        self.references()
        with CaptureQueriesContext(connection) as queries:
            page(admin_client, "admin:references_reference_changelist")
        assert not [query["sql"] for query in queries if "COALESCE" in query["sql"].upper()]
