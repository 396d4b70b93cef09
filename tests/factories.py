"""Factories for test data (factory_boy).

`StoredFileFactory` makes the record only; tests that need the bytes in
storage upload them through the API or `stored_file_upload`.
"""

import hashlib

import factory
from django.core.files.base import ContentFile

from assets.models import AssetImage, AssetImageLocale, StoredFile
from assets.services import stored_file_upload
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


class AssetImageLocaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssetImageLocale

    image = factory.SubFactory(AssetImageFactory)
    locale = "en"
    credit = "Photographer"
    caption_html = "<p>A caption</p>"
    caption_text = factory.LazyAttribute(lambda locale: html_to_text(locale.caption_html))


def stored_file(content: bytes | None = None, name: str = "upload.png") -> StoredFile:
    """A StoredFile whose bytes are really in storage, made by the upload service."""
    record, _ = stored_file_upload(file=ContentFile(content or image_bytes(), name=name))
    return record
