"""Image files made to hurt the content check: bombs, malformed and truncated files, built in code.

Each case names the status the upload must answer (a 4xx, nothing stored) or, for the few
real images among them, that it is accepted. Used by tests/security/test_upload_corpus.py,
tests/assets/test_storage.py and the timing script tools/security/upload_corpus.py.
"""

import functools
import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def ihdr(width: int, height: int, depth: int = 8, color: int = 0, interlace: int = 0) -> bytes:
    return png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace))


def _deflate_zeros(size: int, level: int = 9) -> bytes:
    """`size` zero bytes deflated without holding them: rows of filter 0 and black pixels."""
    compressor, block = zlib.compressobj(level), b"\x00" * (1 << 20)
    parts = []
    for _ in range(size // len(block)):
        parts.append(compressor.compress(block))
    parts.append(compressor.compress(b"\x00" * (size % len(block))))
    parts.append(compressor.flush())
    return b"".join(parts)


def png(width: int, height: int, depth: int = 8, color: int = 0, raw_size: int | None = None, **extra) -> bytes:
    """A PNG of black pixels whose IDAT inflates to `raw_size` bytes (the right size by default)."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    row = 1 + (width * channels * depth + 7) // 8
    raw_size = row * height if raw_size is None else raw_size
    chunks = [ihdr(width, height, depth, color)]
    if color == 3:
        chunks.append(png_chunk(b"PLTE", b"\x00\x00\x00"))
    chunks.extend(extra.get("before_idat", []))
    chunks.append(png_chunk(b"IDAT", _deflate_zeros(raw_size)))
    chunks.append(png_chunk(b"IEND", b""))
    return PNG_SIGNATURE + b"".join(chunks)


def pillow(fmt: str, size=(64, 48), mode="RGB", **save) -> bytes:
    buffer = io.BytesIO()
    Image.linear_gradient("L").convert(mode).resize(size).save(buffer, fmt, **save)
    return buffer.getvalue()


def animation(fmt: str, frames: int, size=(16, 16)) -> bytes:
    images = [Image.new("RGB", size, (i % 256, (i * 7) % 256, (i * 13) % 256)) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, fmt, save_all=True, append_images=images[1:], duration=20, loop=0)
    return buffer.getvalue()


def compressed_text_bomb(kind: bytes) -> bytes:
    """A small real PNG with a text or ICC chunk inflating to 200 MB."""
    bomb = _deflate_zeros(200 * 1024 * 1024)
    data = {b"zTXt": b"Comment\x00\x00", b"iTXt": b"Comment\x00\x01\x00\x00\x00", b"iCCP": b"icc\x00\x00"}[kind]
    return png(8, 8, before_idat=[png_chunk(kind, data + bomb)])


def with_bad_crc(data: bytes, kind: bytes) -> bytes:
    index = data.index(kind) + 4
    return data[:index] + bytes([data[index] ^ 0xFF]) + data[index + 1 :]


def webp_with_riff_size(data: bytes, size: int) -> bytes:
    return data[:4] + struct.pack("<I", size) + data[8:]


def gif_with_code_size(data: bytes, code_size: int) -> bytes:
    # The first image descriptor (0x2C) is followed by its 9 bytes, then the LZW minimum code size.
    index = data.index(b"\x2c", 13)
    out = bytearray(data)
    out[index + 10] = code_size
    return bytes(out)


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[], bytes]
    status: int  # what the upload must answer
    kind: str = "bomb"


def _cases() -> list[Case]:
    grey = functools.partial(png, color=0)
    return [
        # Decompression bombs
        Case("thin PNG 1 x 50,000,000 (the review's)", lambda: grey(1, 50_000_000), 400),
        Case("thin PNG 50,000,000 x 1", lambda: grey(50_000_000, 1), 400),
        Case("PNG 7071 x 7071 16-bit RGBA (the review's)", lambda: png(7071, 7071, depth=16, color=6), 400),
        Case("PNG 100,000 x 100,000 IHDR, tiny IDAT", lambda: grey(100_000, 100_000, raw_size=10), 400),
        Case("PNG IDAT inflating past its IHDR size", lambda: grey(64, 64, raw_size=64 * 65 * 1000), 400),
        Case("PNG zTXt bomb (200 MB)", lambda: compressed_text_bomb(b"zTXt"), 400),
        Case("PNG iTXt bomb (200 MB)", lambda: compressed_text_bomb(b"iTXt"), 400),
        Case("PNG iCCP bomb (200 MB)", lambda: compressed_text_bomb(b"iCCP"), 400),
        Case("PNG 16-bit grey 3000 x 3000", lambda: pillow("PNG", (3000, 3000), "I;16"), 201, "real"),
        Case("PNG interlaced RGBA", _interlaced, 201, "real"),
        Case("GIF 1,500 frames", lambda: animation("GIF", 1500, (4, 4)), 400),
        Case("WebP 1,500 frames", lambda: animation("WEBP", 1500, (4, 4)), 400),
        Case("GIF 60 frames", lambda: animation("GIF", 60), 201, "real"),
        Case("WebP 60 frames", lambda: animation("WEBP", 60), 201, "real"),
        Case("GIF canvas 65535 x 65535", lambda: _gif_canvas(65535, 65535), 400),
        Case("WebP canvas 16384 x 16384 (VP8X)", lambda: _webp_canvas(16384, 16384), 400),
        # Malformed
        Case("PNG without IDAT", lambda: PNG_SIGNATURE + ihdr(8, 8) + png_chunk(b"IEND", b""), 400, "malformed"),
        Case("PNG without IEND", lambda: grey(8, 8)[:-12], 400, "malformed"),
        Case("PNG IHDR not first", lambda: _ihdr_second(), 400, "malformed"),
        Case("PNG bad IHDR CRC", lambda: with_bad_crc(grey(8, 8), b"IHDR"), 400, "malformed"),
        Case("PNG bad IDAT CRC", lambda: with_bad_crc(grey(8, 8), b"IDAT"), 400, "malformed"),
        Case("PNG bit depth 3", lambda: PNG_SIGNATURE + ihdr(8, 8, depth=3) + grey(8, 8)[33:], 400, "malformed"),
        Case("PNG palette without PLTE", lambda: _without(png(8, 8, color=3), b"PLTE"), 400, "malformed"),
        Case("PNG IDAT short of its rows", lambda: grey(64, 64, raw_size=64 * 65 - 1), 400, "malformed"),
        Case("PNG bad filter type", lambda: _bad_filter(), 400, "malformed"),
        Case("PNG chunk length past the end", lambda: _chunk_too_long(), 400, "malformed"),
        Case("PNG zero width", lambda: PNG_SIGNATURE + ihdr(0, 8) + grey(8, 8)[33:], 400, "malformed"),
        Case("GIF without trailer", lambda: pillow("GIF", mode="P")[:-1], 400, "malformed"),
        Case("GIF LZW code size 12", lambda: gif_with_code_size(pillow("GIF", mode="P"), 12), 400, "malformed"),
        Case("GIF unknown block", lambda: _gif_unknown_block(), 400, "malformed"),
        Case("WebP RIFF size past the end", lambda: webp_with_riff_size(pillow("WEBP"), 10**6), 400, "malformed"),
        Case("WebP unknown first chunk", lambda: _webp_first_chunk(b"JUNK"), 400, "malformed"),
        Case("WebP VP8 without start code", lambda: _webp_no_start_code(), 400, "malformed"),
        Case("WebP VP8X without image", lambda: _webp_canvas(16, 16), 400, "malformed"),
        # Truncated (every format, anywhere)
        *[
            Case(f"{fmt} cut at {int(keep * 100)} %", _cut(fmt, keep), 400, "truncated")
            for fmt in ("PNG", "GIF", "WEBP", "JPEG")
            for keep in (0.1, 0.5, 0.9, 0.99)
        ],
        Case(
            "animated WebP cut at 70 %",
            lambda: animation("WEBP", 20)[: int(len(animation("WEBP", 20)) * 0.7)],
            400,
            "truncated",
        ),  # fmt: skip
        Case(
            "animated GIF cut at 70 %",
            lambda: animation("GIF", 20)[: int(len(animation("GIF", 20)) * 0.7)],
            400,
            "truncated",
        ),  # fmt: skip
        # Real images that must keep passing
        *[Case(f"{fmt} photo", functools.partial(pillow, fmt), 201, "real") for fmt in ("PNG", "GIF", "WEBP", "JPEG")],
        Case("WebP lossless with alpha", lambda: pillow("WEBP", mode="RGBA", lossless=True), 201, "real"),
        Case("PNG palette with transparency", lambda: pillow("PNG", mode="P", transparency=0), 201, "real"),
        Case("PNG 1-bit", lambda: pillow("PNG", mode="1"), 201, "real"),
        Case("WebP animated with alpha", lambda: _animated_alpha_webp(), 201, "real"),
    ]


def _animated_alpha_webp() -> bytes:
    images = [Image.new("RGBA", (16, 16), (i * 40, 0, 0, 100 + i)) for i in range(5)]
    buffer = io.BytesIO()
    images[0].save(buffer, "WEBP", save_all=True, append_images=images[1:], duration=20)
    return buffer.getvalue()


def _interlaced() -> bytes:
    # Pillow writes no interlaced PNG: a real one made by hand (Adam7 pass sizes, every row filter 0).
    width, height = 300, 200
    raw = b"".join(b"\x00" * (1 + w * 4) * h for w, h in adam7_passes(width, height))
    data = PNG_SIGNATURE + ihdr(width, height, 8, 6, interlace=1)
    return data + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b"")


def adam7_passes(width: int, height: int) -> list[tuple[int, int]]:
    passes = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
    sizes = [((width - x + dx - 1) // dx, (height - y + dy - 1) // dy) for x, y, dx, dy in passes]
    return [(w, h) for w, h in sizes if w and h]


def _ihdr_second() -> bytes:
    data = png(8, 8)
    return PNG_SIGNATURE + png_chunk(b"tEXt", b"a\x00b") + data[8:]


def _without(data: bytes, kind: bytes) -> bytes:
    index = data.index(kind) - 4
    length = struct.unpack(">I", data[index : index + 4])[0]
    return data[:index] + data[index + 12 + length :]


def _bad_filter() -> bytes:
    raw = (b"\x09" + b"\x00" * 8) * 8
    return PNG_SIGNATURE + ihdr(8, 8) + png_chunk(b"IDAT", zlib.compress(raw)) + png_chunk(b"IEND", b"")


def _chunk_too_long() -> bytes:
    data = bytearray(png(8, 8))
    index = data.index(b"IDAT") - 4
    data[index : index + 4] = struct.pack(">I", 0x7FFFFFFF)
    return bytes(data)


def _gif_canvas(width: int, height: int) -> bytes:
    data = bytearray(pillow("GIF", (8, 8), "P"))
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def _gif_unknown_block() -> bytes:
    data = pillow("GIF", (8, 8), "P")
    return data[:-1] + b"\x99\x00" + data[-1:]


def _webp_chunks(*chunks: tuple[bytes, bytes]) -> bytes:
    body = b"".join(kind + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) % 2) for kind, data in chunks)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def _webp_canvas(width: int, height: int) -> bytes:
    vp8x = b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return _webp_chunks((b"VP8X", vp8x))


def _webp_first_chunk(kind: bytes) -> bytes:
    return _webp_chunks((kind, b"\x00" * 10))


def _webp_no_start_code() -> bytes:
    data = bytearray(pillow("WEBP"))
    index = data.index(b"VP8 ") + 8 + 3
    data[index : index + 3] = b"\x00\x00\x00"
    return bytes(data)


def _cut(fmt: str, keep: float) -> Callable[[], bytes]:
    def make() -> bytes:
        data = pillow(fmt, (120, 80), "P" if fmt == "GIF" else "RGB")
        return data[: max(1, int(len(data) * keep))]

    return make


CASES = _cases()
