"""The asset selectors: visibility, lookups and what they prefetch."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assets import selectors
from core.exceptions import BadRequest, EntityNotFound, InvalidUUID
from tests.factories import AssetImageFactory, AssetImageLocaleFactory, StoredFileFactory

pytestmark = pytest.mark.django_db
MISSING = "00000000-0000-0000-0000-000000000000"


class TestImageGet:
    def test_live(self):
        image = AssetImageFactory()
        assert selectors.image_get(image_id=str(image.id)) == image

    def test_deleted_is_not_found_unless_asked(self):
        image = AssetImageFactory(deleted_at=timezone.now())
        with pytest.raises(EntityNotFound):
            selectors.image_get(image_id=str(image.id))
        assert selectors.image_get(image_id=str(image.id), include_deleted=True) == image

    def test_unknown(self):
        with pytest.raises(EntityNotFound):
            selectors.image_get(image_id=MISSING)

    def test_bad_uuid(self):
        with pytest.raises(InvalidUUID):
            selectors.image_get(image_id="nope")

    def test_file_and_captions_come_with_it(self, django_assert_num_queries):
        image = AssetImageFactory()
        AssetImageLocaleFactory(image=image, locale="en")
        AssetImageLocaleFactory(image=image, locale="fr")
        with django_assert_num_queries(2):
            found = selectors.image_get(image_id=str(image.id))
            assert found.file.key
            assert [c.locale for c in found.locales.all()] == ["en", "fr"]


class TestByKeyAndHash:
    def test_by_key(self):
        image = AssetImageFactory()
        assert selectors.image_get_by_key(file_key=image.file.key) == image

    def test_by_key_unknown(self):
        with pytest.raises(EntityNotFound):
            selectors.image_get_by_key(file_key="images/none.png")

    def test_by_key_with_a_nul_character_is_not_found(self):
        AssetImageFactory()
        with pytest.raises(EntityNotFound):
            selectors.image_get_by_key(file_key="a\x00b")

    def test_by_hash_in_either_case(self):
        image = AssetImageFactory()
        assert selectors.image_get_by_hash(file_hash=image.file.sha256.upper()) == image

    @pytest.mark.parametrize("file_hash", ["", "abc", "z" * 64, "a" * 65, "a" * 64 + "\n", None])
    def test_by_hash_malformed(self, file_hash):
        with pytest.raises(BadRequest):
            selectors.image_get_by_hash(file_hash=file_hash)

    def test_a_file_with_only_deleted_images(self):
        stored = StoredFileFactory()
        now = timezone.now()
        AssetImageFactory(file=stored, deleted_at=now - timedelta(days=2))
        newer = AssetImageFactory(file=stored, deleted_at=now - timedelta(days=1))
        with pytest.raises(EntityNotFound):
            selectors.image_get_by_key(file_key=stored.key)
        # The most recently deleted one: the likeliest to restore.
        assert selectors.image_get_by_key(file_key=stored.key, include_deleted=True) == newer
        assert selectors.image_get_by_hash(file_hash=stored.sha256, include_deleted=True) == newer

    def test_the_live_image_comes_first_when_deleted_ones_are_shown(self):
        stored = StoredFileFactory()
        AssetImageFactory(file=stored, deleted_at=timezone.now())
        live = AssetImageFactory(file=stored)
        AssetImageFactory(file=stored, deleted_at=timezone.now())
        assert selectors.image_get_by_key(file_key=stored.key, include_deleted=True) == live
        assert selectors.image_get_by_hash(file_hash=stored.sha256, include_deleted=True) == live


class TestImageList:
    def test_newest_first_and_live_only(self):
        now = timezone.now()
        old = AssetImageFactory(inserted_at=now - timedelta(hours=2))
        new = AssetImageFactory(inserted_at=now - timedelta(hours=1))
        gone = AssetImageFactory(inserted_at=now, deleted_at=now)
        assert list(selectors.image_list()) == [new, old]
        assert list(selectors.image_list(include_deleted=True)) == [gone, new, old]

    def test_prefetches_files_and_captions(self, django_assert_num_queries):
        for _ in range(5):
            AssetImageLocaleFactory(image=AssetImageFactory())
        with django_assert_num_queries(2):
            for image in selectors.image_list():
                assert image.file.key
                assert len(image.locales.all()) == 1
