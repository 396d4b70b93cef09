"""Filters of the image list (contract §4)."""

import django_filters

from assets.models import AssetImage
from core.api.filters import LocaleFilter


class ImageFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=255)
    locale = LocaleFilter(field_name="locales__locale")

    class Meta:
        model = AssetImage
        fields: list[str] = []
