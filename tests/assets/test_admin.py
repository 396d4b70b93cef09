"""The editors' admin for images: pages render, uploads and actions go through the services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assets.models import AssetImage, StoredFile
from assets.renditions.selectors import rendition_url
from assets.renditions.specs import parse_spec
from assets.services import image_create, image_soft_delete, stored_file_upload
from tests.utils import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def image():
    stored, _ = stored_file_upload(file=SimpleUploadedFile("a.png", image_bytes()))
    return image_create(file_key=stored.key, name="Harbour at dawn", gravity="north")


def test_changelist_shows_the_thumb_rendition_cropped_at_the_gravity(admin_client, image):
    response = admin_client.get(reverse("admin:assets_assetimage_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Harbour at dawn" in html
    thumb = rendition_url(image=image, spec=parse_spec("thumb.webp"))["url"]
    assert f'<img src="{thumb}"' in html  # the rendition, not the original
    assert thumb.endswith("_north.webp")


def test_changelist_search_by_hash_and_deleted_filter(admin_client, image):
    url = reverse("admin:assets_assetimage_changelist")
    assert "Harbour at dawn" in admin_client.get(url, {"q": image.file.sha256}).content.decode()
    image_soft_delete(image=image)
    assert "Harbour at dawn" not in admin_client.get(url).content.decode()
    assert "Harbour at dawn" in admin_client.get(url, {"status": "deleted"}).content.decode()


def test_add_page_uploads_through_the_service_and_sanitizes_captions(admin_client):
    url = reverse("admin:assets_assetimage_add")
    assert admin_client.get(url).status_code == 200
    data = {
        "name": "Uploaded in the admin",
        "gravity": "east",
        "upload": SimpleUploadedFile("up.jpg", image_bytes("JPEG", (20, 10))),
        "locales-TOTAL_FORMS": "1",
        "locales-INITIAL_FORMS": "0",
        "locales-MIN_NUM_FORMS": "0",
        "locales-MAX_NUM_FORMS": "1000",
        "locales-0-locale": "pt-br",
        "locales-0-credit": "Agency",
        "locales-0-caption_html": '<p onclick="x()">Olá<script>alert(1)</script></p>',
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    image = AssetImage.objects.get(name="Uploaded in the admin")
    assert image.file.content_type == "image/jpeg" and image.file.width == 20
    locale = image.locales.get()
    assert locale.locale == "pt-BR"
    assert locale.caption_html == "<p>Olá</p>"
    assert locale.caption_text == "Olá"


def test_add_page_refuses_a_file_that_is_not_an_image(admin_client):
    data = {
        "name": "Not an image",
        "gravity": "center",
        "upload": SimpleUploadedFile("x.png", b"plain text, not an image"),
        "locales-TOTAL_FORMS": "0",
        "locales-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:assets_assetimage_add"), data)
    assert response.status_code == 200
    assert "Upload a JPEG, PNG, GIF or WebP image." in response.content.decode()
    assert not AssetImage.all_objects.exists() and not StoredFile.objects.exists()


def test_add_page_refuses_a_second_live_image_of_the_same_file(admin_client, image):
    data = {
        "name": "Duplicate",
        "gravity": "center",
        "upload": SimpleUploadedFile("again.png", image_bytes()),
        "locales-TOTAL_FORMS": "0",
        "locales-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:assets_assetimage_add"), data)
    assert response.status_code == 200
    assert "A live image already uses this file" in response.content.decode()
    assert AssetImage.all_objects.count() == 1


def test_change_page_shows_a_crop_preview_of_each_preset_through_its_rendition(admin_client, image, settings):
    settings.RENDITION_PRESETS = {"thumb": "fill-160x160", "card": "fill-800x450", "hero": "width-1600"}
    response = admin_client.get(reverse("admin:assets_assetimage_change", args=[image.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for name, spec in settings.RENDITION_PRESETS.items():
        url = rendition_url(image=image, spec=parse_spec(f"{name}.webp"))["url"]
        assert f'data-preset="{name}"' in html and url in html and spec in html


def test_soft_delete_and_restore_actions(admin_client, image):
    url = reverse("admin:assets_assetimage_changelist")
    admin_client.post(url, {"action": "soft_delete_selected", "_selected_action": [str(image.pk)]})
    image.refresh_from_db()
    assert image.deleted_at is not None
    admin_client.post(url + "?status=all", {"action": "restore_selected", "_selected_action": [str(image.pk)]})
    image.refresh_from_db()
    assert image.deleted_at is None


def test_restore_action_reports_a_conflict(admin_client, image):
    image_soft_delete(image=image)
    other = image_create(file_key=image.file.key, name="Took the file")
    response = admin_client.post(
        reverse("admin:assets_assetimage_changelist") + "?status=all",
        {"action": "restore_selected", "_selected_action": [str(image.pk)]},
        follow=True,
    )
    assert "was not restored" in response.content.decode()
    image.refresh_from_db()
    assert image.deleted_at is not None and other.deleted_at is None


def test_images_cannot_be_erased_from_the_admin(admin_client, image):
    response = admin_client.get(reverse("admin:assets_assetimage_delete", args=[image.pk]))
    assert response.status_code == 403


def test_stored_files_admin_lists_files(admin_client, image):
    response = admin_client.get(reverse("admin:assets_storedfile_changelist"))
    assert response.status_code == 200
    assert image.file.key in response.content.decode()


def test_upload_many_creates_each_image_and_reports_duplicates_and_failures(admin_client, image):
    url = reverse("admin:assets_assetimage_upload_many")
    assert admin_client.get(url).status_code == 200
    assert url in admin_client.get(reverse("admin:assets_assetimage_changelist")).content.decode()
    files = [
        SimpleUploadedFile("first.png", image_bytes("PNG", (5, 5), (1, 1, 1))),
        SimpleUploadedFile("second.gif", image_bytes("GIF", (4, 4))),
        SimpleUploadedFile("again.png", image_bytes()),  # same bytes as the fixture's image
        SimpleUploadedFile("bad.jpg", b"not an image"),
    ]
    response = admin_client.post(url, {"files": files, "locale": "fr", "credit": "Rédaction"}, follow=True)
    text = " | ".join(str(m) for m in response.context["messages"])
    assert "Uploaded: 2 created, 1 already present, 1 failed." in text
    assert "again.png: already in the library as “Harbour at dawn”" in text
    assert "bad.jpg: not uploaded" in text
    created = AssetImage.objects.get(name="first")
    assert [(loc.locale, loc.credit) for loc in created.locales.all()] == [("fr", "Rédaction")]
    assert AssetImage.objects.filter(name="second").exists()
    assert AssetImage.objects.count() == 3


def test_upload_many_refuses_a_bad_locale(admin_client):
    response = admin_client.post(
        reverse("admin:assets_assetimage_upload_many"),
        {"files": [SimpleUploadedFile("a.png", image_bytes())], "locale": "not a tag"},
    )
    assert response.status_code == 200
    assert "well-formed BCP 47" in response.content.decode()
    assert not AssetImage.objects.exists()
