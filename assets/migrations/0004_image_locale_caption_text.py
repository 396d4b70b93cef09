"""caption_text: the plain text of each caption, filled for the captions stored before it."""

from django.db import migrations, models

from core.sanitize import html_to_text


def fill_caption_text(apps, schema_editor):
    AssetImageLocale = apps.get_model("assets", "AssetImageLocale")
    captions = AssetImageLocale.objects.exclude(caption_html="").only("id", "caption_html")
    batch = []
    for locale in captions.iterator(chunk_size=1000):
        locale.caption_text = html_to_text(locale.caption_html)
        batch.append(locale)
        if len(batch) == 1000:
            AssetImageLocale.objects.bulk_update(batch, ["caption_text"])
            batch = []
    AssetImageLocale.objects.bulk_update(batch, ["caption_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0003_image_search_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="assetimagelocale",
            name="caption_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_caption_text, migrations.RunPython.noop, elidable=True),
    ]
