"""Reads for categories: querysets that already fetch what the output needs."""

from django.db.models import Prefetch

from categories.models import Category, CategoryLocale
from core import search
from core.selectors import get_visible


def locale_queryset(*, include_deleted: bool = False):
    """A category's locales as shown: live ones, or every one with include_deleted (contract §5)."""
    queryset = CategoryLocale.objects.order_by("locale", "deleted_at")
    return queryset if include_deleted else queryset.alive()


# The prefetched locales land in a plain list: with the default cache, Django
# builds a queryset per category, which was half the cost of a list page.
SHOWN_LOCALES = "shown_locales"


def category_queryset(*, include_deleted: bool = False):
    """Categories with `shown_locales`: their live locales, or all of them with include_deleted."""
    return Category.visible(include_deleted=include_deleted).prefetch_related(
        Prefetch("locales", queryset=locale_queryset(include_deleted=include_deleted), to_attr=SHOWN_LOCALES)
    )


def category_get(*, category_id, include_deleted: bool = False) -> Category:
    """A category by its path id: 400 for a bad UUID, 404 when absent (or soft-deleted, by default)."""
    return get_visible(Category, category_id, queryset=category_queryset(include_deleted=include_deleted))


def category_list(*, include_deleted: bool = False):
    """The category list before filters and paging (newest first)."""
    return category_queryset(include_deleted=include_deleted)


def category_search(*, queryset, term: str):
    """The categories of `queryset` with a live locale name containing `term` (any case)."""
    return search.search(queryset, term)
