"""Asset invariants that live in the database (STYLE §4)."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from assets.models import AssetImage, AssetImageLocale, Gravity, StoredFile
from tests.factories import AssetImageFactory, AssetImageLocaleFactory, StoredFileFactory

pytestmark = pytest.mark.django_db


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
    except IntegrityError:
        return True
    return False


class TestOneLiveImagePerFile:
    def test_two_live_images_for_one_file_are_refused(self):
        image = AssetImageFactory()
        assert refused(lambda: AssetImage.objects.create(file=image.file, name="again"))

    def test_a_live_and_a_deleted_image_are_fine(self):
        image = AssetImageFactory(deleted_at=timezone.now())
        AssetImage.objects.create(file=image.file, name="again")
        assert AssetImage.all_objects.filter(file=image.file).count() == 2

    def test_two_deleted_images_are_fine(self):
        image = AssetImageFactory(deleted_at=timezone.now())
        AssetImageFactory(file=image.file, deleted_at=timezone.now())
        assert AssetImage.all_objects.filter(file=image.file).count() == 2

    def test_restoring_the_second_by_update_is_refused(self):
        deleted = AssetImageFactory(deleted_at=timezone.now())
        AssetImageFactory(file=deleted.file)
        assert refused(lambda: AssetImage.all_objects.filter(pk=deleted.pk).update(deleted_at=None))


class TestImageChecks:
    def test_empty_name_is_refused(self):
        assert refused(lambda: AssetImageFactory(name=""))

    def test_unknown_gravity_is_refused(self):
        assert refused(lambda: AssetImageFactory(gravity="middle"))

    def test_every_gravity_is_accepted(self):
        for gravity in Gravity.values:
            assert AssetImageFactory(gravity=gravity).gravity == gravity

    def test_gravity_defaults_to_center(self):
        assert AssetImage.objects.create(file=StoredFileFactory(), name="n").gravity == "center"

    def test_the_file_cannot_be_erased_while_an_image_uses_it(self):
        image = AssetImageFactory()
        with pytest.raises(ProtectedError):
            image.file.delete()

    def test_erasing_an_image_erases_its_captions(self):
        caption = AssetImageLocaleFactory()
        caption.image.delete()
        assert not AssetImageLocale.objects.exists()

    def test_str(self):
        assert str(AssetImageFactory(name="Harbour")) == "Harbour"


class TestCaptions:
    def test_one_caption_per_locale_per_image(self):
        caption = AssetImageLocaleFactory(locale="en")
        assert refused(lambda: AssetImageLocaleFactory(image=caption.image, locale="en"))

    def test_the_same_locale_on_two_images_is_fine(self):
        AssetImageLocaleFactory(locale="en")
        AssetImageLocaleFactory(locale="en")
        assert AssetImageLocale.objects.count() == 2

    def test_ordered_by_locale(self):
        image = AssetImageFactory()
        for locale in ("fr", "de", "en"):
            AssetImageLocaleFactory(image=image, locale=locale)
        assert [c.locale for c in image.locales.all()] == ["de", "en", "fr"]


class TestStoredFile:
    def test_key_is_unique(self):
        stored = StoredFileFactory()
        assert refused(lambda: StoredFileFactory(key=stored.key))

    def test_hash_is_unique(self):
        stored = StoredFileFactory()
        assert refused(lambda: StoredFileFactory(sha256=stored.sha256, key="other"))

    def test_size_is_not_negative(self):
        assert refused(lambda: StoredFileFactory(byte_size=-1))

    def test_str_is_the_key(self):
        assert str(StoredFileFactory(key="images/ab/x.png")) == "images/ab/x.png"


class TestVisibility:
    def test_objects_shows_live_rows_and_all_objects_every_row(self):
        live = AssetImageFactory()
        deleted = AssetImageFactory(deleted_at=timezone.now())
        assert list(AssetImage.objects.all()) == [live]
        assert set(AssetImage.all_objects.all()) == {live, deleted}
        assert list(AssetImage.all_objects.deleted()) == [deleted]
        assert list(AssetImage.all_objects.alive()) == [live]
        assert deleted.is_deleted and not live.is_deleted

    def test_delete_is_a_real_delete(self):
        image = AssetImageFactory()
        image.delete()
        assert not AssetImage.all_objects.exists()
        assert StoredFile.objects.count() == 1
