"""Migrations that change data: run forwards on rows stored before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("assets", "0003_image_search_text")]
AFTER = [("assets", "0004_image_locale_caption_text")]


@pytest.mark.django_db(transaction=True)
def test_caption_text_is_filled_for_captions_stored_before_it():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    stored = old.get_model("assets", "StoredFile").objects.create(
        key="images/aa/a.png", sha256="a" * 64, byte_size=1, content_type="image/png", width=1, height=1
    )
    now = timezone.now()
    image = old.get_model("assets", "AssetImage").objects.create(file=stored, name="n", inserted_at=now, updated_at=now)
    Locale = old.get_model("assets", "AssetImageLocale")
    Locale.objects.create(image=image, locale="en", caption_html="<p>The <em>harbour</em> &amp; boats</p>")
    Locale.objects.create(image=image, locale="fr", caption_html="")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    texts = dict(new.get_model("assets", "AssetImageLocale").objects.values_list("locale", "caption_text"))
    assert texts == {"en": "The harbour & boats", "fr": ""}

    # Back to the newest state for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
