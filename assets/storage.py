"""Streaming upload, hashing and content sniffing for stored files.

An upload is written to a temporary file chunk by chunk while its SHA-256 is
computed, and stops at the size limit: the whole file is never in memory.
The content is then judged by its structure, never by its name or declared type.
"""

import contextlib
import hashlib
import os
import queue
import struct
import threading
import warnings
import weakref
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from PIL import Image

from assets.image_structure import Corrupt, Limits, OverLimit, check_gif, check_png, check_webp
from core.exceptions import BadRequest, PayloadTooLarge, UnsupportedMediaType

# Pillow format → (content type, file extension).
SUPPORTED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
CHUNK_SIZE = 256 * 1024


def too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge({"file": [f"The file is larger than the limit of {max_bytes} bytes."]})


class ThreadedSHA256:
    """SHA-256 of a sequence of chunks, computed in a helper thread.

    hashlib lets go of the GIL while it hashes a large buffer, so the request
    thread receives, parses and spools the next chunks meanwhile: hashing was
    a third of a 25 MB upload's time (docs/performance.md). At most
    `MAX_PENDING` chunks wait for the helper. The helper ends when the digest
    is asked for, and also when this object is dropped (an upload refused or
    cut short), however the request ends.
    """

    MAX_PENDING = 8

    def __init__(self):
        self._hash = hashlib.sha256()
        self._chunks: queue.Queue = queue.Queue(maxsize=self.MAX_PENDING)
        self._thread = threading.Thread(
            target=_hash_chunks, args=(self._hash, self._chunks), name="upload-sha256", daemon=True
        )
        self._thread.start()
        self._finish = weakref.finalize(self, self._chunks.put, None)

    def update(self, chunk: bytes) -> None:
        self._chunks.put(chunk)

    def hexdigest(self) -> str:
        self._finish()
        self._thread.join()
        return self._hash.hexdigest()

    def close(self) -> None:
        """Let the helper end without waiting for it (the upload is refused)."""
        self._finish()


def _hash_chunks(hasher, chunks: queue.Queue) -> None:
    while (chunk := chunks.get()) is not None:
        hasher.update(chunk)


class HashedUpload(TemporaryUploadedFile):
    """A spooled upload that knows its SHA-256."""

    sha256: str = ""


class HashingUploadHandler(FileUploadHandler):
    """Spools each uploaded file to disk while hashing it; 413 past the limit."""

    chunk_size = CHUNK_SIZE

    def __init__(self, request=None, max_bytes: int | None = None):
        super().__init__(request)
        self.max_bytes = max_bytes if max_bytes is not None else settings.BACKOFFICE_UPLOAD_MAX_BYTES

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # Multipart framing adds a little; anything far beyond the limit is refused unread.
        if content_length and content_length > self.max_bytes + 64 * 1024:
            raise too_large(self.max_bytes)

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file = HashedUpload(self.file_name, self.content_type, 0, self.charset, self.content_type_extra)
        self.hasher = ThreadedSHA256()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.file.close()
            self.hasher.close()
            raise too_large(self.max_bytes)
        self.hasher.update(raw_data)
        self.file.write(raw_data)

    def upload_interrupted(self):
        # The client went away mid-upload: remove the partial file now, as Django's
        # TemporaryFileUploadHandler does, instead of leaving it to garbage collection.
        upload = getattr(self, "file", None)
        if upload is not None:
            self.hasher.close()
            path = upload.temporary_file_path()
            upload.close()
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)

    def file_complete(self, file_size):
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self.hasher.hexdigest()
        return self.file


def hash_file(file) -> tuple[str, int]:
    """SHA-256 and size of a file read in chunks (files not received over HTTP)."""
    hasher, size = hashlib.sha256(), 0
    file.seek(0)
    for chunk in iter(lambda: file.read(CHUNK_SIZE), b""):
        hasher.update(chunk)
        size += len(chunk)
    file.seek(0)
    return hasher.hexdigest(), size


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    extension: str
    width: int
    height: int
    orientation: int = 1  # EXIF orientation, 1..8


def exif_orientation(image) -> int:
    """The EXIF orientation tag of an opened Pillow image (1 when absent or out of range)."""
    try:
        value = int(image.getexif().get(0x0112, 1))
    except (TypeError, ValueError, OSError, SyntaxError):  # a damaged EXIF block is no orientation
        return 1
    return value if 1 <= value <= 8 else 1


def upload_limits(max_pixels: int | None = None) -> Limits:
    return Limits(
        max_pixels=max_pixels or settings.BACKOFFICE_UPLOAD_MAX_PIXELS,
        max_side=settings.BACKOFFICE_UPLOAD_MAX_SIDE,
        max_frames=settings.BACKOFFICE_UPLOAD_MAX_FRAMES,
    )


_STRUCTURE_CHECKS = {"PNG": check_png, "GIF": check_gif, "WEBP": check_webp}


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def inspect_image(file, max_pixels: int | None = None) -> ImageInfo:
    """Judge the bytes: a real JPEG, PNG, GIF or WebP within the limits, or an error.

    Not an image of those kinds → 415; over a limit (pixels, side, decoded size,
    frames: decompression bombs), truncated or corrupt → 400.

    Every format is judged by its structure, in memory and time bounded by the
    file's size and the limits, never by decoding its pixels: PNG, GIF and WebP
    in assets/image_structure.py (a PNG's image data is inflated through a
    small window and checked against its header), JPEG here: Pillow reads every
    marker segment up to the first scan (frame, tables, dimensions), and the
    end-of-image marker must follow the scan data. Decoding a JPEG proves
    little more: libjpeg fills damaged scan data with grey and carries on
    (flipping 5 bytes at random in a JPEG's scan data made the decode fail 3
    times in 200), while a truncated JPEG lacks its final marker. And the
    decode cost 9 times the hashing and writing of the file (docs/performance.md).
    """
    limits = upload_limits(max_pixels)
    file.seek(0)
    fmt = _sniff(file.read(12))
    try:
        if fmt is None:
            raise UnsupportedMediaType({"file": ["Upload a JPEG, PNG, GIF or WebP image."]})
        if fmt == "JPEG":
            width, height, orientation = _check_jpeg(file, limits)
        else:
            width, height = _STRUCTURE_CHECKS[fmt](file, limits)
            orientation = _orientation(file, fmt)
    except OverLimit as exc:
        raise BadRequest({"file": [str(exc)]}) from None
    except Corrupt:
        raise BadRequest({"file": ["The image is truncated or corrupt."]}) from None
    finally:
        file.seek(0)
    content_type, extension = SUPPORTED_FORMATS[fmt]
    return ImageInfo(content_type, extension, width, height, orientation)


def _orientation(file, fmt: str) -> int:
    """The EXIF orientation of a PNG or WebP whose structure was found sound (Pillow reads
    the headers and metadata, no pixels). GIF has no EXIF."""
    if fmt == "GIF":
        return 1
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file, formats=[fmt]) as image:
                return exif_orientation(image)
    except (Image.UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, struct.error):
        return 1


def _check_jpeg(file, limits: Limits) -> tuple[int, int, int]:
    file.seek(0)
    try:
        with warnings.catch_warnings():
            # The pixel limit is checked below against our own setting.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file, formats=["JPEG"]) as image:
                width, height = image.size
                orientation = exif_orientation(image)
                # Pillow reads a JPEG's segments up to its first scan and stops there: this is
                # where the scan data starts (an EXIF thumbnail, with its own end marker, lies before).
                scan_start = file.tell()
    except Image.DecompressionBombError:
        raise OverLimit(f"The image has more than {limits.max_pixels} pixels.") from None
    except (Image.UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, struct.error):
        raise Corrupt("JPEG header") from None
    limits.check_size(width, height)
    if not _jpeg_ends_with_eoi(file, scan_start):
        raise Corrupt("no end-of-image marker after the scan")
    return width, height, orientation


JPEG_EOI = b"\xff\xd9"
_TAIL_BLOCK = 1024 * 1024


def _jpeg_ends_with_eoi(file, scan_start: int) -> bool:
    """Whether an end-of-image marker follows the start of the scan data.

    Inside scan data a 0xFF byte is always followed by 0x00 or a restart
    marker, so the last FF D9 after the scan's start is the image's end (or
    lies in bytes appended after it: a polyglot, accepted as an image).
    Searched from the end, a block at a time: one block for a complete file.
    """
    end = file.seek(0, os.SEEK_END)
    position = end
    while position > scan_start:
        start = max(scan_start, position - _TAIL_BLOCK)
        file.seek(start)
        # One byte more than the block, so that a marker across two blocks is seen.
        block = file.read(position - start + 1)
        if JPEG_EOI in block:
            return True
        position = start
    return False


def storage_key(sha256: str, extension: str) -> str:
    return f"images/{sha256[:2]}/{sha256}.{extension}"
