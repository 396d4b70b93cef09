"""Trigram indexes for the admin's search of references (core.search; PostgreSQL only)."""

import django.contrib.postgres.indexes
import django.db.models.functions.comparison
import django.db.models.functions.text
from django.db import migrations, models

import core.search


class Migration(migrations.Migration):

    dependencies = [
        ('references', '0001_initial'),
        ('core', '0003_trigram_extension'),
    ]

    operations = [
        core.search.AddIndexOnPostgreSQL(
            model_name='reference',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(django.db.models.functions.comparison.Cast('provider', models.TextField())), name='gin_trgm_ops'), name='reference_provider_trgm'),
        ),
        core.search.AddIndexOnPostgreSQL(
            model_name='reference',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(django.db.models.functions.comparison.Cast('external_id', models.TextField())), name='gin_trgm_ops'), name='reference_external_id_trgm'),
        ),
        core.search.AddIndexOnPostgreSQL(
            model_name='reference',
            index=django.contrib.postgres.indexes.GinIndex(django.contrib.postgres.indexes.OpClass(django.db.models.functions.text.Upper(django.db.models.functions.comparison.Cast('urn', models.TextField())), name='gin_trgm_ops'), name='reference_urn_trgm'),
        ),
    ]
