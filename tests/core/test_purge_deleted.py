"""purge_deleted: erases what was soft-deleted long enough ago, and files no image uses."""

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from assets.models import AssetImage, AssetImageLocale, StoredFile
from assets.services import image_create, image_soft_delete, stored_file_upload
from categories.models import Category, CategoryLocale
from categories.services import category_create, category_soft_delete, category_update
from core.models import AuditLogEntry
from tests.utils import image_bytes

pytestmark = pytest.mark.django_db
LONG_AGO = timezone.now() - timedelta(days=40)


def run(*args) -> str:
    out = io.StringIO()
    call_command("purge_deleted", *args, stdout=out)
    return out.getvalue()


def upload(color) -> StoredFile:
    return stored_file_upload(file=SimpleUploadedFile("x.png", image_bytes("PNG", (4, 4), color)))[0]


def age(model, pk, **fields) -> None:
    model.all_objects.filter(pk=pk).update(**fields)


@pytest.fixture
def world():
    """Old and recent deletions of every kind, and live rows that must stay."""
    old_file, recent_file, live_file, shared_file, orphan_file = (upload((i, i, i)) for i in range(5))
    StoredFile.objects.update(created_at=LONG_AGO)
    StoredFile.objects.filter(pk=recent_file.pk).update(created_at=timezone.now())
    old_image = image_create(file_key=old_file.key, name="old", locales=[{"locale": "en", "caption_html": "x"}])
    recent_image = image_create(file_key=recent_file.key, name="recent")
    live_image = image_create(file_key=live_file.key, name="live")
    deleted_recently_shared = image_create(file_key=shared_file.key, name="shared, deleted recently")
    for image in (old_image, recent_image, deleted_recently_shared):
        image_soft_delete(image=image)
    age(AssetImage, old_image.pk, deleted_at=LONG_AGO)

    old_category = category_create(locales=[{"locale": "en", "name": "Old"}])
    recent_category = category_create(locales=[{"locale": "en", "name": "Recent"}])
    live_category = category_create(locales=[{"locale": "en", "name": "Live"}, {"locale": "fr", "name": "Vivant"}])
    category_soft_delete(category=old_category)
    category_soft_delete(category=recent_category)
    age(Category, old_category.pk, deleted_at=LONG_AGO)
    category_update(category=live_category, locales=[{"locale": "en", "name": "Live"}])  # fr soft-deleted now
    fr = CategoryLocale.objects.get(category=live_category, locale="fr")
    CategoryLocale.objects.filter(pk=fr.pk).update(deleted_at=LONG_AGO)
    return {
        "old_file": old_file,
        "recent_file": recent_file,
        "orphan_file": orphan_file,
        "old_image": old_image,
        "recent_image": recent_image,
        "live_image": live_image,
        "old_category": old_category,
        "recent_category": recent_category,
        "live_category": live_category,
        "fr": fr,
    }


def test_dry_run_counts_and_erases_nothing(world):
    before = (AssetImage.all_objects.count(), StoredFile.objects.count(), Category.all_objects.count())
    text = run("--older-than", "30", "--dry-run")
    assert "images: would erase 1" in text
    assert "stored files: would erase 1" in text  # only the orphan: old_file is still used by its deleted image
    assert "categories: would erase 1" in text
    assert "category locales: would erase 1" in text
    assert (AssetImage.all_objects.count(), StoredFile.objects.count(), Category.all_objects.count()) == before


def test_erases_only_what_is_old_enough_and_unused(world):
    text = run("--older-than", "30")
    assert "images: erased 1" in text and "categories: erased 1" in text and "category locales: erased 1" in text
    # The old deleted image went, with its caption; then its file, now unused, went too.
    assert not AssetImage.all_objects.filter(pk=world["old_image"].pk).exists()
    assert not AssetImageLocale.objects.filter(image_id=world["old_image"].pk).exists()
    assert "stored files: erased 2" in text
    for gone in ("old_file", "orphan_file"):
        assert not StoredFile.objects.filter(pk=world[gone].pk).exists()
        assert not default_storage.exists(world[gone].key)
    # Recent deletions, live rows and recent uploads stay.
    assert AssetImage.all_objects.filter(pk=world["recent_image"].pk).exists()
    assert AssetImage.objects.filter(pk=world["live_image"].pk).exists()
    assert StoredFile.objects.filter(pk=world["recent_file"].pk).exists()
    assert default_storage.exists(world["recent_file"].key)
    assert not Category.all_objects.filter(pk=world["old_category"].pk).exists()
    assert Category.all_objects.filter(pk=world["recent_category"].pk).exists()
    assert list(CategoryLocale.objects.filter(category=world["live_category"]).values_list("locale", flat=True)) == [
        "en"
    ]
    # Erasures are in the audit trail, as made by the command.
    erase = AuditLogEntry.objects.filter(event="erase", object_pk=str(world["old_image"].pk)).get()
    assert erase.actor_label == "command purge_deleted"


def test_running_again_erases_nothing_more(world):
    run("--older-than", "30")
    text = run("--older-than", "30")
    assert "erased 0 in all" in text


def test_a_negative_age_is_refused():
    with pytest.raises(CommandError):
        run("--older-than", "-1")
