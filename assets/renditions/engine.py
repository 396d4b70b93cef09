"""Rendering with libvips (pyvips): shrink-on-load, crop at gravity, upright, sRGB, no metadata.

`Image.thumbnail` decodes a JPEG or WebP at a fraction of its size when the
output is small (shrink-on-load), so a 24-megapixel photo is never decoded
whole for an 800-pixel card; it applies the EXIF orientation, takes the first
frame of an animated image, and imports the embedded ICC profile (or a CMYK
fallback). What leaves here is 8-bit sRGB without any metadata, at exactly the
size the API announced.

Each worker process renders at most RENDITION_MAX_CONCURRENT images at once
(the others wait up to RENDITION_QUEUE_SECONDS, then get a 503), and a render
that runs past RENDITION_TIMEOUT_SECONDS is stopped by libvips itself.
"""

import threading
import time

import pyvips
from django.conf import settings

from assets.renditions.specs import Operation

# Every rendition is rendered once: libvips' cache of operations would only hold memory.
pyvips.cache_set_max(0)

# WebP's smart_subsample (libwebp's sharp RGB→YUV conversion, RENDITION_WEBP_SMART_SUBSAMPLE)
# is off by default, as in libwebp, Pillow, sharp and imgproxy: it was a third of a
# 24 MP photo's first hit to fill-800x450.webp (about 31 of 140 ms of CPU). Without it
# that output matched the Pillow way's in bytes, PSNR, SSIM and colour error; with it,
# colour edges bleed less (+1.6 dB PSNR, ΔE2000 5.8 -> 4.8; docs/performance.md).
_FORMAT_OPTIONS = {
    "webp": {"suffix": ".webp", "quality": 80, "options": {"effort": 2}},
    "avif": {"suffix": ".avif", "quality": 55, "options": {"effort": 1, "compression": "av1"}},
    "jpeg": {"suffix": ".jpg", "quality": 82, "options": {"optimize_coding": True, "interlace": True}},
    "png": {"suffix": ".png", "quality": None, "options": {"compression": 6}},
}
# (horizontal, vertical) anchor of each gravity: where the crop keeps the image.
_ANCHOR = {
    "center": ("centre", "centre"),
    "north": ("centre", "low"),
    "northeast": ("high", "low"),
    "east": ("high", "centre"),
    "southeast": ("high", "high"),
    "south": ("centre", "high"),
    "southwest": ("low", "high"),
    "west": ("low", "centre"),
    "northwest": ("low", "low"),
}


class RenderError(Exception):
    """The source cannot be rendered (damaged, unsupported); the message says why."""


class RenderTimeout(RenderError):
    pass


class RenderBusy(Exception):
    """Every render slot of this worker stayed busy for the whole wait."""


_slots_lock = threading.Lock()
_slots: tuple[int, threading.BoundedSemaphore] | None = None


def _render_slots() -> threading.BoundedSemaphore:
    global _slots
    size = max(1, int(settings.RENDITION_MAX_CONCURRENT))
    with _slots_lock:
        if _slots is None or _slots[0] != size:
            _slots = (size, threading.BoundedSemaphore(size))
        return _slots[1]


def render(
    *,
    source: str | bytes,
    operation: Operation,
    gravity: str,
    fmt: str,
    source_size: tuple[int, int],
    output_size: tuple[int, int],
) -> bytes:
    """The encoded rendition of `source` (a local path or the file's bytes).

    `source_size` is the upright size of the source as recorded at upload and
    `output_size` the size the API announced (Operation.output_size); the
    output has exactly that size.
    """
    slots = _render_slots()
    if not slots.acquire(timeout=settings.RENDITION_QUEUE_SECONDS):
        raise RenderBusy()
    try:
        return _render(source, operation, gravity, fmt, source_size, output_size)
    finally:
        slots.release()


def _thumbnail(source: str | bytes, width: int, **options) -> pyvips.Image:
    # fail_on="error": a truncated file is refused rather than rendered half grey.
    if isinstance(source, bytes | bytearray | memoryview):
        return pyvips.Image.thumbnail_buffer(source, width, fail_on="error", **options)
    return pyvips.Image.thumbnail(source, width, fail_on="error", **options)


def _is_jpeg(source: str | bytes) -> bool:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source[:3]) == b"\xff\xd8\xff"
    with open(source, "rb") as handle:
        return handle.read(3) == b"\xff\xd8\xff"


def _jpeg_shrunk(source: str | bytes, source_size, output_size) -> pyvips.Image | None:
    """A JPEG decoded at 1/2, 1/4 or 1/8 of its size by libjpeg's scaled IDCT, upright; None when no shrink fits.

    `thumbnail` shrinks on load too, but keeps at least twice the output size
    (for a 6000×4000 photo to 800×450: decoded at 3000×2000). Decoding at the
    largest factor that still covers the output (1500×1000 here), as sharp does
    by default (its fastShrinkOnLoad), took that first hit from 176 to 158 ms
    of CPU and from 870 to 455 ms of wall time on the loaded two-core machine
    (docs/performance.md); the resize that follows is the same Lanczos reduction.

    An upright JPEG (no EXIF rotation) is read sequentially: libjpeg decodes
    rows only as the resize asks for them, and the rows below a crop are never
    decoded at all (about 8 % of a 3:2 photo cropped to 16:9 at the centre).
    A rotated one needs its rows out of order, so it is decoded whole first.
    """
    src_w, src_h = source_size
    out_w, out_h = output_size
    ratio = min(src_w / out_w, src_h / out_h)  # the shrink the output allows on both axes
    factor = next((f for f in (8, 4, 2) if f <= ratio), 1)
    if factor == 1 or not _is_jpeg(source):
        return None
    image = _jpeg_load(source, shrink=factor, access="sequential")
    if image.get_typeof("orientation") and image.get("orientation") not in (0, 1):
        image = _jpeg_load(source, shrink=factor).autorot()
    return image


def _jpeg_load(source: str | bytes, **options) -> pyvips.Image:
    if isinstance(source, bytes | bytearray | memoryview):
        return pyvips.Image.new_from_buffer(source, "", fail_on="error", **options)
    return pyvips.Image.new_from_file(source, fail_on="error", **options)


def _crop_then_resize(image: pyvips.Image, output_size, anchors: tuple[str, str]) -> pyvips.Image:
    """The box of the output's shape cut at the gravity's anchors, then reduced to exactly the output size.

    Cutting first (as the Pillow way does) asks the decoder only for the rows
    and columns that are kept; `thumbnail_image(crop=…)` reduces the whole
    image and cuts after, which decodes rows that are then thrown away.
    """
    out_w, out_h = output_size
    width, height = image.width, image.height
    if width * out_h > height * out_w:  # too wide: keep the height, cut the width
        box_w, box_h = max(1, min(width, round(height * out_w / out_h))), height
    else:
        box_w, box_h = width, max(1, min(height, round(width * out_h / out_w)))

    def offset(anchor: str, free: int) -> int:
        if anchor == "low":
            return 0
        return free if anchor == "high" else free // 2

    horizontal, vertical = anchors
    left, top = offset(horizontal, width - box_w), offset(vertical, height - box_h)
    image = image.crop(left, top, box_w, box_h)
    return image.resize(out_w / box_w, vscale=out_h / box_h, kernel="lanczos3")


def _render(source, operation: Operation, gravity: str, fmt: str, source_size, output_size) -> bytes:
    out_w, out_h = output_size
    try:
        shrunk = _jpeg_shrunk(source, source_size, output_size)
        if operation.crops:
            src_w, src_h = source_size
            # Only one axis overflows the box: the gravity's anchor on that axis decides the crop.
            horizontal, vertical = _ANCHOR.get(gravity, _ANCHOR["center"])
            crop = horizontal if src_w * out_h > src_h * out_w else vertical
            if shrunk is not None:
                image = _crop_then_resize(shrunk, output_size, (horizontal, vertical))
            else:
                image = _thumbnail(source, out_w, height=out_h, crop=crop)
        elif shrunk is not None:
            image = shrunk.thumbnail_image(out_w, height=out_h, size="force")
        else:
            image = _thumbnail(source, out_w, height=out_h, size="force")
        if (image.width, image.height) != (out_w, out_h):
            # A source whose recorded size is off by rounding: keep the announced size.
            image = image.thumbnail_image(out_w, height=out_h, size="force")
        image = _to_srgb(image, fmt)
        return _encode(image, operation, fmt)
    except pyvips.Error as exc:
        message = str(exc).strip().splitlines()
        if "killed" in str(exc).lower() or "cancel" in str(exc).lower():
            raise RenderTimeout("The render took longer than the limit.") from None
        raise RenderError(message[0] if message else "libvips could not read the image") from None


def _to_srgb(image: pyvips.Image, fmt: str) -> pyvips.Image:
    if image.get_typeof("icc-profile-data") or image.interpretation == "cmyk":
        # The embedded profile when there is one, else libvips' built-in CMYK or sRGB profile.
        fallback = "cmyk" if image.interpretation == "cmyk" else "srgb"
        image = image.icc_transform("srgb", embedded=True, input_profile=fallback, intent="perceptual")
    if image.interpretation not in ("srgb",):
        image = image.colourspace("srgb")
    if image.format != "uchar":
        image = image.cast("uchar")
    if fmt == "jpeg" and image.hasalpha():
        image = image.flatten(background=[255, 255, 255])
    return image


def _encode(image: pyvips.Image, operation: Operation, fmt: str) -> bytes:
    options = _FORMAT_OPTIONS[fmt]
    kwargs = dict(options["options"])
    if options["quality"] is not None:
        kwargs["Q"] = operation.quality or options["quality"]
    if fmt == "webp":
        kwargs["smart_subsample"] = settings.RENDITION_WEBP_SMART_SUBSAMPLE
    deadline = time.monotonic() + settings.RENDITION_TIMEOUT_SECONDS

    def stop_when_late(img, progress):
        if time.monotonic() > deadline:
            img.set_kill(True)

    image.set_progress(True)
    image.signal_connect("eval", stop_when_late)
    # keep=none: no EXIF (GPS, camera), no XMP, no ICC profile: the pixels are sRGB already.
    return image.write_to_buffer(options["suffix"], keep="none", **kwargs)
