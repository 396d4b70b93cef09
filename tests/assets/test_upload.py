"""POST /assets/images/upload (contract §4 "Upload")."""

import hashlib
import io
import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from assets import services
from assets.models import StoredFile
from assets.storage import HashedUpload
from tests.utils import API, assert_error, image_bytes

UPLOAD = f"{API}/assets/images/upload"
FORMATS = [
    ("JPEG", "image/jpeg", "jpg"),
    ("PNG", "image/png", "png"),
    ("GIF", "image/gif", "gif"),
    ("WEBP", "image/webp", "webp"),
]


def upload(client, data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data, content_type=content_type)}, format="multipart")


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.django_db
class TestAccepted:
    @pytest.mark.parametrize(("fmt", "content_type", "extension"), FORMATS)
    def test_supported_formats(self, api, settings, fmt, content_type, extension):
        data = image_bytes(fmt, size=(30, 20))
        response = upload(api, data, name=f"x.{extension}", content_type=content_type)
        assert response.status_code == 201
        sha = hashlib.sha256(data).hexdigest()
        assert response.json() == {
            "data": {
                "file_key": f"images/{sha[:2]}/{sha}.{extension}",
                "file_hash": sha,
                "content_type": content_type,
                "byte_size": len(data),
                "width": 30,
                "height": 20,
            }
        }
        (path,) = stored_files(settings)
        assert path.read_bytes() == data
        assert StoredFile.objects.get().key == response.json()["data"]["file_key"]

    def test_same_bytes_again_is_200_with_the_same_key_and_no_copy(self, api, settings):
        data = image_bytes()
        first = upload(api, data)
        second = upload(api, data, name="another-name.png")
        assert first.status_code == 201
        assert second.status_code == 200
        assert second.json() == first.json()
        assert len(stored_files(settings)) == 1
        assert StoredFile.objects.count() == 1

    def test_known_record_with_a_lost_file_is_stored_again(self, api, settings):
        data = image_bytes()
        upload(api, data)
        (path,) = stored_files(settings)
        path.unlink()
        response = upload(api, data)
        assert response.status_code == 200
        assert path.read_bytes() == data

    def test_different_bytes_get_different_keys(self, api, settings):
        a = upload(api, image_bytes(color=(1, 2, 3))).json()["data"]["file_key"]
        b = upload(api, image_bytes(color=(3, 2, 1))).json()["data"]["file_key"]
        assert a != b
        assert len(stored_files(settings)) == 2


@pytest.mark.django_db
class TestJudgedByContent:
    def test_png_named_txt_declared_text_is_accepted(self, api):
        response = upload(api, image_bytes("PNG"), name="x.txt", content_type="text/plain")
        assert response.status_code == 201
        assert response.json()["data"]["content_type"] == "image/png"
        assert response.json()["data"]["file_key"].endswith(".png")

    def test_jpeg_declared_as_png_is_stored_as_jpeg(self, api):
        response = upload(api, image_bytes("JPEG"), name="x.png", content_type="image/png")
        assert response.json()["data"]["content_type"] == "image/jpeg"

    @pytest.mark.parametrize(
        ("data", "name", "content_type"),
        [
            (b"just some text\n", "x.png", "image/png"),
            (b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n", "x.pdf", "application/pdf"),
            (b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', "x.svg", "image/svg+xml"),
            (b"", "empty.png", "image/png"),
            (b"BM" + b"\0" * 60, "x.bmp", "image/bmp"),
        ],
        ids=["text", "pdf", "svg", "empty", "bmp-header"],
    )
    def test_not_a_supported_image_is_415(self, api, settings, data, name, content_type):
        response = upload(api, data, name=name, content_type=content_type)
        assert response.status_code == 415
        assert response.json()["error"] == "Unsupported media type"
        assert stored_files(settings) == []
        assert not StoredFile.objects.exists()

    @pytest.mark.parametrize("fmt", ["BMP", "TIFF"])
    def test_real_images_of_other_formats_are_415(self, api, fmt):
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4)).save(buffer, format=fmt)
        assert upload(api, buffer.getvalue()).status_code == 415


@pytest.mark.django_db
class TestRefused:
    def test_no_file_field_is_400(self, api):
        response = api.post(UPLOAD, {"other": "x"}, format="multipart")
        assert response.status_code == 400
        assert response.json()["error"] == "Bad Request"
        assert "file" in response.json()["details"]

    def test_file_under_another_field_name_is_400(self, api):
        response = api.post(
            UPLOAD, {"image": SimpleUploadedFile("x.png", image_bytes(), "image/png")}, format="multipart"
        )
        assert response.status_code == 400

    def test_json_body_is_415(self, api):
        assert api.post(UPLOAD, {"file": "x"}, format="json").status_code == 415

    def test_over_the_size_limit_is_413_and_nothing_is_stored(self, api, settings):
        settings.BACKOFFICE_UPLOAD_MAX_BYTES = 1000
        response = upload(api, _noisy_png(5000))
        assert response.status_code == 413
        assert response.json()["error"] == "Payload too large"
        assert stored_files(settings) == []
        assert not StoredFile.objects.exists()

    def test_far_over_the_size_limit_is_refused_before_reading(self, api, settings):
        settings.BACKOFFICE_UPLOAD_MAX_BYTES = 1000
        response = upload(api, _noisy_png(200_000))
        assert response.status_code == 413

    def test_at_the_size_limit_is_accepted(self, api, settings):
        data = _noisy_png(3000)
        settings.BACKOFFICE_UPLOAD_MAX_BYTES = len(data)
        assert upload(api, data).status_code == 201

    def test_over_the_pixel_limit_is_400(self, api, settings):
        settings.BACKOFFICE_UPLOAD_MAX_PIXELS = 100
        response = upload(api, image_bytes("PNG", size=(11, 10)))
        assert response.status_code == 400
        assert response.json()["error"] == "Bad Request"
        assert "file" in response.json()["details"]
        assert stored_files(settings) == []

    def test_at_the_pixel_limit_is_accepted(self, api, settings):
        settings.BACKOFFICE_UPLOAD_MAX_PIXELS = 100
        assert upload(api, image_bytes("PNG", size=(10, 10))).status_code == 201

    @pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
    @pytest.mark.parametrize("keep", [0.5, 0.95], ids=["half", "most"])
    def test_truncated_image_is_400_and_nothing_is_stored(self, api, settings, fmt, keep):
        data = image_bytes(fmt, size=(120, 80))
        response = upload(api, data[: int(len(data) * keep)])
        assert response.status_code == 400
        assert response.json()["details"] == {"file": ["The image is truncated or corrupt."]}
        assert stored_files(settings) == []
        assert not StoredFile.objects.exists()

    @pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
    def test_image_cut_right_after_its_header_is_400(self, api, fmt):
        data = image_bytes(fmt, size=(120, 80))
        assert upload(api, data[:40]).status_code == 400

    def test_corrupt_png_checksum_is_400(self, api):
        data = bytearray(image_bytes("PNG", size=(50, 50)))
        index = data.index(b"IDAT") + 10
        data[index] ^= 0xFF
        assert upload(api, bytes(data)).status_code == 400


@pytest.mark.django_db
class TestAccess:
    def test_read_role_is_403(self, client_for, make_key):
        response = upload(client_for(make_key("assets:read")), image_bytes())
        assert_error(response, 403, "Unauthorized roles")

    def test_no_key_is_401(self, client_for, settings):
        response = upload(client_for(), image_bytes())
        assert_error(response, 401, "Unauthorized API KEY")
        assert stored_files(settings) == []

    def test_write_role_is_enough(self, client_for, make_key):
        assert upload(client_for(make_key("assets:write")), image_bytes()).status_code == 201


@pytest.mark.django_db
class TestStorage:
    @pytest.mark.parametrize("name", ["../../etc/passwd.png", "/etc/passwd.png", "..\\..\\x.png", "a/../../b.png"])
    def test_file_name_does_not_affect_the_storage_key(self, api, settings, tmp_path, name):
        data = image_bytes()
        sha = hashlib.sha256(data).hexdigest()
        response = upload(api, data, name=name)
        assert response.status_code == 201
        assert response.json()["data"]["file_key"] == f"images/{sha[:2]}/{sha}.png"
        media = Path(settings.MEDIA_ROOT).resolve()
        assert [p.resolve() for p in stored_files(settings)] == [media / "images" / sha[:2] / f"{sha}.png"]
        assert not (tmp_path / "etc").exists()

    def test_the_view_receives_a_spooled_hashed_upload(self, api, monkeypatch):
        seen = {}
        real = services.stored_file_upload

        def spy(*, file):
            seen["file"] = file
            seen["path_exists"] = Path(file.temporary_file_path()).exists()
            return real(file=file)

        monkeypatch.setattr(services, "stored_file_upload", spy)
        data = image_bytes()
        assert upload(api, data).status_code == 201
        upload_file = seen["file"]
        assert isinstance(upload_file, HashedUpload)
        assert seen["path_exists"]
        assert upload_file.sha256 == hashlib.sha256(data).hexdigest()
        assert upload_file.size == len(data)

    def test_stored_file_is_readable_by_others(self, api, settings):
        upload(api, image_bytes())
        (path,) = stored_files(settings)
        assert path.stat().st_mode & 0o044 == 0o044


def _noisy_png(size: int) -> bytes:
    """A PNG of at least `size` bytes (random pixels do not compress)."""
    side = 8
    while True:
        buffer = io.BytesIO()
        Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, format="PNG")
        if buffer.tell() >= size:
            return buffer.getvalue()
        side *= 2
