"""Filtering shared by the lists (django-filter)."""

import django_filters
from django.core.exceptions import ValidationError

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
