"""Factories for test data (factory_boy).

`StoredFileFactory` makes the record only; tests that need the bytes in
storage upload them through the API or `stored_file_upload`.
"""

import hashlib

import factory
from django.core.files.base import ContentFile

from assets.models import AssetImage, AssetImageLocale, StoredFile
from assets.services import image_reindex, stored_file_upload
from core.sanitize import html_to_text
from tests.utils import image_bytes


class StoredFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoredFile

    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"file-{n}".encode()).hexdigest())
    key = factory.LazyAttribute(lambda o: f"images/{o.sha256[:2]}/{o.sha256}.png")
    byte_size = 1234
    content_type = "image/png"
    width = 8
    height = 6


class AssetImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetImage

    file = factory.SubFactory(StoredFileFactory)
    name = factory.Sequence(lambda n: f"Image {n}")
    # What image_create writes for an image without locales (AssetImageLocaleFactory adds theirs).
    search_text = factory.LazyAttribute(lambda image: image.name)


class AssetImageLocaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetImageLocale

    image = factory.SubFactory(AssetImageFactory)
    locale = "en"
    credit = "Photographer"
    caption_html = "<p>A caption</p>"
    caption_text = factory.LazyAttribute(lambda locale: html_to_text(locale.caption_html))

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        # Rows made here skip the services: keep the image's search_text as they would.
        if create:
            image_reindex(image=instance.image)


def stored_file(content: bytes | None = None, name: str = "upload.png") -> StoredFile:
    """A StoredFile whose bytes are really in storage, made by the upload service."""
    record, _ = stored_file_upload(file=ContentFile(content or image_bytes(), name=name))
    return record
