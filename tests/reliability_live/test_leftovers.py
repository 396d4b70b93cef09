"""A file cut short in storage by a crash is never adopted by a later upload of the same bytes."""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from assets.models import StoredFile
from assets.storage import storage_key
from tests.utils import API, image_bytes


def stored_digest(key: str) -> str:
    with default_storage.open(key, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_an_upload_replaces_a_truncated_leftover_at_its_key(api):
    # What a SIGKILL leaves when it lands while the file is copied into place
    # (temp dir on another filesystem than the storage): half a file, no record.
    content = image_bytes("PNG", (300, 200))
    digest = hashlib.sha256(content).hexdigest()
    key = storage_key(digest, "png")
    default_storage.save(key, ContentFile(content[: len(content) // 2]))

    response = api.post(
        f"{API}/assets/images/upload", {"file": SimpleUploadedFile("a.png", content)}, format="multipart"
    )

    assert response.status_code == 201
    assert response.json()["data"]["file_key"] == key
    assert stored_digest(key) == digest
    assert StoredFile.objects.get(key=key).sha256 == digest


def test_an_upload_keeps_a_complete_leftover_at_its_key(api):
    # A whole file without its record (the crash came after the write): same bytes, kept as they are.
    content = image_bytes("PNG", (30, 20))
    digest = hashlib.sha256(content).hexdigest()
    key = storage_key(digest, "png")
    default_storage.save(key, ContentFile(content))
    modified = default_storage.get_modified_time(key)

    response = api.post(
        f"{API}/assets/images/upload", {"file": SimpleUploadedFile("a.png", content)}, format="multipart"
    )

    assert response.status_code == 201
    assert stored_digest(key) == digest
    assert default_storage.get_modified_time(key) == modified
    assert default_storage.listdir(key.rsplit("/", 1)[0])[1] == [key.rsplit("/", 1)[1]]
