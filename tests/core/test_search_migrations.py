"""The data migrations fill `search_text` of the rows there are with what the services write."""

import importlib

import pytest
from django.apps import apps

from assets.models import AssetImage
from categories.models import Category
from categories.services import category_update
from tests.categories.factories import make_category
from tests.factories import AssetImageFactory, AssetImageLocaleFactory

pytestmark = pytest.mark.django_db


def fill(module: str) -> None:
    importlib.import_module(module).fill_search_text(apps, None)


def test_images_are_filled_as_image_create_writes_them(monkeypatch):
    monkeypatch.setattr(importlib.import_module("assets.migrations.0003_image_search_text"), "BATCH", 2)
    images = [AssetImageFactory(name=f"Image {index}") for index in range(5)]
    AssetImageLocaleFactory(image=images[0], locale="fr", credit="AFP", caption_html="<p>Le <em>port</em></p>")
    AssetImageLocaleFactory(image=images[0], locale="en", credit="", caption_html="<p>The port &amp; quay</p>")
    expected = dict(AssetImage.all_objects.values_list("pk", "search_text"))
    assert expected[images[0].pk] == "Image 0\nAFP\nThe port & quay\nLe port"
    AssetImage.all_objects.update(search_text="")
    fill("assets.migrations.0003_image_search_text")
    assert dict(AssetImage.all_objects.values_list("pk", "search_text")) == expected


def test_categories_are_filled_with_live_names_only(monkeypatch):
    monkeypatch.setattr(importlib.import_module("categories.migrations.0002_category_search_text"), "BATCH", 2)
    categories = [make_category({"en": f"News {index}", "fr": f"Nouvelles {index}"}) for index in range(5)]
    category_update(category=categories[0], locales=[{"locale": "de", "name": "Nachrichten"}])
    expected = dict(Category.all_objects.values_list("pk", "search_text"))
    assert expected[categories[0].pk] == "Nachrichten"
    Category.all_objects.update(search_text="")
    fill("categories.migrations.0002_category_search_text")
    assert dict(Category.all_objects.values_list("pk", "search_text")) == expected
