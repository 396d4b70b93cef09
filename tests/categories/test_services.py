"""Category services: the rules every interface shares (contract §5)."""

import uuid

import pytest
from django.utils import timezone

from categories import services
from categories.models import Category, CategoryLocale
from core.exceptions import BadRequest, Conflict, EntityNotFound
from tests.categories.factories import SVG, make_category
from tests.categories.refusals import refuse

pytestmark = pytest.mark.django_db

CATEGORY_TABLE = Category._meta.db_table
LOCALE_TABLE = CategoryLocale._meta.db_table


def live(category) -> dict[str, str]:
    return dict(CategoryLocale.objects.filter(category=category).alive().values_list("locale", "name"))


def snapshot(category) -> tuple:
    row = Category.all_objects.values("svg_icon", "is_archived", "updated_at", "deleted_at").get(pk=category.pk)
    locales = sorted(
        CategoryLocale.objects.filter(category=category).values_list("id", "locale", "name", "deleted_at"),
        key=lambda values: str(values[0]),
    )
    return row, locales


def details(info) -> dict:
    return info.value.details


class TestCreate:
    def test_normalizes_codes_and_sanitizes_the_icon(self):
        category = services.category_create(
            locales=[{"locale": "pt-br", "name": "Notícias"}, {"locale": "ZH-hant", "name": "新聞"}],
            svg_icon='<svg onload="x()"><script>alert(1)</script><path d="M0 0"/></svg>',
        )
        assert live(category) == {"pt-BR": "Notícias", "zh-Hant": "新聞"}
        assert category.svg_icon == '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>'
        assert category.is_archived is False
        # The returned category carries its live locales already (no query when serialized).
        assert [loc.locale for loc in category.shown_locales] == ["pt-BR", "zh-Hant"]

    def test_archived_without_icon(self):
        category = services.category_create(locales=[{"locale": "en", "name": "Old"}], is_archived=True)
        assert category.is_archived is True and category.svg_icon is None

    def test_an_id_in_a_locale_item_is_ignored(self):
        given = uuid.uuid4()
        category = services.category_create(locales=[{"id": given, "locale": "en", "name": "News"}])
        assert CategoryLocale.objects.get(category=category).id != given

    @pytest.mark.parametrize("locales", [[], None, "en", {"locale": "en", "name": "x"}])
    def test_needs_a_list_of_at_least_one_locale(self, locales):
        with pytest.raises(BadRequest) as info:
            services.category_create(locales=locales)
        assert list(details(info)) == ["locales"]
        assert not Category.all_objects.exists()

    def test_errors_are_given_per_item(self):
        with pytest.raises(BadRequest) as info:
            services.category_create(
                locales=[
                    {"locale": "en", "name": "News"},
                    {"locale": "not a tag", "name": "x"},
                    {"locale": "EN", "name": "Again"},
                    {"locale": "fr", "name": "   "},
                    {"locale": "de", "name": "x" * 256},
                    "not an object",
                ]
            )
        per_item = details(info)["locales"]
        assert per_item[0] == {}
        assert list(per_item[1]) == ["locale"]
        assert "en is given more than once" in per_item[2]["locale"][0]
        assert list(per_item[3]) == ["name"] and list(per_item[4]) == ["name"]
        assert list(per_item[5]) == ["locale"]
        assert not Category.all_objects.exists()

    def test_a_255_character_name_is_accepted(self):
        category = services.category_create(locales=[{"locale": "en", "name": "x" * 255}])
        assert len(live(category)["en"]) == 255

    def test_invalid_icon_is_a_400_on_svg_icon(self):
        with pytest.raises(BadRequest) as info:
            services.category_create(locales=[{"locale": "en", "name": "x"}], svg_icon="<html/>")
        assert list(details(info)) == ["svg_icon"]

    def test_is_archived_must_be_a_boolean(self):
        with pytest.raises(BadRequest) as info:
            services.category_create(locales=[{"locale": "en", "name": "x"}], is_archived="yes")
        assert list(details(info)) == ["is_archived"]


class TestUpdateFields:
    def test_only_given_fields_change(self):
        category = make_category({"en": "News"}, svg_icon=SVG)
        before = snapshot(category)
        updated = services.category_update(category=category, is_archived=True)
        assert updated.is_archived is True
        assert updated.svg_icon == before[0]["svg_icon"]
        assert updated.updated_at > before[0]["updated_at"]
        assert snapshot(category)[1] == before[1]

    def test_null_icon_clears_it_and_markup_is_sanitized(self):
        category = make_category(svg_icon=SVG)
        assert services.category_update(category=category, svg_icon=None).svg_icon is None
        updated = services.category_update(category=category, svg_icon='<svg><rect onclick="x" width="1"/></svg>')
        assert updated.svg_icon == '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>'

    def test_nothing_given_writes_nothing(self):
        category = make_category()
        before = snapshot(category)
        services.category_update(category=category)
        assert snapshot(category) == before

    def test_a_deleted_category_cannot_be_updated(self):
        category = make_category()
        services.category_soft_delete(category=category)
        with pytest.raises(EntityNotFound):
            services.category_update(category=category, is_archived=True)


def locale_rows(category, *codes: str) -> list[CategoryLocale]:
    return [CategoryLocale.objects.get(category=category, locale=code) for code in codes]


class TestUpdateLocales:
    def test_item_with_id_updates_that_locale(self):
        category = make_category({"en": "News", "fr": "Nouvelles"})
        en, fr = locale_rows(category, "en", "fr")
        services.category_update(
            category=category,
            locales=[
                {"id": en.id, "locale": "en-GB", "name": "Latest"},
                {"id": str(fr.id), "locale": "fr", "name": "Infos"},
            ],
        )
        en.refresh_from_db()
        fr.refresh_from_db()
        assert (en.locale, en.name, en.deleted_at) == ("en-GB", "Latest", None)
        assert (fr.locale, fr.name) == ("fr", "Infos")

    def test_item_without_id_updates_the_live_locale_with_its_code_or_creates_one(self):
        category = make_category({"en": "News"})
        en = CategoryLocale.objects.get(category=category)
        services.category_update(
            category=category, locales=[{"locale": "EN", "name": "Latest"}, {"locale": "de", "name": "Neues"}]
        )
        assert live(category) == {"en": "Latest", "de": "Neues"}
        assert CategoryLocale.objects.get(category=category, locale="en").id == en.id

    def test_live_locales_left_out_are_soft_deleted(self):
        category = make_category({"en": "News", "fr": "Nouvelles", "de": "Neues"})
        updated = services.category_update(category=category, locales=[{"locale": "fr", "name": "Nouvelles"}])
        assert [loc.locale for loc in updated.shown_locales] == ["fr"]
        gone = CategoryLocale.objects.filter(category=category).deleted()
        assert sorted(gone.values_list("locale", flat=True)) == ["de", "en"]

    def test_codes_can_be_swapped_in_one_request(self):
        category = make_category({"en": "English name", "fr": "Nom français"})
        en, fr = locale_rows(category, "en", "fr")
        services.category_update(
            category=category,
            locales=[{"id": en.id, "locale": "fr", "name": "Nom"}, {"id": fr.id, "locale": "en", "name": "Name"}],
        )
        assert live(category) == {"fr": "Nom", "en": "Name"}
        assert CategoryLocale.objects.get(pk=en.pk).locale == "fr"

    def test_taking_the_code_of_a_locale_left_out_deletes_that_locale(self):
        category = make_category({"en": "News", "fr": "Nouvelles"})
        en, fr = locale_rows(category, "en", "fr")
        services.category_update(category=category, locales=[{"id": en.id, "locale": "fr", "name": "Actualités"}])
        assert live(category) == {"fr": "Actualités"}
        assert CategoryLocale.objects.get(pk=fr.pk).deleted_at is not None

    def test_a_code_claimed_by_id_elsewhere_makes_a_new_locale(self):
        category = make_category({"fr": "Nouvelles"})
        fr = CategoryLocale.objects.get(category=category)
        services.category_update(
            category=category,
            locales=[{"id": fr.id, "locale": "de", "name": "Neues"}, {"locale": "fr", "name": "Infos"}],
        )
        assert CategoryLocale.objects.get(pk=fr.pk).locale == "de"
        assert CategoryLocale.objects.get(category=category, locale="fr").pk != fr.pk

    def test_re_adding_a_deleted_code_makes_a_new_live_locale_and_keeps_history(self):
        category = make_category({"en": "News", "fr": "Nouvelles"})
        services.category_update(category=category, locales=[{"locale": "en", "name": "News"}])
        services.category_update(
            category=category, locales=[{"locale": "en", "name": "News"}, {"locale": "fr", "name": "Infos"}]
        )
        assert live(category) == {"en": "News", "fr": "Infos"}
        assert CategoryLocale.objects.filter(category=category, locale="fr").count() == 2

    def test_unchanged_set_leaves_the_rows_as_they_are(self):
        category = make_category({"en": "News", "fr": "Nouvelles"})
        before = snapshot(category)[1]
        services.category_update(
            category=category, locales=[{"locale": "fr", "name": "Nouvelles"}, {"locale": "en", "name": "News"}]
        )
        assert snapshot(category)[1] == before

    @pytest.mark.parametrize("locales", [[], None])
    def test_at_least_one_locale_remains(self, locales):
        category = make_category()
        with pytest.raises(BadRequest) as info:
            services.category_update(category=category, locales=locales)
        assert list(details(info)) == ["locales"]

    def test_an_id_of_another_category_is_a_400(self):
        category, other = make_category({"en": "Mine"}), make_category({"en": "Theirs"})
        theirs = CategoryLocale.objects.get(category=other)
        with pytest.raises(BadRequest) as info:
            services.category_update(category=category, locales=[{"id": theirs.id, "locale": "en", "name": "x"}])
        assert list(details(info)["locales"][0]) == ["id"]
        assert live(other) == {"en": "Theirs"} and live(category) == {"en": "Mine"}

    def test_an_id_of_a_deleted_locale_is_a_400(self):
        category = make_category({"en": "News", "fr": "Nouvelles"})
        fr = CategoryLocale.objects.get(category=category, locale="fr")
        services.category_update(category=category, locales=[{"locale": "en", "name": "News"}])
        with pytest.raises(BadRequest):
            services.category_update(category=category, locales=[{"id": fr.id, "locale": "fr", "name": "x"}])

    @pytest.mark.parametrize("bad_id", ["not-a-uuid", uuid.uuid4()])
    def test_an_unknown_or_malformed_id_is_a_400(self, bad_id):
        category = make_category()
        with pytest.raises(BadRequest) as info:
            services.category_update(category=category, locales=[{"id": bad_id, "locale": "en", "name": "x"}])
        assert list(details(info)["locales"][0]) == ["id"]

    def test_duplicate_codes_and_ids_in_the_request_are_a_400(self):
        category = make_category({"en": "News"})
        en = CategoryLocale.objects.get(category=category)
        with pytest.raises(BadRequest) as info:
            services.category_update(
                category=category, locales=[{"locale": "pt-BR", "name": "a"}, {"locale": "pt-br", "name": "b"}]
            )
        assert details(info)["locales"][0] == {} and "locale" in details(info)["locales"][1]
        with pytest.raises(BadRequest) as info:
            services.category_update(
                category=category,
                locales=[{"id": en.id, "locale": "en", "name": "a"}, {"id": en.id, "locale": "fr", "name": "b"}],
            )
        assert "id" in details(info)["locales"][1]


class TestUpdateIsAllOrNothing:
    def test_a_400_leaves_everything_as_it_was(self):
        category = make_category({"en": "News", "fr": "Nouvelles"}, svg_icon=SVG)
        before = snapshot(category)
        with pytest.raises(BadRequest):
            services.category_update(
                category=category,
                is_archived=True,
                svg_icon=None,
                locales=[{"locale": "de", "name": "Neues"}, {"locale": "??", "name": "x"}],
            )
        assert snapshot(category) == before

    def test_a_database_refusal_midway_is_a_409_and_rolls_everything_back(self):
        category = make_category({"en": "News", "fr": "Nouvelles"}, svg_icon=SVG)
        before = snapshot(category)
        # The insert comes after the left-out locales were soft-deleted and the others updated.
        refuse(LOCALE_TABLE, "INSERT")
        with pytest.raises(Conflict) as info:
            services.category_update(
                category=category,
                is_archived=True,
                locales=[{"locale": "en", "name": "Latest"}, {"locale": "de", "name": "Neues"}],
            )
        assert list(details(info)) == ["locales"]
        assert snapshot(category) == before

    def test_create_translates_a_database_refusal_to_a_409(self):
        refuse(LOCALE_TABLE, "INSERT")
        with pytest.raises(Conflict):
            services.category_create(locales=[{"locale": "en", "name": "x"}])
        assert not Category.all_objects.exists()


class TestSoftDeleteAndRestore:
    def test_soft_delete_keeps_the_locales_as_they_are(self):
        category = make_category({"en": "News", "fr": "Nouvelles"})
        before = snapshot(category)[1]
        deleted = services.category_soft_delete(category=category)
        assert deleted.deleted_at is not None
        assert not Category.objects.filter(pk=category.pk).exists()
        assert snapshot(category)[1] == before

    def test_deleting_twice_is_a_404(self):
        category = make_category()
        services.category_soft_delete(category=category)
        with pytest.raises(EntityNotFound):
            services.category_soft_delete(category=category)

    def test_restore_brings_it_back_with_its_live_locales(self):
        category = make_category({"en": "News", "fr": "Nouvelles"})
        services.category_update(category=category, locales=[{"locale": "en", "name": "News"}])
        services.category_soft_delete(category=category)
        restored = services.category_restore(category=Category.all_objects.get(pk=category.pk))
        assert restored.deleted_at is None
        assert [loc.locale for loc in restored.shown_locales] == ["en"]

    def test_restoring_a_live_category_changes_nothing(self):
        category = make_category()
        before = snapshot(category)
        assert services.category_restore(category=category).deleted_at is None
        assert snapshot(category) == before

    def test_restore_cannot_conflict_even_with_a_twin(self):
        # No uniqueness rule at category level: two live categories may have the same names.
        first = make_category({"en": "News"})
        services.category_soft_delete(category=first)
        make_category({"en": "News"})
        services.category_restore(category=Category.all_objects.get(pk=first.pk))
        assert Category.objects.count() == 2

    def test_restore_translates_a_database_refusal_to_a_409_and_stays_deleted(self):
        category = make_category()
        services.category_soft_delete(category=category)
        refuse(CATEGORY_TABLE, "UPDATE", "OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL")
        with pytest.raises(Conflict):
            services.category_restore(category=Category.all_objects.get(pk=category.pk))
        assert Category.all_objects.get(pk=category.pk).deleted_at is not None

    def test_restore_keeps_deleted_at_of_locales_deleted_before(self):
        category = make_category({"en": "News", "fr": "Nouvelles"})
        services.category_update(category=category, locales=[{"locale": "en", "name": "News"}])
        fr_deleted_at = CategoryLocale.objects.get(locale="fr").deleted_at
        services.category_soft_delete(category=category)
        services.category_restore(category=Category.all_objects.get(pk=category.pk))
        assert CategoryLocale.objects.get(locale="fr").deleted_at == fr_deleted_at
        assert fr_deleted_at < timezone.now()
