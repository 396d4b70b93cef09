"""The asset services, called directly (as the admin and the commands do)."""

import hashlib

import pytest
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.query import QuerySet
from django.utils import timezone

from assets import services
from assets.models import AssetImage, AssetImageLocale, StoredFile
from core.exceptions import BadRequest, Conflict, EntityNotFound, UnsupportedMediaType
from tests.factories import AssetImageFactory, StoredFileFactory, stored_file
from tests.utils import image_bytes

pytestmark = pytest.mark.django_db


class TestStoredFileUpload:
    def test_a_plain_django_file_is_hashed_and_stored(self, tmp_path):
        data = image_bytes("GIF", size=(5, 7))
        path = tmp_path / "in.gif"
        path.write_bytes(data)
        with path.open("rb") as handle:
            record, created = services.stored_file_upload(file=File(handle, name="in.gif"))
        sha = hashlib.sha256(data).hexdigest()
        assert created
        assert (record.sha256, record.byte_size, record.content_type) == (sha, len(data), "image/gif")
        assert (record.width, record.height) == (5, 7)
        assert record.key == f"images/{sha[:2]}/{sha}.gif"
        with default_storage.open(record.key) as stored:
            assert stored.read() == data

    def test_same_bytes_give_the_same_record(self):
        data = image_bytes()
        first, created_first = services.stored_file_upload(file=ContentFile(data, name="a.png"))
        second, created_second = services.stored_file_upload(file=ContentFile(data, name="b.png"))
        assert (created_first, created_second) == (True, False)
        assert first.pk == second.pk
        assert StoredFile.objects.count() == 1

    def test_the_file_is_written_before_its_record(self, monkeypatch):
        seen = {}
        real_create = StoredFile.objects.create

        def create(**kwargs):
            seen["file_there"] = default_storage.exists(kwargs["key"])
            return real_create(**kwargs)

        monkeypatch.setattr(StoredFile.objects, "create", create)
        services.stored_file_upload(file=ContentFile(image_bytes(), name="a.png"))
        assert seen == {"file_there": True}

    def test_a_failing_record_leaves_the_file_not_a_record_without_file(self, monkeypatch):
        def create(**kwargs):
            raise RuntimeError("database gone")

        monkeypatch.setattr(StoredFile.objects, "create", create)
        data = image_bytes()
        with pytest.raises(RuntimeError):
            services.stored_file_upload(file=ContentFile(data, name="a.png"))
        sha = hashlib.sha256(data).hexdigest()
        assert default_storage.exists(f"images/{sha[:2]}/{sha}.png")
        assert not StoredFile.objects.exists()

    def test_an_orphan_file_gets_its_record_without_a_second_copy(self):
        data = image_bytes()
        sha = hashlib.sha256(data).hexdigest()
        key = f"images/{sha[:2]}/{sha}.png"
        default_storage.save(key, ContentFile(data))
        record, created = services.stored_file_upload(file=ContentFile(data, name="a.png"))
        assert created and record.key == key
        _dirs, files = default_storage.listdir(f"images/{sha[:2]}")
        assert files == [f"{sha}.png"]

    def test_a_concurrent_record_is_returned_instead_of_a_500(self, monkeypatch):
        data = image_bytes()
        sha = hashlib.sha256(data).hexdigest()
        other = StoredFileFactory(sha256=sha, key=f"images/{sha[:2]}/{sha}.png", byte_size=len(data))
        real_first = QuerySet.first
        calls = []

        def first(self):
            # The pre-check misses the record, as when another request inserts it in between.
            calls.append(self.model)
            return None if len(calls) == 1 else real_first(self)

        monkeypatch.setattr(QuerySet, "first", first)
        record, created = services.stored_file_upload(file=ContentFile(data, name="a.png"))
        assert not created
        assert record.pk == other.pk
        assert StoredFile.objects.count() == 1

    def test_not_an_image_is_refused_and_not_stored(self, settings):
        with pytest.raises(UnsupportedMediaType):
            services.stored_file_upload(file=ContentFile(b"hello", name="a.png"))
        assert not StoredFile.objects.exists()


def locales(*codes: str) -> list[dict]:
    return [{"locale": code, "credit": "", "caption_html": ""} for code in codes]


class TestImageCreate:
    def test_creates_the_image_with_its_captions(self):
        stored = stored_file()
        image = services.image_create(
            file_key=stored.key,
            name="Harbour",
            gravity="east",
            locales=[{"locale": "EN-gb", "credit": "Ann", "caption_html": "<p>x<script>y</script></p>"}],
        )
        assert (image.file, image.name, image.gravity) == (stored, "Harbour", "east")
        (caption,) = image.locales.all()
        assert (caption.locale, caption.credit, caption.caption_html) == ("en-GB", "Ann", "<p>x</p>")
        assert caption.caption_text == "x"

    def test_caption_text_is_the_plain_text_of_the_stored_caption(self):
        image = services.image_create(
            file_key=stored_file().key,
            name="Harbour",
            locales=[{"locale": "en", "caption_html": "<p>The <em>harbour</em> &amp; boats</p><p>at dawn</p>"}],
        )
        assert image.locales.get().caption_text == "The harbour & boats at dawn"

    def test_unknown_file_key_is_bad_request(self):
        with pytest.raises(BadRequest) as info:
            services.image_create(file_key="nope", name="n")
        assert "file_key" in info.value.details

    def test_hash_mismatch_is_bad_request(self):
        with pytest.raises(BadRequest) as info:
            services.image_create(file_key=stored_file().key, name="n", file_hash="f" * 64)
        assert "file_hash" in info.value.details

    @pytest.mark.parametrize("name", ["", "n" * 256])
    def test_bad_name_is_bad_request(self, name):
        with pytest.raises(BadRequest) as info:
            services.image_create(file_key=stored_file().key, name=name)
        assert "name" in info.value.details

    def test_blank_name_is_bad_request(self):
        # The same rule as the REST serializer, for the admin and the commands too.
        with pytest.raises(BadRequest) as info:
            services.image_create(file_key=stored_file().key, name="   ")
        assert "name" in info.value.details

    def test_name_is_stripped(self):
        assert services.image_create(file_key=stored_file().key, name="  Harbour ").name == "Harbour"

    def test_credit_over_255_characters_is_bad_request(self):
        items = [{"locale": "en"}, {"locale": "fr", "credit": "c" * 256}]
        with pytest.raises(BadRequest) as info:
            services.image_create(file_key=stored_file().key, name="n", locales=items)
        assert info.value.details == {"locales": [{}, {"credit": ["Give a credit of at most 255 characters."]}]}
        assert not AssetImage.all_objects.exists()

    def test_bad_gravity_is_bad_request(self):
        with pytest.raises(BadRequest) as info:
            services.image_create(file_key=stored_file().key, name="n", gravity="up")
        assert "gravity" in info.value.details

    def test_duplicate_locales_after_normalizing(self):
        with pytest.raises(BadRequest) as info:
            services.image_create(file_key=stored_file().key, name="n", locales=locales("pt-BR", "de", "PT-br"))
        assert info.value.details["locales"][0] == {} and info.value.details["locales"][1] == {}
        assert "locale" in info.value.details["locales"][2]
        assert not AssetImage.all_objects.exists()

    def test_second_live_image_is_a_conflict(self):
        existing = AssetImageFactory(file=stored_file())
        with pytest.raises(Conflict) as info:
            services.image_create(file_key=existing.file.key, name="again")
        assert info.value.details["existing_id"] == str(existing.id)

    def test_race_past_the_check_is_a_conflict_not_a_500(self, monkeypatch):
        existing = AssetImageFactory(file=stored_file())
        # The pre-check misses the live image, as when another request inserts it in between.
        monkeypatch.setattr(QuerySet, "exists", lambda self: False)
        with pytest.raises(Conflict) as info:
            services.image_create(file_key=existing.file.key, name="racer", locales=locales("en"))
        assert info.value.details["existing_id"] == str(existing.id)
        assert AssetImage.all_objects.count() == 1
        assert not AssetImageLocale.objects.exists()

    def test_race_through_the_api_is_a_409(self, api, monkeypatch):
        existing = AssetImageFactory(file=stored_file())
        monkeypatch.setattr(QuerySet, "exists", lambda self: False)
        response = api.post("/api/core/v2/assets/images", {"file_key": existing.file.key, "name": "r"}, format="json")
        assert response.status_code == 409
        assert response.json()["details"]["existing_id"] == str(existing.id)


class TestSoftDeleteAndRestore:
    def test_soft_delete_sets_deleted_at(self):
        image = AssetImageFactory()
        before = timezone.now()
        services.image_soft_delete(image=image)
        image.refresh_from_db()
        assert image.deleted_at >= before

    def test_soft_delete_of_a_deleted_image_is_not_found(self):
        image = AssetImageFactory(deleted_at=timezone.now())
        with pytest.raises(EntityNotFound):
            services.image_soft_delete(image=image)

    def test_restore_clears_deleted_at(self):
        image = AssetImageFactory(deleted_at=timezone.now())
        services.image_restore(image=image)
        image.refresh_from_db()
        assert image.deleted_at is None

    def test_restore_of_a_live_image_changes_nothing(self):
        image = AssetImageFactory()
        updated = image.updated_at
        assert services.image_restore(image=image) is image
        image.refresh_from_db()
        assert image.updated_at == updated

    def test_restore_over_another_live_image_is_a_conflict_and_stays_deleted(self):
        deleted = AssetImageFactory(deleted_at=timezone.now())
        live = AssetImageFactory(file=deleted.file)
        with pytest.raises(Conflict) as info:
            services.image_restore(image=deleted)
        assert info.value.details["existing_id"] == str(live.id)
        deleted.refresh_from_db()
        assert deleted.deleted_at is not None

    def test_restore_does_not_touch_other_rows(self):
        a = AssetImageFactory(deleted_at=timezone.now(), file=StoredFileFactory())
        b = AssetImageFactory(deleted_at=timezone.now(), file=StoredFileFactory())
        services.image_restore(image=a)
        b.refresh_from_db()
        assert b.deleted_at is not None


class TestImageCreateFromUpload:
    def test_stores_the_file_and_creates_its_image(self):
        image, created = services.image_create_from_upload(
            file=ContentFile(image_bytes(), name="a.png"), name="a", locales=[{"locale": "EN", "credit": "me"}]
        )
        assert created
        assert (image.name, image.file.sha256) == ("a", hashlib.sha256(image_bytes()).hexdigest())
        assert [(loc.locale, loc.credit) for loc in image.locales.all()] == [("en", "me")]

    def test_a_file_a_live_image_uses_returns_that_image(self):
        first, _ = services.image_create_from_upload(file=ContentFile(image_bytes(), name="a.png"), name="a")
        again, created = services.image_create_from_upload(file=ContentFile(image_bytes(), name="b.png"), name="b")
        assert (again.pk, created) == (first.pk, False)
        assert AssetImage.all_objects.count() == 1

    def test_a_bad_locale_creates_nothing(self):
        with pytest.raises(BadRequest):
            services.image_create_from_upload(
                file=ContentFile(image_bytes(), name="a.png"), name="a", locales=[{"locale": "not a tag"}]
            )
        assert AssetImage.all_objects.count() == 0


class TestImageUpdate:
    def test_a_changed_caption_gets_its_caption_text_again(self):
        # The admin saves through image_update: its captions get their plain text too.
        image = services.image_create(
            file_key=stored_file().key, name="n", locales=[{"locale": "en", "caption_html": "<p>Old</p>"}]
        )
        services.image_update(image=image, locales=[{"locale": "en", "caption_html": "<p>New <em>one</em></p>"}])
        assert image.locales.get().caption_text == "New one"

    def test_changes_the_fields_given_and_sets_the_locales(self):
        image = services.image_create(
            file_key=stored_file().key, name="old", locales=[{"locale": "en", "credit": "a"}, {"locale": "fr"}]
        )
        updated = services.image_update(
            image=image,
            name=" new ",
            gravity="north",
            locales=[{"locale": "en", "credit": "b", "caption_html": "<script>x</script><b>ok</b>"}, {"locale": "de"}],
        )
        assert (updated.name, updated.gravity) == ("new", "north")
        rows = {loc.locale: (loc.credit, loc.caption_html) for loc in updated.locales.all()}
        assert rows == {"en": ("b", "<b>ok</b>"), "de": ("", "")}

    def test_leaves_what_is_not_given(self):
        image = services.image_create(file_key=stored_file().key, name="keep", locales=[{"locale": "en"}])
        updated = services.image_update(image=image, gravity="south")
        assert (updated.name, [loc.locale for loc in updated.locales.all()]) == ("keep", ["en"])

    def test_bad_input_changes_nothing(self):
        image = services.image_create(file_key=stored_file().key, name="keep")
        with pytest.raises(BadRequest) as info:
            services.image_update(image=image, name="", gravity="nowhere")
        assert "name" in info.value.details
        image.refresh_from_db()
        assert image.name == "keep"

    def test_a_file_another_live_image_uses_is_a_conflict(self):
        taken = AssetImageFactory()
        image = services.image_create(file_key=stored_file().key, name="mine")
        with pytest.raises(Conflict) as info:
            services.image_update(image=image, stored_file=taken.file)
        assert info.value.details["existing_id"] == str(taken.pk)


class TestImageUpdateRows:
    def test_changes_what_is_given_and_replaces_the_captions(self):
        image = AssetImageFactory(name="Old", gravity="center")
        AssetImageLocale.objects.create(image=image, locale="de", caption_html="<p>Alt</p>")
        kept = AssetImageLocale.objects.create(image=image, locale="en", credit="A", caption_html="<p>Old</p>")
        updated = services.image_update(
            image=image,
            name="New",
            locales=[{"locale": "en", "credit": "B", "caption_html": '<p onclick="x()">New</p>'}],
        )
        assert (updated.name, updated.gravity) == ("New", "center")
        assert list(updated.locales.values_list("id", "locale", "credit", "caption_html")) == [
            (kept.id, "en", "B", "<p>New</p>")
        ]

    def test_a_bad_caption_set_changes_nothing(self):
        image = AssetImageFactory(name="Old")
        with pytest.raises(BadRequest):
            services.image_update(image=image, name="New", locales=[{"locale": "not a tag"}])
        image.refresh_from_db()
        assert image.name == "Old"

    def test_a_deleted_image_is_not_updated(self):
        image = AssetImageFactory()
        services.image_soft_delete(image=image)
        with pytest.raises(EntityNotFound):
            services.image_update(image=image, name="New")

    def test_a_file_used_by_another_live_image_is_a_conflict(self):
        image, other = AssetImageFactory(), AssetImageFactory()
        with pytest.raises(Conflict):
            services.image_update(image=image, stored_file=other.file)


class TestImageLocaleSet:
    def test_creates_the_locale_then_changes_only_what_is_given(self):
        image = AssetImageFactory()
        services.image_locale_set(image=image, locale="pt-br", credit="Agência")
        row = services.image_locale_set(image=image, locale="pt-BR", caption_html="<p>Olá<script>x</script></p>")
        assert (row.locale, row.credit, row.caption_html) == ("pt-BR", "Agência", "<p>Olá</p>")
        assert image.locales.count() == 1

    def test_keeps_what_a_search_matches(self):
        image = AssetImageFactory(name="Harbour")
        services.image_locale_set(image=image, locale="en", caption_html="<p>Fishing <b>boats</b></p>", credit="Jane")
        image.refresh_from_db()
        assert "boats" in image.search_text.lower() and "jane" in image.search_text.lower()
        services.image_locale_set(image=image, locale="en", caption_html="<p>New <em>words</em></p>")
        assert image.locales.get().caption_text == "New words"

    def test_refuses_a_malformed_locale_and_a_long_credit(self):
        image = AssetImageFactory()
        with pytest.raises(BadRequest):
            services.image_locale_set(image=image, locale="not a tag", credit="x")
        with pytest.raises(BadRequest):
            services.image_locale_set(image=image, locale="en", credit="x" * 300)
        assert not image.locales.exists()
