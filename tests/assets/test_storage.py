"""Streaming upload handler, hashing and content sniffing (assets/storage.py)."""

import gc
import hashlib
import io
import os

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from assets.storage import (
    HashedUpload,
    HashingUploadHandler,
    ThreadedSHA256,
    hash_file,
    inspect_image,
    storage_key,
)
from core.exceptions import BadRequest, PayloadTooLarge, UnsupportedMediaType
from tests.security import upload_corpus
from tests.utils import image_bytes


def feed(handler: HashingUploadHandler, data: bytes, chunk: int = 7) -> HashedUpload:
    handler.new_file("file", "x.png", "image/png", len(data))
    for start in range(0, len(data), chunk):
        handler.receive_data_chunk(data[start : start + chunk], start)
    return handler.file_complete(len(data))


class TestThreadedSHA256:
    def test_the_digest_of_the_chunks_in_their_order(self):
        chunks = [os.urandom(n) for n in (1, 4096, 300_000, 7, 0, 65_536)] * 5  # more than MAX_PENDING
        hasher = ThreadedSHA256()
        for chunk in chunks:
            hasher.update(chunk)
        assert hasher.hexdigest() == hashlib.sha256(b"".join(chunks)).hexdigest()

    def test_the_helper_thread_ends_when_the_digest_is_read(self):
        hasher = ThreadedSHA256()
        hasher.update(b"abc")
        hasher.hexdigest()
        assert not hasher._thread.is_alive()

    def test_the_helper_thread_ends_when_an_upload_is_dropped_unfinished(self):
        hasher = ThreadedSHA256()
        hasher.update(os.urandom(100_000))
        thread = hasher._thread
        del hasher
        gc.collect()
        thread.join(timeout=5)
        assert not thread.is_alive()

    def test_a_refused_upload_ends_its_helper_thread_at_once(self):
        handler = HashingUploadHandler(max_bytes=10)
        with pytest.raises(PayloadTooLarge):
            feed(handler, b"x" * 20, chunk=8)
        # Still referenced (the handler is alive): ended by the refusal, not by garbage collection.
        handler.hasher._thread.join(timeout=5)
        assert not handler.hasher._thread.is_alive()

    def test_an_interrupted_upload_ends_its_helper_thread(self):
        handler = HashingUploadHandler(max_bytes=100)
        handler.new_file("file", "x.png", "image/png", 50)
        handler.receive_data_chunk(b"x" * 20, 0)
        handler.upload_interrupted()
        handler.hasher._thread.join(timeout=5)
        assert not handler.hasher._thread.is_alive()

    def test_close_after_the_digest_is_harmless(self):
        hasher = ThreadedSHA256()
        hasher.update(b"abc")
        assert hasher.hexdigest() == hashlib.sha256(b"abc").hexdigest()
        hasher.close()
        assert not hasher._thread.is_alive()


class TestHashingUploadHandler:
    def test_spools_to_a_temporary_file_while_hashing(self):
        data = os.urandom(10_000)
        upload = feed(HashingUploadHandler(max_bytes=20_000), data, chunk=1024)
        assert isinstance(upload, HashedUpload)
        assert os.path.exists(upload.temporary_file_path())
        assert upload.sha256 == hashlib.sha256(data).hexdigest()
        assert upload.size == len(data)
        assert upload.read() == data
        upload.close()

    def test_never_keeps_the_bytes_in_memory(self):
        upload = feed(HashingUploadHandler(max_bytes=20_000), b"x" * 5000)
        assert not isinstance(upload.file, io.BytesIO)
        assert upload.file.name == upload.temporary_file_path()
        upload.close()

    def test_stops_past_the_limit_and_removes_the_partial_file(self):
        handler = HashingUploadHandler(max_bytes=100)
        handler.new_file("file", "x.png", "image/png", None)
        handler.receive_data_chunk(b"a" * 60, 0)
        path = handler.file.temporary_file_path()
        with pytest.raises(PayloadTooLarge):
            handler.receive_data_chunk(b"a" * 60, 60)
        assert not os.path.exists(path)

    def test_an_interrupted_upload_leaves_no_temporary_file(self):
        handler = HashingUploadHandler(max_bytes=100)
        handler.new_file("file", "x.png", "image/png", None)
        handler.receive_data_chunk(b"a" * 60, 0)
        path = handler.file.temporary_file_path()
        handler.upload_interrupted()
        assert not os.path.exists(path)

    def test_interrupted_before_any_file_is_harmless(self):
        HashingUploadHandler(max_bytes=100).upload_interrupted()

    def test_exactly_at_the_limit_is_fine(self):
        upload = feed(HashingUploadHandler(max_bytes=100), b"a" * 100)
        assert upload.size == 100
        upload.close()

    def test_a_declared_length_far_over_the_limit_is_refused_unread(self):
        handler = HashingUploadHandler(max_bytes=100)
        with pytest.raises(PayloadTooLarge):
            handler.handle_raw_input(None, {}, 10_000_000, b"boundary")

    def test_limit_defaults_to_the_setting(self, settings):
        settings.BACKOFFICE_UPLOAD_MAX_BYTES = 1234
        assert HashingUploadHandler().max_bytes == 1234


class TestHashFile:
    def test_hash_and_size_in_chunks(self):
        data = os.urandom(600_000)
        assert hash_file(ContentFile(data)) == (hashlib.sha256(data).hexdigest(), len(data))

    def test_rewinds_the_file(self):
        file = ContentFile(b"abc")
        file.read()
        hash_file(file)
        assert file.read() == b"abc"


class TestInspectImage:
    @pytest.mark.parametrize(
        ("fmt", "content_type", "extension"),
        [
            ("JPEG", "image/jpeg", "jpg"),
            ("PNG", "image/png", "png"),
            ("GIF", "image/gif", "gif"),
            ("WEBP", "image/webp", "webp"),
        ],
    )
    def test_supported(self, fmt, content_type, extension):
        info = inspect_image(ContentFile(image_bytes(fmt, size=(9, 4))))
        assert (info.content_type, info.extension, info.width, info.height) == (content_type, extension, 9, 4)

    def test_rewinds_the_file(self):
        file = ContentFile(image_bytes())
        inspect_image(file)
        assert file.tell() == 0

    def test_not_an_image(self):
        with pytest.raises(UnsupportedMediaType):
            inspect_image(ContentFile(b"plain text"))

    def test_pixel_limit(self):
        with pytest.raises(BadRequest):
            inspect_image(ContentFile(image_bytes(size=(10, 11))), max_pixels=100)

    def test_truncated(self):
        data = image_bytes("PNG", size=(50, 50))
        with pytest.raises(BadRequest):
            inspect_image(ContentFile(data[: len(data) // 2]))


def noisy_jpeg(size=(64, 48), **save) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "JPEG", quality=90, **save)
    return buffer.getvalue()


def jpeg_with_thumbnail() -> bytes:
    """A JPEG whose EXIF segment holds a whole thumbnail JPEG (with its own end marker) before the scan."""
    thumbnail = noisy_jpeg((8, 8))
    exif = Image.Exif()
    exif[0x010E] = "photo"
    raw = exif.tobytes()
    return noisy_jpeg(exif=raw + thumbnail)


class TestJpegStructure:
    """A JPEG is judged by its segments and its end marker, not decoded (see inspect_image)."""

    @pytest.mark.parametrize(
        "data",
        [noisy_jpeg(), noisy_jpeg(progressive=True), jpeg_with_thumbnail(), noisy_jpeg() + b"PK\x03\x04 appended"],
        ids=["baseline", "progressive", "exif thumbnail", "bytes after the end"],
    )
    def test_whole_jpegs_are_accepted(self, data):
        assert inspect_image(ContentFile(data)).content_type == "image/jpeg"

    @pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 0.999])
    @pytest.mark.parametrize("make", [noisy_jpeg, jpeg_with_thumbnail], ids=["plain", "exif thumbnail"])
    def test_a_jpeg_cut_anywhere_in_its_scan_data_is_corrupt(self, make, keep):
        data = make()
        with pytest.raises(BadRequest):
            inspect_image(ContentFile(data[: int(len(data) * keep)]))

    def test_the_end_marker_is_found_across_blocks(self, monkeypatch):
        import assets.storage

        data = noisy_jpeg((200, 150))
        for block in (7, 64, 1000):
            monkeypatch.setattr(assets.storage, "_TAIL_BLOCK", block)
            for trailing in range(0, 9):  # the marker lands at every offset of a small block
                assert inspect_image(ContentFile(data + b"\x00" * trailing)).width == 200
            with pytest.raises(BadRequest):
                inspect_image(ContentFile(data[:-2]))

    def test_the_file_is_rewound(self):
        file = ContentFile(noisy_jpeg())
        inspect_image(file)
        assert file.tell() == 0


def test_storage_key_is_made_of_the_hash_only():
    sha = "ab" + "0" * 62
    assert storage_key(sha, "png") == f"images/ab/{sha}.png"


class TestBombs:
    """Over a limit or inflating past its header: refused from the structure, without decoding."""

    def test_each_side_is_capped(self, settings):
        settings.BACKOFFICE_UPLOAD_MAX_SIDE = 100
        assert inspect_image(ContentFile(image_bytes("PNG", size=(100, 3)))).width == 100
        for fmt in ("PNG", "GIF", "WEBP", "JPEG"):
            with pytest.raises(BadRequest) as info:
                inspect_image(ContentFile(image_bytes(fmt, size=(101, 3))))
            assert info.value.details == {"file": ["The image is wider or taller than 100 pixels."]}

    def test_the_reviews_thin_png_is_refused_by_its_side(self):
        with pytest.raises(BadRequest) as info:
            inspect_image(ContentFile(upload_corpus.png(1, 50_000_000)))
        assert "taller than 20000" in info.value.details["file"][0]

    def test_a_png_decoding_past_the_limit_is_refused_before_its_data_is_read(self):
        # 7071 x 7071 16-bit RGBA: within the pixel and side limits, 400 MB once decoded.
        header = upload_corpus.PNG_SIGNATURE + upload_corpus.ihdr(7071, 7071, depth=16, color=6)
        with pytest.raises(BadRequest) as info:
            inspect_image(ContentFile(header + b"\x00" * 100))
        assert "decode to more than" in info.value.details["file"][0]

    @pytest.mark.parametrize("kind", [b"zTXt", b"iTXt", b"iCCP"])
    def test_a_compressed_chunk_is_inflated_within_a_bound(self, kind):
        with pytest.raises(BadRequest) as info:
            inspect_image(ContentFile(upload_corpus.compressed_text_bomb(kind)))
        assert "expands to more than" in info.value.details["file"][0]

    def test_image_data_inflating_past_its_header_is_corrupt(self):
        with pytest.raises(BadRequest) as info:
            inspect_image(ContentFile(upload_corpus.png(64, 64, raw_size=64 * 65 * 1000)))
        assert info.value.details == {"file": ["The image is truncated or corrupt."]}

    @pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
    def test_frames_are_capped(self, settings, fmt):
        settings.BACKOFFICE_UPLOAD_MAX_FRAMES = 10
        assert inspect_image(ContentFile(upload_corpus.animation(fmt, 10))).width == 16
        with pytest.raises(BadRequest) as info:
            inspect_image(ContentFile(upload_corpus.animation(fmt, 11)))
        assert info.value.details == {"file": ["The animation has more than 10 frames."]}

    def test_interlaced_and_16_bit_pngs_are_accepted(self):
        info = inspect_image(ContentFile(upload_corpus._interlaced()))
        assert (info.width, info.height) == (300, 200)
        assert inspect_image(ContentFile(upload_corpus.pillow("PNG", (30, 20), "I;16"))).width == 30
