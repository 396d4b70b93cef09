"""Categories' searchable text (core.search): the column, filled for the rows there are, then
its trigram index (PostgreSQL only)."""

import django.contrib.postgres.indexes
import django.db.models.functions.comparison
import django.db.models.functions.text
from django.db import migrations, models

import core.search

BATCH = 1000


def fill_search_text(apps, schema_editor):
    # The same text as categories.services.category_search_text, from the historical models.
    Category = apps.get_model("categories", "Category")
    CategoryLocale = apps.get_model("categories", "CategoryLocale")
    last = None
    while True:
        batch = Category._base_manager.order_by("pk")
        if last is not None:
            batch = batch.filter(pk__gt=last)
        categories = list(batch[:BATCH])
        if not categories:
            return
        names: dict = {}
        live = CategoryLocale._base_manager.filter(category__in=categories, deleted_at__isnull=True)
        for category_id, name in live.order_by("locale").values_list("category_id", "name"):
            names.setdefault(category_id, []).append(name)
        for category in categories:
            category.search_text = core.search.joined(names.get(category.pk, []))
        Category._base_manager.bulk_update(categories, ["search_text"])
        last = categories[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ('categories', '0001_initial'),
        ('core', '0003_trigram_extension'),
    ]

    operations = [
        migrations.AddField(
            model_name='category',
            name='search_text',
            field=models.TextField(blank=True, db_default='', default='', editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=True),
        core.search.AddIndexOnPostgreSQL(
            model_name='category',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(django.db.models.functions.comparison.Cast('search_text', models.TextField())), name='gin_trgm_ops'), name='category_search_trgm'),
        ),
    ]
