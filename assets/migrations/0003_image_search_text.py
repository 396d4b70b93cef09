"""Images' searchable text (core.search): the column, filled for the rows there are, then its
trigram index (PostgreSQL only; filled first, as indexing a full column is cheaper than
updating an indexed one row by row)."""

import django.contrib.postgres.indexes
import django.db.models.functions.comparison
import django.db.models.functions.text
from django.db import migrations, models

import core.search
from core.sanitize import html_to_text

BATCH = 1000


def fill_search_text(apps, schema_editor):
    # The same text as assets.services.image_search_text, from the historical models.
    AssetImage = apps.get_model("assets", "AssetImage")
    last = None
    while True:
        batch = AssetImage._base_manager.order_by("pk").prefetch_related("locales")
        if last is not None:
            batch = batch.filter(pk__gt=last)
        images = list(batch[:BATCH])
        if not images:
            return
        for image in images:
            locales = sorted(image.locales.all(), key=lambda loc: loc.locale)
            image.search_text = core.search.joined(
                [image.name]
                + [loc.credit for loc in locales]
                + [html_to_text(loc.caption_html) for loc in locales]
            )
        AssetImage._base_manager.bulk_update(images, ["search_text"])
        last = images[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ('assets', '0002_stored_file_orientation_and_renditions'),
        ('core', '0003_trigram_extension'),
    ]

    operations = [
        migrations.AddField(
            model_name='assetimage',
            name='search_text',
            field=models.TextField(blank=True, db_default='', default='', editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
        core.search.AddIndexOnPostgreSQL(
            model_name='assetimage',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(django.db.models.functions.comparison.Cast('search_text', models.TextField())), name='gin_trgm_ops'), name='asset_image_search_trgm'),
        ),
    ]
