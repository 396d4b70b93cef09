"""Rendition specs: parsing, presets, and the output size, without opening any file.

A spec is `<operation>.<format>` or `<preset>.<format>`; operations are
`fill-WxH`, `fit-WxH` and `width-W`, each with an optional `-qN`. The parsed
spec is canonical (a preset resolves to its operation), so that the URL and
the stored record name the output, not the way it was asked for.
"""

import functools
import re
from dataclasses import dataclass

from django.conf import settings

FORMATS = {"webp": "image/webp", "avif": "image/avif", "jpeg": "image/jpeg", "png": "image/png"}
MAX_SPECS = 20  # per request (contract §8)

_OPERATION = re.compile(
    r"^(?:(?P<kind>fill|fit)-(?P<w>\d{1,5})x(?P<h>\d{1,5})|width-(?P<width>\d{1,5}))(?:-q(?P<q>\d{1,3}))?$"
)
PRESET_NAME = r"[a-z][a-z0-9_]{0,31}"
_PRESET = re.compile(rf"^(?P<name>{PRESET_NAME})(?:-q(?P<q>\d{{1,3}}))?$")


class InvalidSpec(ValueError):
    """A spec that is not an operation or preset with a known format; the message says why."""

    def __init__(self, spec: str, reason: str):
        self.spec = spec
        super().__init__(f"{spec!r}: {reason}")


@dataclass(frozen=True)
class Operation:
    kind: str  # "fill", "fit" or "width"
    width: int
    height: int | None  # None for "width"
    quality: int | None = None

    @functools.cached_property  # computed for every URL of a list page otherwise
    def name(self) -> str:
        """The canonical text, as in URLs and records: fill-800x450-q70."""
        size = f"{self.width}" if self.kind == "width" else f"{self.width}x{self.height}"
        return f"{self.kind}-{size}" + (f"-q{self.quality}" if self.quality else "")

    @property
    def crops(self) -> bool:
        return self.kind == "fill"

    def output_size(self, source_width: int, source_height: int) -> tuple[int, int]:
        """The exact output size for an upright source of this size; never larger than the source."""
        sw, sh = source_width, source_height
        if self.kind == "width":
            if self.width >= sw:
                return sw, sh
            return self.width, _at_least_one(sh * self.width / sw)
        box_w, box_h = self.width, self.height
        if self.kind == "fit":
            scale = min(1.0, box_w / sw, box_h / sh)
            return min(sw, _at_least_one(sw * scale)), min(sh, _at_least_one(sh * scale))
        # fill: the box itself, or the largest box of the same shape the source holds.
        scale = min(1.0, sw / box_w, sh / box_h)
        if scale >= 1.0:
            return box_w, box_h
        return min(sw, _at_least_one(box_w * scale)), min(sh, _at_least_one(box_h * scale))


def _at_least_one(value: float) -> int:
    return max(1, round(value))


@dataclass(frozen=True)
class Spec:
    operation: Operation
    format: str

    @property
    def content_type(self) -> str:
        return FORMATS[self.format]


def parse_operation(text: str, max_side: int | None = None) -> Operation:
    """`fill-800x450-q70` → Operation; InvalidSpec otherwise."""
    max_side = max_side or settings.RENDITION_MAX_SIDE
    match = _OPERATION.match(text)
    if match is None:
        raise InvalidSpec(text, "use fill-WxH, fit-WxH or width-W, optionally with -qN")
    quality = int(match["q"]) if match["q"] else None
    if quality is not None and not 1 <= quality <= 100:
        raise InvalidSpec(text, "quality is 1 to 100")
    if match["width"]:
        operation = Operation("width", int(match["width"]), None, quality)
        sides = [operation.width]
    else:
        operation = Operation(match["kind"], int(match["w"]), int(match["h"]), quality)
        sides = [operation.width, operation.height]
    if any(not 1 <= side <= max_side for side in sides):
        raise InvalidSpec(text, f"width and height are 1 to {max_side}")
    return operation


def parse_spec(text: str) -> Spec:
    """`card.webp`, `fill-800x450-q70.avif` → Spec; InvalidSpec naming the spec otherwise."""
    presets = settings.RENDITION_PRESETS
    return _parse_spec(text, tuple(sorted(presets.items())), settings.RENDITION_MAX_SIDE)


@functools.lru_cache(maxsize=1024)
def _parse_spec(text: str, presets: tuple, max_side: int) -> Spec:
    # Cached by the settings too, so that a changed preset or limit takes effect at once.
    head, dot, fmt = text.rpartition(".")
    if not dot or fmt not in FORMATS:
        raise InvalidSpec(text, f"end with one of the formats .{', .'.join(FORMATS)}")
    if head.startswith(("fill-", "fit-", "width-")):
        try:
            return Spec(parse_operation(head, max_side), fmt)
        except InvalidSpec as exc:
            raise InvalidSpec(text, str(exc).split(": ", 1)[1]) from None
    match = _PRESET.match(head)
    named = dict(presets)
    if match is None or match["name"] not in named:
        known = ", ".join(sorted(named)) or "none"
        raise InvalidSpec(text, f"not an operation (fill-WxH, fit-WxH, width-W) nor a preset ({known})")
    operation = parse_operation(named[match["name"]], max_side)
    if match["q"]:
        quality = int(match["q"])
        if not 1 <= quality <= 100:
            raise InvalidSpec(text, "quality is 1 to 100")
        operation = Operation(operation.kind, operation.width, operation.height, quality)
    return Spec(operation, fmt)


def parse_spec_list(raw: str) -> list[tuple[str, Spec]]:
    """The `renditions=` parameter: comma-separated specs, at most MAX_SPECS; (as asked, spec) pairs.

    Raises InvalidSpec for the first bad one, ValueError for too many.
    """
    asked = [item.strip() for item in raw.split(",") if item.strip()]
    if len(asked) > MAX_SPECS:
        raise ValueError(f"At most {MAX_SPECS} specs, {len(asked)} given.")
    seen: dict[str, Spec] = {}
    for item in asked:
        if item not in seen:
            seen[item] = parse_spec(item)
    return list(seen.items())
