"""Filtering shared by the lists (django-filter)."""

import django_filters
from django.core.exceptions import ValidationError

from core import search
from core.exceptions import BadRequest
from core.validators import is_language_tag, normalize_language_tag


class LocaleFilter(django_filters.CharFilter):
    """A BCP 47 tag, compared in its canonical casing; judged as sent (not stripped), as the schema judges it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("strip", False)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in ("", None):
            return qs
        if not is_language_tag(value):
            raise BadRequest({self.field_name.split("__")[-1]: ["Enter a well-formed BCP 47 language tag."]})
        return super().filter(qs, normalize_language_tag(value))


class SearchFilter(django_filters.CharFilter):
    """`search` (core.search): a case-insensitive substring of the row's searchable text, at
    least MIN_TERM_LENGTH characters (a shorter one is a 400), through the app's selector."""

    def __init__(self, *, selector, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(**kwargs)
        self.selector = selector

    def filter(self, qs, value):
        term = search.clean_term(value, field=self.field_name)
        return qs if term is None else self.selector(queryset=qs, term=term)


def apply_filters(filterset_class, request, queryset):
    """The filtered queryset, or a 400 with the filter errors as details."""
    params = request.query_params
    if not any(name in params for name in filterset_class.base_filters):
        # No filter asked: the FilterSet would return the queryset as it is, after building a form
        # and deep copies of its filters (a tenth of a list page's time, docs/performance.md).
        return queryset
    filterset = filterset_class(request.query_params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise BadRequest(dict(filterset.errors))
    try:
        return filterset.qs
    except ValidationError as exc:
        raise BadRequest({"query": exc.messages}) from None
