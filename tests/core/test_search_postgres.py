"""On PostgreSQL the three searches use their trigram indexes, and give the rows a scan gives.

The planner is left alone (no `enable_seqscan = off`): the tables get 3,000
rows each, the trigram indexes' pending lists merged (`gin_clean_pending_list`,
what VACUUM would do) and fresh statistics (ANALYZE). With that, PostgreSQL
picks the trigram index on its own for a selective or absent term in the
queries the API and the admin send, which is what the test asserts: that the
index matches the expression the queries use and wins on cost. Before the
merge, the just-inserted rows sit in the pending list, which the planner
prices as read by every search, and it chose other indexes. The figures at a
million rows are in docs/performance.md.
"""

from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone

from assets.models import AssetImage, StoredFile
from assets.selectors import image_list, image_search
from categories.models import Category, CategoryLocale
from categories.selectors import category_list, category_search
from core import search_plans
from references.models import Reference
from references.selectors import reference_search

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only"),
]

ROWS = 3000
TRIGRAM_INDEXES = [
    "asset_image_search_trgm",
    "category_search_trgm",
    "reference_provider_trgm",
    "reference_external_id_trgm",
    "reference_urn_trgm",
]


@pytest.fixture
def filled():
    now = timezone.now()
    files = StoredFile.objects.bulk_create(
        StoredFile(key=f"k/{i}", sha256=f"{i:064x}", byte_size=1, content_type="image/png", width=1, height=1)
        for i in range(ROWS)
    )
    AssetImage.all_objects.bulk_create(
        AssetImage(
            file=stored,
            name=f"Photo {i}",
            search_text=f"Photo {i}\nAgency {i % 7}\nCaption of photo {i}, 50% off_season",
            inserted_at=now - timezone.timedelta(seconds=i // 2),  # ties in inserted_at, broken by id
            deleted_at=now if i % 11 == 0 else None,
        )
        for i, stored in enumerate(files)
    )
    categories = Category.all_objects.bulk_create(
        Category(search_text=f"Category {i}\nCatégorie {i}", inserted_at=now - timezone.timedelta(seconds=i))
        for i in range(ROWS)
    )
    CategoryLocale.objects.bulk_create(
        CategoryLocale(category=category, locale="en", name=f"Category {i}") for i, category in enumerate(categories)
    )
    Reference.objects.bulk_create(
        Reference(provider=("facebook", "youtube")[i % 2], external_id=f"post-{i}", urn=f"urn:docs:content:{i:08x}")
        for i in range(ROWS)
    )
    with connection.cursor() as cursor:
        for index in TRIGRAM_INDEXES:
            # Rows inserted just now wait in the index's pending list, which the planner prices as
            # read by every search; VACUUM would merge it, but cannot run in the test's transaction.
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
        for model in (AssetImage, Category, CategoryLocale, Reference):
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def image_query(term: str):
    return image_search(queryset=image_list().order_by("-inserted_at", "-id"), term=term)[:21]


def category_query(term: str):
    return category_search(queryset=category_list().order_by("-inserted_at", "-id"), term=term)[:21]


def reference_query(term: str):
    # As the admin lists them (ReferenceAdmin.ordering).
    return reference_search(queryset=Reference.objects.order_by("provider", "external_id"), term=term)[:50]


@pytest.mark.parametrize(
    ("query", "term", "index"),
    [
        (image_query, "Photo 1234", "asset_image_search_trgm"),
        (image_query, "zzqqy", "asset_image_search_trgm"),
        (category_query, "Category 2345", "category_search_trgm"),
        (category_query, "zzqqy", "category_search_trgm"),
        (reference_query, "post-2345", "reference_external_id_trgm"),
        (reference_query, "00000abc", "reference_urn_trgm"),
    ],
)
def test_explain_names_the_trigram_index(filled, query, term, index):
    plan = query(term).explain()
    assert index in plan, plan


SCAN_TERMS = ["Photo 1234", "photo 12", "PHOTO", "agency 3", "50%", "f_s", "zzqqy", "Category 9", "gorie 12", "ge"]


def rows_with_and_without_indexes(build, term: str) -> tuple[list, list]:
    indexed = list(build(term).values_list("pk", flat=True))
    with transaction.atomic(), connection.cursor() as cursor:
        # Only scans are left to the planner for this transaction: the rows as before the indexes.
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
        scanned = list(build(term).values_list("pk", flat=True))
    return indexed, scanned


@pytest.mark.parametrize("build", [image_query, category_query, reference_query])
def test_the_indexes_change_no_row_and_no_order(filled, build):
    for term in SCAN_TERMS + ["post-12", "youtube", "content:0000"]:
        indexed, scanned = rows_with_and_without_indexes(build, term)
        assert indexed == scanned, term


def bitmap_scans() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_bitmapscan')")
        return cursor.fetchone()[0]


def test_a_walked_window_runs_without_bitmap_scans_and_leaves_the_callers_transaction_as_it_was():
    seen = []

    def fetch(queryset):
        seen.append(bitmap_scans())
        queryset._result_cache = []

    rows = Reference.objects.order_by("-id")[:5]
    with mock.patch.object(type(rows), "_fetch_all", fetch):
        search_plans.walked(rows)
    assert seen and set(seen) == {"off"}  # list() fetches through len() and iter()
    assert bitmap_scans() == "on"  # the test's own transaction goes on with the setting as it was


@pytest.mark.django_db(transaction=True)
def test_a_walked_window_outside_a_transaction_leaves_the_setting_with_its_own():
    assert not connection.in_atomic_block
    search_plans.walked(Reference.objects.order_by("-id")[:5])
    assert bitmap_scans() == "on"
