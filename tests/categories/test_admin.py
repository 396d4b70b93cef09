"""The editors' admin for categories: pages render, saving and actions go through the services."""

import pytest
from django.urls import reverse

from categories.models import Category, CategoryLocale
from categories.services import category_soft_delete, category_update
from tests.categories.factories import SVG, make_category
from tests.categories.refusals import refuse

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:categories_category_changelist"


def inline(rows: list[dict], initial: int = 0) -> dict:
    """POST data of the locale inline: rows of {locale, name[, id][, DELETE]}."""
    data = {
        "locales-TOTAL_FORMS": str(len(rows)),
        "locales-INITIAL_FORMS": str(initial),
        "locales-MIN_NUM_FORMS": "0",
        "locales-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"locales-{index}-{key}"] = value
    return data


def change_url(category) -> str:
    return reverse("admin:categories_category_change", args=[category.pk])


def existing_rows(category) -> list[dict]:
    return [
        {"id": str(loc.pk), "category": str(category.pk), "locale": loc.locale, "name": loc.name}
        for loc in CategoryLocale.objects.filter(category=category).alive().order_by("locale")
    ]


class TestPages:
    def test_changelist_shows_names_and_the_icon_as_an_image(self, admin_client):
        make_category({"en": "News", "fr": "Nouvelles"}, svg_icon=SVG)
        response = admin_client.get(reverse(CHANGELIST))
        assert response.status_code == 200
        html = response.content.decode()
        assert "en: News, fr: Nouvelles" in html
        assert 'src="data:image/svg+xml;base64,' in html
        assert "<circle" not in html  # the markup itself is never inlined into the page

    def test_add_and_change_pages_render(self, admin_client):
        category = make_category({"en": "News"}, svg_icon=SVG)
        assert admin_client.get(reverse("admin:categories_category_add")).status_code == 200
        response = admin_client.get(change_url(category))
        assert response.status_code == 200
        assert "News" in response.content.decode()

    def test_a_deleted_category_is_shown_read_only(self, admin_client):
        category = make_category({"en": "Gone"})
        category_soft_delete(category=category)
        response = admin_client.get(change_url(category))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="_save"' not in html
        assert "Gone" in html

    def test_status_and_archived_filters(self, admin_client):
        make_category({"en": "Alive and well"})
        make_category({"en": "Kept for old content"}, is_archived=True)
        category_soft_delete(category=make_category({"en": "Soft deleted one"}))
        url = reverse(CHANGELIST)
        everything = admin_client.get(url).content.decode()
        assert all(name in everything for name in ("Alive and well", "Kept for old content", "Soft deleted one"))
        deleted = admin_client.get(url, {"status": "deleted"}).content.decode()
        assert "Soft deleted one" in deleted and "Alive and well" not in deleted
        live = admin_client.get(url, {"status": "live"}).content.decode()
        assert "Alive and well" in live and "Soft deleted one" not in live
        archived = admin_client.get(url, {"is_archived__exact": "1"}).content.decode()
        assert "Kept for old content" in archived and "Alive and well" not in archived

    def test_search_in_live_locale_names(self, admin_client):
        renamed = make_category({"en": "Weather"})
        category_update(category=renamed, locales=[{"locale": "en", "name": "Climate"}])
        make_category({"en": "Weather report"})
        html = admin_client.get(reverse(CHANGELIST), {"q": "weather"}).content.decode()
        assert "Weather report" in html and "Climate" not in html

    def test_no_hard_delete(self, admin_client):
        category = make_category()
        assert admin_client.get(reverse("admin:categories_category_delete", args=[category.pk])).status_code == 403
        html = admin_client.get(reverse(CHANGELIST)).content.decode()
        assert 'value="delete_selected"' not in html


class TestSavingGoesThroughTheServices:
    def test_add_sanitizes_the_icon_and_normalizes_locales(self, admin_client):
        data = {
            "svg_icon": '<svg onload="alert(1)"><script>alert(2)</script><circle r="4"/></svg>',
            "is_archived": "on",
            **inline([{"locale": "pt-br", "name": "Notícias"}, {"locale": "en", "name": "News"}]),
        }
        response = admin_client.post(reverse("admin:categories_category_add"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        category = Category.objects.get()
        assert category.svg_icon == '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>'
        assert category.is_archived is True
        assert sorted(category.locales.values_list("locale", "name")) == [("en", "News"), ("pt-BR", "Notícias")]
        assert response["Location"] == reverse(CHANGELIST)

    @pytest.mark.parametrize(
        ("svg_icon", "rows", "message"),
        [
            ("<html/>", [{"locale": "en", "name": "x"}], "root element"),
            ('<!DOCTYPE svg [<!ENTITY a "a">]><svg/>', [{"locale": "en", "name": "x"}], "DTD"),
            ("", [{"locale": "not a tag", "name": "x"}], "BCP 47"),
            ("", [{"locale": "en", "name": "a"}, {"locale": "EN", "name": "b"}], "more than once"),
            ("", [], "at least one locale"),
        ],
    )
    def test_add_shows_the_same_errors_as_the_api(self, admin_client, svg_icon, rows, message):
        data = {"svg_icon": svg_icon, **inline(rows)}
        response = admin_client.post(reverse("admin:categories_category_add"), data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Category.all_objects.exists()

    def test_empty_icon_means_no_icon(self, admin_client):
        response = admin_client.post(
            reverse("admin:categories_category_add"), {"svg_icon": "", **inline([{"locale": "en", "name": "x"}])}
        )
        assert response.status_code == 302
        assert Category.objects.get().svg_icon is None

    def test_change_updates_renames_adds_and_soft_deletes_locales(self, admin_client):
        category = make_category({"en": "News", "fr": "Nouvelles", "de": "Neues"}, svg_icon=SVG)
        de, en, fr = existing_rows(category)
        en["name"] = "Latest"
        fr["DELETE"] = "on"
        data = {"svg_icon": SVG, **inline([de, en, fr, {"locale": "it", "name": "Notizie"}], initial=3)}
        response = admin_client.post(change_url(category), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        live = dict(CategoryLocale.objects.filter(category=category).alive().values_list("locale", "name"))
        assert live == {"de": "Neues", "en": "Latest", "it": "Notizie"}
        assert CategoryLocale.objects.get(pk=fr["id"]).deleted_at is not None
        assert CategoryLocale.objects.get(pk=en["id"]).name == "Latest"  # same row, updated

    def test_change_can_swap_codes(self, admin_client):
        category = make_category({"en": "English", "fr": "Français"})
        en, fr = existing_rows(category)
        en["locale"], fr["locale"] = "fr", "en"
        response = admin_client.post(change_url(category), {"svg_icon": "", **inline([en, fr], initial=2)})
        assert response.status_code == 302, response.content.decode()[:3000]
        assert CategoryLocale.objects.get(pk=en["id"]).locale == "fr"

    def test_a_refusal_by_the_database_is_a_message_and_nothing_is_saved(self, admin_client):
        category = make_category({"en": "News"}, svg_icon=SVG)
        (row,) = existing_rows(category)
        refuse(CategoryLocale._meta.db_table, "INSERT")
        data = {"svg_icon": "", "is_archived": "on", **inline([row, {"locale": "fr", "name": "Nouvelles"}], initial=1)}
        response = admin_client.post(change_url(category), data, follow=True)
        assert response.status_code == 200
        assert "Not saved" in response.content.decode()
        category.refresh_from_db()
        assert category.is_archived is False and category.svg_icon == SVG
        assert CategoryLocale.objects.filter(category=category).count() == 1

    def test_deleting_every_locale_is_refused(self, admin_client):
        category = make_category({"en": "News"})
        (row,) = existing_rows(category)
        row["DELETE"] = "on"
        response = admin_client.post(change_url(category), {"svg_icon": "", **inline([row], initial=1)})
        assert response.status_code == 200
        assert "at least one locale" in response.content.decode()
        assert CategoryLocale.objects.get(pk=row["id"]).deleted_at is None


class TestActions:
    def test_soft_delete_and_restore_actions_call_the_services(self, admin_client):
        first, second = make_category({"en": "First"}), make_category({"en": "Second"})
        url = reverse(CHANGELIST)
        pks = [str(first.pk), str(second.pk)]
        response = admin_client.post(url, {"action": "soft_delete_selected", "_selected_action": pks}, follow=True)
        assert "Soft-deleted 2 categories." in response.content.decode()
        assert not Category.objects.exists()
        assert CategoryLocale.objects.alive().count() == 2  # locales are left as they were
        response = admin_client.post(url, {"action": "restore_selected", "_selected_action": pks[:1]}, follow=True)
        assert "Restored 1 category." in response.content.decode()
        assert list(Category.objects.values_list("pk", flat=True)) == [first.pk]

    def test_actions_skip_rows_already_in_the_wanted_state(self, admin_client):
        category = make_category()
        url = reverse(CHANGELIST)
        response = admin_client.post(
            url, {"action": "restore_selected", "_selected_action": [str(category.pk)]}, follow=True
        )
        assert "Restored 0 categories." in response.content.decode()
        assert Category.objects.filter(pk=category.pk).exists()


def test_history_page_shows_the_names_edits_with_the_category(admin_client):
    from categories.services import category_create, category_update

    category = category_create(locales=[{"locale": "en", "name": "World"}])
    category_update(
        category=category, locales=[{"locale": "en", "name": "World news"}, {"locale": "fr", "name": "Monde"}]
    )
    html = admin_client.get(reverse("admin:categories_category_history", args=[category.pk])).content.decode()
    assert "name fr: Monde of “World news”" in html
    assert "World" in html and "Monde" in html
