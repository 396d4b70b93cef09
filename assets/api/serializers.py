"""Input and output shapes of the asset image API (contract §4)."""

from rest_framework import serializers

from assets.models import AssetImage, Gravity
from assets.selectors import SHA256_MESSAGE
from core.api.schema import LOCALE_SCHEMA
from core.api.serializers import FastOutputSerializer, StrictSerializer
from core.timestamps import rfc3339
from core.validators import LANGUAGE_TAG_MAX_LENGTH


class ImageLocaleOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    locale = serializers.CharField()
    credit = serializers.CharField()
    caption_html = serializers.CharField()
    caption_text = serializers.CharField(
        read_only=True, help_text="The plain text of caption_html (read-only, derived on write)."
    )


class RenditionOutputSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Signed, absolute, public (no API key); the bytes behind it never change.")
    width = serializers.IntegerField(help_text="The real output width.")
    height = serializers.IntegerField(help_text="The real output height.")


class ImageOutputSerializer(FastOutputSerializer):
    id = serializers.UUIDField()
    file_key = serializers.CharField()
    file_hash = serializers.CharField()
    name = serializers.CharField()
    gravity = serializers.ChoiceField(choices=Gravity.choices)
    locales = ImageLocaleOutputSerializer(many=True)
    content_type = serializers.CharField()
    byte_size = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.CharField()
    inserted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    deleted_at = serializers.DateTimeField(allow_null=True)
    renditions = serializers.DictField(
        child=RenditionOutputSerializer(),
        required=False,
        help_text="Only with `?renditions=`: each spec as asked → its URL and output size.",
    )

    @staticmethod
    def represent(image: AssetImage) -> dict:
        stored = image.file
        return {
            "id": str(image.id),
            "file_key": stored.key,
            "file_hash": stored.sha256,
            "name": image.name,
            "gravity": image.gravity,
            "locales": [
                {
                    "id": str(loc.id),
                    "locale": loc.locale,
                    "credit": loc.credit,
                    "caption_html": loc.caption_html,
                    "caption_text": loc.caption_text,
                }
                for loc in image.locales.all()
            ],
            "content_type": stored.content_type,
            "byte_size": stored.byte_size,
            "width": stored.width,
            "height": stored.height,
            "url": file_url(stored.key),
            "inserted_at": rfc3339(image.inserted_at),
            "updated_at": rfc3339(image.updated_at),
            "deleted_at": rfc3339(image.deleted_at),
        }


def file_url(key: str) -> str:
    from django.core.files.storage import default_storage

    return default_storage.url(key)


class ImageLocaleInputSerializer(StrictSerializer):
    # An item copied from a response can be sent back: its read-only fields are ignored.
    ignored_fields = ("id", "caption_text")
    field_schemas = {"locale": LOCALE_SCHEMA}
    # Not trimmed: the tag is judged as sent, as the schema's pattern judges it.
    locale = serializers.CharField(max_length=LANGUAGE_TAG_MAX_LENGTH, trim_whitespace=False)
    credit = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    caption_html = serializers.CharField(max_length=65536, required=False, allow_blank=True, default="")


class ImageCreateSerializer(StrictSerializer):
    ignored_fields = ("id",)
    file_key = serializers.CharField(max_length=255)
    file_hash = serializers.RegexField(r"^[0-9a-fA-F]{64}$", required=False, error_messages={"invalid": SHA256_MESSAGE})
    name = serializers.CharField(max_length=255)
    gravity = serializers.ChoiceField(choices=Gravity.choices, required=False, default=Gravity.CENTER)
    locales = ImageLocaleInputSerializer(many=True, required=False, default=list, max_length=200)


class UploadSerializer(serializers.Serializer):
    """Schema only: the upload is parsed by the streaming upload handler."""

    file = serializers.FileField()


class UploadOutputSerializer(serializers.Serializer):
    file_key = serializers.CharField()
    file_hash = serializers.CharField()
    content_type = serializers.CharField()
    byte_size = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
