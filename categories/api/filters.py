"""Filters of the category list (contract §5 "Pagination")."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef

from categories.models import Category, CategoryLocale
from categories.selectors import category_search
from core.api.filters import LocaleFilter, SearchFilter


class _StrictBooleanField(forms.Field):
    """`true`/`false`/`1`/`0` or a 400: django-filter's BooleanFilter ignores any other value."""

    widget = forms.TextInput

    def to_python(self, value):
        if value is None:
            return None
        # `is_archived=` is refused like any other value that is not a boolean (the schema's type).
        text = str(value).strip().lower()
        if text in {"true", "1"}:
            return True
        if text in {"false", "0"}:
            return False
        raise ValidationError("Must be true or false.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = _StrictBooleanField


def _live_locales():
    return CategoryLocale.objects.alive().filter(category=OuterRef("pk"))


class _HavingLiveLocale(django_filters.CharFilter):
    def filter(self, qs, value):
        if value in ("", None):
            return qs
        return qs.filter(Exists(_live_locales().filter(locale=value)))


class LiveLocaleFilter(LocaleFilter, _HavingLiveLocale):
    """Categories having a live locale with this code.

    LocaleFilter checks and normalizes the tag, then hands it to the next
    class in the MRO, `_HavingLiveLocale`, which filters with a subquery (no
    join, so no duplicate rows, and deleted locales do not count).
    """


class CategoryFilter(django_filters.FilterSet):
    is_archived = StrictBooleanFilter(field_name="is_archived")
    locale = LiveLocaleFilter(field_name="locale")
    search = SearchFilter(field_name="search", selector=category_search)

    class Meta:
        model = Category
        fields: list[str] = []
