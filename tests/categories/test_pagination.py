"""The category list: keyset pages, cursors, meta, filters and a constant number of queries."""

from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core import signing
from django.utils import timezone

from categories.models import Category
from categories.services import category_soft_delete, category_update
from tests.categories.factories import make_category
from tests.utils import API

pytestmark = pytest.mark.django_db

URL = f"{API}/categories"
T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)


def at(seconds: float):
    return T0 + timedelta(seconds=seconds)


def make_rows(count: int, *, start: int = 0) -> list[Category]:
    return [make_category({"en": f"Row {start + i}"}, inserted_at=at(start + i)) for i in range(count)]


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()["data"]]


def expected_order(queryset) -> list[str]:
    return [str(pk) for pk in queryset.order_by("-inserted_at", "-id").values_list("pk", flat=True)]


class TestWalkingTheList:
    def test_walks_forward_and_back_across_the_whole_list(self, api):
        make_rows(55)
        everything = expected_order(Category.objects.all())
        forward, cursor, pages = [], None, 0
        while True:
            response = api.get(URL, {"limit": 7, **({"after": cursor} if cursor else {})})
            assert response.status_code == 200
            meta = response.json()["meta"]
            assert (meta["previous"] is None) == (cursor is None)
            forward += ids(response)
            pages += 1
            cursor = meta["next"]
            if cursor is None:
                break
        assert pages == 8 and forward == everything  # 7 full pages and one of 6

        backward, cursor = [], response.json()["meta"]["previous"]
        backward = ids(response)
        while cursor is not None:
            response = api.get(URL, {"limit": 7, "before": cursor})
            assert response.status_code == 200
            backward = ids(response) + backward
            assert response.json()["meta"]["next"] is not None
            cursor = response.json()["meta"]["previous"]
        assert backward == everything

    def test_rows_inserted_or_deleted_while_paging_are_never_served_twice_or_skipped(self, api):
        rows = make_rows(55)
        throughout = {str(row.pk) for row in rows}
        deleted_ahead: set[str] = set()
        served, cursor, step = [], None, 0
        while True:
            response = api.get(URL, {"limit": 7, **({"after": cursor} if cursor else {})})
            page = ids(response)
            served += page
            cursor = response.json()["meta"]["next"]
            if cursor is None:
                break
            step += 1
            # Between pages: a new newest row, a row old enough to land in the pages to come,
            # a row born in the part already served, and deletions of the cursor's own row
            # and of a row not served yet.
            make_category({"en": f"Newest {step}"})
            make_category({"en": f"Old {step}"}, inserted_at=at(-step))
            make_category({"en": f"Served part {step}"}, inserted_at=at(60 + step))
            cursor_row = Category.objects.get(pk=page[-1])
            category_soft_delete(category=cursor_row)
            throughout.discard(page[-1])
            # The row that would open the next page.
            up_next = Category.objects.filter(inserted_at__lt=cursor_row.inserted_at, inserted_at__gte=at(0)).first()
            if up_next is not None:
                category_soft_delete(category=up_next)
                throughout.discard(str(up_next.pk))
                deleted_ahead.add(str(up_next.pk))
        assert len(served) == len(set(served)), "a row was served twice"
        assert throughout <= set(served), "a row that existed throughout was skipped"
        assert len(deleted_ahead) >= 5 and not deleted_ahead & set(served), "rows deleted ahead are not served"
        assert len(throughout) >= 55 - 2 * step
        # Every old row inserted behind the cursor is found on a later page.
        assert {f"Old {n}" for n in range(1, step + 1)} <= {
            name
            for (name,) in Category.all_objects.filter(pk__in=served, locales__name__startswith="Old").values_list(
                "locales__name"
            )
        }

    def test_walking_back_with_changes_between_pages(self, api):
        rows = make_rows(55)
        throughout = {str(row.pk) for row in rows}
        # Reach the last page first.
        cursor = None
        while True:
            response = api.get(URL, {"limit": 7, **({"after": cursor} if cursor else {})})
            if response.json()["meta"]["next"] is None:
                break
            cursor = response.json()["meta"]["next"]
        served, step = ids(response), 0
        cursor = response.json()["meta"]["previous"]
        while cursor is not None:
            step += 1
            make_category({"en": f"Oldest {step}"}, inserted_at=at(-100 - step))
            make_category({"en": f"Between {step}"}, inserted_at=at(1000 + step))
            first_served = Category.objects.get(pk=served[0])
            category_soft_delete(category=first_served)
            throughout.discard(served[0])
            response = api.get(URL, {"limit": 7, "before": cursor})
            served = ids(response) + served
            cursor = response.json()["meta"]["previous"]
        assert len(served) == len(set(served))
        assert throughout <= set(served)
        rows_by_id = {str(c.pk): c for c in Category.all_objects.filter(pk__in=served)}
        keys = [(rows_by_id[pk].inserted_at, rows_by_id[pk].pk) for pk in served]
        assert keys == sorted(keys, reverse=True), "pages joined back to back are in list order"

    def test_ties_on_inserted_at_are_broken_by_id(self, api):
        for index in range(10):
            make_category({"en": f"Tie {index}"}, inserted_at=at(5))
        make_rows(3)
        everything = expected_order(Category.objects.all())
        served, cursor = [], None
        while True:
            response = api.get(URL, {"limit": 3, **({"after": cursor} if cursor else {})})
            served += ids(response)
            cursor = response.json()["meta"]["next"]
            if cursor is None:
                break
        assert served == everything

    def test_default_limit_is_20_and_meta_of_a_single_page(self, api):
        make_rows(21)
        response = api.get(URL)
        assert len(ids(response)) == 20
        assert response.json()["meta"]["previous"] is None and response.json()["meta"]["next"]
        last = api.get(URL, {"after": response.json()["meta"]["next"]})
        assert len(ids(last)) == 1 and last.json()["meta"]["next"] is None

    def test_an_empty_list(self, api):
        response = api.get(URL)
        assert response.json() == {"data": [], "meta": {"base": f"{URL}?limit=20", "next": None, "previous": None}}


class TestCursorAndLimitErrors:
    def test_a_tampered_cursor_is_a_400(self, api):
        make_rows(3)
        cursor = api.get(URL, {"limit": 1}).json()["meta"]["next"]
        for bad in (cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"), "garbage", cursor + "x"):
            response = api.get(URL, {"after": bad})
            assert response.status_code == 400
            assert response.json() == {"error": "Bad Request", "details": {"after": ["Invalid cursor."]}}
        assert api.get(URL, {"before": "garbage"}).json()["details"] == {"before": ["Invalid cursor."]}

    def test_a_cursor_signed_for_another_list_is_a_400(self, api):
        row = make_category()
        forged = signing.dumps([row.inserted_at.isoformat(), str(row.pk)], salt="backoffice.cursor:assets.images")
        assert api.get(URL, {"after": forged}).status_code == 400

    def test_a_well_signed_cursor_with_a_bad_shape_is_a_400(self, api):
        odd = signing.dumps(["not a date", "x"], salt="backoffice.cursor:categories")
        assert api.get(URL, {"after": odd}).status_code == 400
        odd = signing.dumps({"a": 1}, salt="backoffice.cursor:categories")
        assert api.get(URL, {"after": odd}).status_code == 400

    def test_after_and_before_together_is_a_400(self, api):
        make_rows(3)
        cursor = api.get(URL, {"limit": 1}).json()["meta"]["next"]
        response = api.get(URL, {"after": cursor, "before": cursor})
        assert response.status_code == 400
        assert "before" in response.json()["details"]

    @pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "1.5", "²", " 5", "1e2"])
    def test_a_bad_limit_is_a_400(self, api, limit):
        response = api.get(URL, {"limit": limit})
        assert response.status_code == 400
        assert "limit" in response.json()["details"]

    @pytest.mark.parametrize("limit", ["1", "100"])
    def test_limit_bounds_are_accepted(self, api, limit):
        assert api.get(URL, {"limit": limit}).status_code == 200


class TestMeta:
    def test_base_keeps_filters_and_limit_but_no_cursor_nor_key(self, client_for, make_key):
        key = make_key("categories:read")
        make_rows(3, start=0)
        client = client_for(None)
        first = client.get(URL, {"limit": 1, "is_archived": "false", "x-api-key": key}).json()["meta"]
        assert first["base"] == f"{URL}?limit=1&is_archived=false"
        second = client.get(URL, {"limit": 1, "is_archived": "false", "after": first["next"], "x-api-key": key})
        assert second.json()["meta"]["base"] == first["base"]

    def test_base_example_of_the_contract(self, api):
        assert api.get(URL, {"is_archived": "false"}).json()["meta"]["base"] == f"{URL}?limit=20&is_archived=false"

    def test_base_keeps_every_filter(self, api):
        meta = api.get(URL, {"search": "a b", "locale": "pt-BR", "include_deleted": "true", "limit": 5}).json()["meta"]
        assert urlsplit(meta["base"]).path == URL
        assert parse_qsl(urlsplit(meta["base"]).query) == [
            ("limit", "5"),
            ("search", "a b"),
            ("locale", "pt-BR"),
            ("include_deleted", "true"),
        ]


class TestFilters:
    def test_is_archived(self, api):
        archived = make_category({"en": "Old"}, is_archived=True)
        current = make_category({"en": "Current"})
        assert ids(api.get(URL, {"is_archived": "true"})) == [str(archived.pk)]
        assert ids(api.get(URL, {"is_archived": "false"})) == [str(current.pk)]
        assert len(ids(api.get(URL))) == 2

    @pytest.mark.parametrize("value", ["yes", "2", "null"])
    def test_is_archived_must_be_a_boolean(self, api, value):
        response = api.get(URL, {"is_archived": value})
        assert response.status_code == 400
        assert response.json()["details"] == {"is_archived": ["Must be true or false."]}

    def test_locale_counts_live_locales_only_and_compares_canonical_tags(self, api):
        brazil = make_category({"pt-BR": "Notícias", "en": "News"})
        dropped = make_category({"pt-BR": "Esportes", "en": "Sports"})
        category_update(category=dropped, locales=[{"locale": "en", "name": "Sports"}])
        make_category({"fr": "Culture"})
        assert ids(api.get(URL, {"locale": "pt-br"})) == [str(brazil.pk)]
        assert ids(api.get(URL, {"locale": "pt-BR", "include_deleted": "true"})) == [str(brazil.pk)]
        assert len(ids(api.get(URL, {"locale": "en"}))) == 2

    def test_locale_must_be_a_language_tag(self, api):
        response = api.get(URL, {"locale": "not a tag"})
        assert response.status_code == 400
        assert "locale" in response.json()["details"]

    def test_search_is_a_case_insensitive_substring_of_any_live_name(self, api):
        both = make_category({"en": "World News", "fr": "Les news du monde"})
        make_category({"en": "Sports"})
        renamed = make_category({"en": "Newsletter"})
        category_update(category=renamed, locales=[{"locale": "en", "name": "Mailing"}])
        # Matching in two locales ("World News", "Les news du monde") lists the category once.
        assert ids(api.get(URL, {"search": "NEWS"})) == [str(both.pk)]
        assert ids(api.get(URL, {"search": "in"})) == [str(renamed.pk)]
        assert ids(api.get(URL, {"search": "monde"})) == [str(both.pk)]
        assert ids(api.get(URL, {"search": "letter"})) == []

    def test_search_of_one_character_is_a_400(self, api):
        response = api.get(URL, {"search": " n "})
        assert response.status_code == 400
        assert response.json()["details"] == {"search": ["Give at least 2 characters to search."]}

    def test_search_too_long_is_a_400(self, api):
        assert api.get(URL, {"search": "x" * 256}).status_code == 400

    def test_include_deleted_lists_deleted_categories_with_all_their_locales(self, api):
        gone = make_category({"en": "Gone", "fr": "Parti"})
        category_update(category=gone, locales=[{"locale": "en", "name": "Gone"}])
        category_soft_delete(category=gone)
        live = make_category({"en": "Here"})
        assert ids(api.get(URL)) == [str(live.pk)]
        listed = api.get(URL, {"include_deleted": "true"}).json()["data"]
        assert [item["id"] for item in listed] == [str(live.pk), str(gone.pk)]
        assert listed[1]["deleted_at"] is not None
        assert [loc["locale"] for loc in listed[1]["locales"]] == ["en", "fr"]

    def test_filters_and_pages_together(self, api):
        for index in range(12):
            make_category({"en": f"Topic {index}"}, is_archived=index % 2 == 0, inserted_at=at(index))
        wanted = expected_order(Category.objects.filter(is_archived=False))
        served, cursor = [], None
        while True:
            params = {"limit": 4, "is_archived": "false", "search": "topic"}
            response = api.get(URL, {**params, **({"after": cursor} if cursor else {})})
            served += ids(response)
            cursor = response.json()["meta"]["next"]
            if cursor is None:
                break
        assert served == wanted


class TestQueryCount:
    """Two queries per page (categories, then their locales), whatever the page size or depth."""

    @pytest.fixture
    def warm_api(self, api):
        api.get(URL)  # the key is loaded and its last use written once, then cached
        return api

    def test_list_pages_of_any_size_cost_the_same(self, warm_api, django_assert_num_queries):
        for index in range(30):
            make_category({"en": f"Row {index}", "fr": f"Ligne {index}", "de": f"Zeile {index}"}, inserted_at=at(index))
        for params in ({"limit": 1}, {"limit": 5}, {"limit": 30}, {"limit": 100, "include_deleted": "true"}):
            with django_assert_num_queries(2):
                response = warm_api.get(URL, params)
            assert response.status_code == 200
        cursor = warm_api.get(URL, {"limit": 25}).json()["meta"]["next"]
        # A search asks one more: where the window of rows after the cursor ends (core.search_plans).
        with django_assert_num_queries(3):
            warm_api.get(URL, {"limit": 5, "after": cursor, "search": "row", "locale": "fr", "is_archived": "false"})

    def test_detail_costs_two_queries(self, warm_api, django_assert_num_queries):
        category = make_category({"en": "News", "fr": "Nouvelles", "de": "Neues"})
        with django_assert_num_queries(2):
            assert warm_api.get(f"{URL}/{category.pk}").status_code == 200
        with django_assert_num_queries(2):
            assert warm_api.get(f"{URL}/{category.pk}", {"include_deleted": "true"}).status_code == 200
