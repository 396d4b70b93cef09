"""Input and output shapes of the category API (contract §5)."""

from rest_framework import serializers

from categories.models import Category
from categories.services import MAX_LOCALES, NAME_MAX_LENGTH
from core.api.schema import LOCALE_SCHEMA
from core.api.serializers import FastOutputSerializer, StrictSerializer
from core.timestamps import rfc3339
from core.validators import LANGUAGE_TAG_MAX_LENGTH


class CategoryLocaleOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    locale = serializers.CharField()
    name = serializers.CharField()
    deleted_at = serializers.DateTimeField(allow_null=True)


class CategoryOutputSerializer(FastOutputSerializer):
    id = serializers.UUIDField()
    locales = CategoryLocaleOutputSerializer(many=True)
    svg_icon = serializers.CharField(allow_null=True)
    is_archived = serializers.BooleanField()
    inserted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    deleted_at = serializers.DateTimeField(allow_null=True)

    @staticmethod
    def represent(category: Category) -> dict:
        # Prefetched by the selector: live locales, or all of them with include_deleted.
        return {
            "id": str(category.id),
            "locales": [
                {"id": str(loc.id), "locale": loc.locale, "name": loc.name, "deleted_at": rfc3339(loc.deleted_at)}
                for loc in category.shown_locales
            ],
            "svg_icon": category.svg_icon,
            "is_archived": category.is_archived,
            "inserted_at": rfc3339(category.inserted_at),
            "updated_at": rfc3339(category.updated_at),
            "deleted_at": rfc3339(category.deleted_at),
        }


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean only: DRF's own also takes "yes", "on", 1 and such."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class CategoryLocaleCreateSerializer(StrictSerializer):
    # A copy of a response item may be sent back as it is.
    ignored_fields = ("id", "deleted_at")
    field_schemas = {"locale": LOCALE_SCHEMA}
    # Not trimmed: the tag is judged as sent, as the schema's pattern judges it.
    locale = serializers.CharField(max_length=LANGUAGE_TAG_MAX_LENGTH, trim_whitespace=False)
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)


class CategoryLocalePatchSerializer(CategoryLocaleCreateSerializer):
    ignored_fields = ("deleted_at",)
    id = serializers.UUIDField(required=False)


SVG_HELP = (
    "Inline SVG markup (root `<svg>`), at most 64 KiB, that must parse as XML without a DTD; "
    "sanitized on write. `null` removes the icon."
)


class CategoryCreateSerializer(StrictSerializer):
    ignored_fields = ("id",)
    locales = CategoryLocaleCreateSerializer(many=True, allow_empty=False, max_length=MAX_LOCALES)
    # The size limit and the SVG checks are the sanitizer's (one rule for the API and the admin).
    svg_icon = serializers.CharField(required=False, allow_null=True, trim_whitespace=False, help_text=SVG_HELP)
    is_archived = StrictBooleanField(required=False)


class CategoryPatchSerializer(StrictSerializer):
    ignored_fields = ("id",)
    locales = CategoryLocalePatchSerializer(many=True, required=False, allow_empty=False, max_length=MAX_LOCALES)
    svg_icon = serializers.CharField(required=False, allow_null=True, trim_whitespace=False, help_text=SVG_HELP)
    is_archived = StrictBooleanField(required=False)
