"""Category models: the invariants the database keeps, whatever writes to it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from categories.models import Category, CategoryLocale
from tests.categories.factories import make_category

pytestmark = pytest.mark.django_db


def test_one_live_locale_per_code_and_category():
    category = make_category({"en": "News"})
    with pytest.raises(IntegrityError), transaction.atomic():
        CategoryLocale.objects.create(category=category, locale="en", name="Other")


def test_a_deleted_locale_does_not_hold_its_code():
    category = make_category({"en": "News"})
    CategoryLocale.objects.filter(category=category).update(deleted_at=timezone.now())
    CategoryLocale.objects.create(category=category, locale="en", name="Fresh")
    CategoryLocale.objects.create(category=category, locale="fr", name="Nouvelles", deleted_at=timezone.now())
    CategoryLocale.objects.create(category=category, locale="fr", name="Actualités", deleted_at=timezone.now())
    rows = CategoryLocale.objects.filter(category=category)
    assert rows.count() == 4
    assert rows.alive().count() == 1


def test_two_categories_may_share_a_code():
    make_category({"en": "News"})
    make_category({"en": "News"})
    assert CategoryLocale.objects.filter(locale="en").count() == 2


@pytest.mark.parametrize("field", ["name", "locale"])
def test_empty_name_or_code_is_refused_by_the_database(field):
    category = make_category()
    values = {"locale": "de", "name": "Nachrichten", field: ""}
    with pytest.raises(IntegrityError), transaction.atomic():
        CategoryLocale.objects.create(category=category, **values)


def test_locale_field_validates_bcp47():
    category = make_category()
    with pytest.raises(ValidationError) as info:
        CategoryLocale(category=category, locale="english!", name="x").full_clean()
    assert "locale" in info.value.message_dict
    CategoryLocale(category=category, locale="zh-Hant", name="x").full_clean()


def test_objects_hides_deleted_categories_and_all_objects_shows_them():
    live, gone = make_category(), make_category()
    Category.all_objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    assert list(Category.objects.values_list("pk", flat=True)) == [live.pk]
    assert set(Category.all_objects.values_list("pk", flat=True)) == {live.pk, gone.pk}
    assert list(Category.all_objects.deleted().values_list("pk", flat=True)) == [gone.pk]


def test_defaults():
    category = Category.objects.create()
    assert category.is_archived is False and category.svg_icon is None and category.deleted_at is None


def test_str_is_the_first_live_name():
    category = make_category({"fr": "Nouvelles", "en": "News"})
    assert str(category) == "News"
    assert str(CategoryLocale.objects.get(locale="fr")) == "fr: Nouvelles"
    assert str(Category.objects.create()) == str(Category.objects.latest("inserted_at").pk)


def test_a_real_delete_cascades_to_locales():
    category = make_category({"en": "News", "fr": "Nouvelles"})
    category.delete()
    assert not CategoryLocale.objects.exists()


def test_keyset_indexes_exist():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Category._meta.db_table)
    assert {"category_keyset", "category_keyset_live"} <= set(constraints)
    with connection.cursor() as cursor:
        locale_constraints = connection.introspection.get_constraints(cursor, CategoryLocale._meta.db_table)
    assert "one_live_locale_per_category" in locale_constraints
