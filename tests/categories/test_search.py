"""Searching categories: live locale names only; `search_text` kept by every write of the locales."""

import pytest
from django.db.models import Exists, OuterRef

from categories.models import Category, CategoryLocale
from categories.selectors import category_search
from categories.services import category_restore, category_soft_delete, category_update
from tests.categories.factories import make_category
from tests.utils import API

pytestmark = pytest.mark.django_db

URL = f"{API}/categories"


def stored_text(category: Category) -> str:
    return Category.all_objects.values_list("search_text", flat=True).get(pk=category.pk)


def found(api, **params) -> list[str]:
    response = api.get(URL, params)
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["data"]]


class TestSearchTextKept:
    def test_create_writes_the_names_in_locale_order(self):
        category = make_category({"fr": "Sports d'hiver", "en": "Winter sports"})
        assert stored_text(category) == "Winter sports\nSports d'hiver"

    def test_patch_renaming_a_locale(self, api):
        category = make_category({"en": "News", "fr": "Nouvelles"})
        response = api.patch(
            f"{URL}/{category.pk}",
            {"locales": [{"locale": "en", "name": "Headlines"}, {"locale": "fr", "name": "Nouvelles"}]},
            format="json",
        )
        assert response.status_code == 200
        assert stored_text(category) == "Headlines\nNouvelles"
        assert found(api, search="news") == []
        assert found(api, search="headl") == [str(category.pk)]

    def test_locale_change_and_removal(self):
        category = make_category({"en": "News", "fr": "Nouvelles"})
        fr = category.locales.get(locale="fr")
        # fr becomes de (same row, new code); en is left out, so soft-deleted.
        category_update(category=category, locales=[{"id": fr.pk, "locale": "de", "name": "Nachrichten"}])
        assert stored_text(category) == "Nachrichten"
        assert CategoryLocale.objects.filter(category=category, name="News").deleted().exists()

    def test_patch_without_locales_keeps_it(self):
        category = make_category({"en": "News"})
        category_update(category=category, is_archived=True)
        assert stored_text(category) == "News"

    def test_soft_delete_and_restore_keep_it_and_the_category_is_found_again(self, api):
        category = make_category({"en": "Lighthouses"})
        category_soft_delete(category=category)
        assert found(api, search="lighthouse") == []
        assert found(api, search="lighthouse", include_deleted="true") == [str(category.pk)]
        category_restore(category=category)
        assert stored_text(category) == "Lighthouses"
        assert found(api, search="lighthouse") == [str(category.pk)]


def test_admin_save_writes_it(admin_client):
    from django.urls import reverse

    category = make_category({"en": "News"})
    locale = category.locales.get()
    data = {
        "svg_icon": "",
        "locales-TOTAL_FORMS": "2",
        "locales-INITIAL_FORMS": "1",
        "locales-MIN_NUM_FORMS": "0",
        "locales-MAX_NUM_FORMS": "1000",
        "locales-0-id": str(locale.pk),
        "locales-0-category": str(category.pk),
        "locales-0-locale": "en",
        "locales-0-name": "Breaking news",
        "locales-1-category": str(category.pk),
        "locales-1-locale": "fr",
        "locales-1-name": "Dernière minute",
    }
    response = admin_client.post(reverse("admin:categories_category_change", args=[category.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert stored_text(category) == "Breaking news\nDernière minute"


class TestSameRowsAsBefore:
    """The indexed column gives exactly the rows, in the same order, of the search it replaced:
    a subquery on the live locale names."""

    TERMS = ["news", "NEWS", "ou", "Mailing", "letter", "du monde", "50%", "a_b", "zz"]

    def before(self, queryset, term):
        live = CategoryLocale.objects.alive().filter(category=OuterRef("pk"), name__icontains=term)
        return queryset.filter(Exists(live))

    @pytest.mark.parametrize("include_deleted", [False, True])
    def test_every_term(self, include_deleted):
        make_category({"en": "World News", "fr": "Les news du monde"})
        make_category({"en": "Sports", "fr": "50% ou plus"})
        renamed = make_category({"en": "Newsletter"})
        category_update(category=renamed, locales=[{"locale": "en", "name": "Mailing"}])
        gone = make_category({"en": "a_b news"})
        category_soft_delete(category=gone)
        make_category({"en": "axb"})
        manager = Category.all_objects if include_deleted else Category.objects
        queryset = manager.order_by("-inserted_at", "-id")
        for term in self.TERMS:
            after = list(category_search(queryset=queryset, term=term).values_list("pk", flat=True))
            assert after == list(self.before(queryset, term).values_list("pk", flat=True)), term
