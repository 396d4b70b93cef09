"""Filters of the image list (contract §4)."""

import django_filters

from assets.models import AssetImage
from assets.selectors import image_search
from core.api.filters import LocaleFilter, SearchFilter


class ImageFilter(django_filters.FilterSet):
    search = SearchFilter(field_name="search", selector=image_search)
    locale = LocaleFilter(field_name="locales__locale")

    class Meta:
        model = AssetImage
        fields: list[str] = []
