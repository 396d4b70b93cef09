"""Signed rendition URLs: HMAC-SHA256 over everything that determines the output.

The path after `/r/` is `<signature>/<image id>/<file sha256>/<variant>.<format>`,
where the variant is the canonical operation, plus `_<gravity>` for crops (a
fit or a width does not depend on the gravity, so its URL does not either).
The file's SHA-256 is in the URL, so that another file gives another URL.

Keys come from RENDITION_SIGNING_KEYS: the first signs, every one verifies, so
that a new key can be put first and the old one dropped once the URLs signed
with it are gone from caches and pages. The check is `hmac.compare_digest`
(constant time) and needs neither the database nor the storage.

Written here rather than with django.core.signing: its Signer appends a
signature to one value with SHA-256 HMAC too, but verifies with one key
(and fallbacks), builds URL-unfriendly strings, and salts with the class
path; a path of fixed segments stays readable in logs and CDN consoles.
"""

import binascii
import functools
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass

from django.conf import settings

from assets.renditions.specs import FORMATS, InvalidSpec, Operation, parse_operation

PREFIX = "/r/"
_CONTEXT = b"rendition-url-v1:"
_PATH = re.compile(
    r"^(?P<sig>[A-Za-z0-9_-]{43})/(?P<image>[0-9a-f]{32})/(?P<sha>[0-9a-f]{64})/"
    r"(?P<operation>[a-z0-9-]{1,64}?)(?:_(?P<gravity>[a-z]{1,16}))?\.(?P<format>" + "|".join(FORMATS) + r")$"
)


@dataclass(frozen=True)
class RenditionRef:
    """What a verified URL names: enough to find or render the output."""

    image_id: uuid.UUID
    sha256: str
    operation: Operation
    gravity: str  # "" unless the operation crops
    format: str

    @property
    def variant(self) -> str:
        return self.operation.name + (f"_{self.gravity}" if self.gravity else "")


def _keys() -> list[tuple]:
    return _prepared(tuple(settings.RENDITION_SIGNING_KEYS))


@functools.lru_cache(maxsize=8)
def _prepared(keys: tuple) -> list[tuple]:
    """Per key, the SHA-256 states of HMAC's inner hash (key and context fed) and outer hash (key fed).

    Copied per URL: a list page signs 60 URLs, and setting the key up is half
    the cost of each. The two hashlib states are HMAC itself (RFC 2104, as
    `hmac.HMAC` keeps them), without `hmac.HMAC.copy`'s Python-level object
    building: 2.1 → 1.6 µs per signature (docs/performance.md). The test
    suite checks the result against `hmac.new`.
    """
    prepared = []
    for key in keys:
        raw = key.encode() if isinstance(key, str) else key
        if len(raw) > _BLOCK:
            raw = hashlib.sha256(raw).digest()
        raw = raw.ljust(_BLOCK, b"\0")
        inner = hashlib.sha256(raw.translate(_IPAD))
        inner.update(_CONTEXT)
        prepared.append((inner, hashlib.sha256(raw.translate(_OPAD))))
    return prepared


_BLOCK = 64  # SHA-256's block size
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))
_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _signature(prepared: tuple, message: bytes) -> bytes:
    """HMAC-SHA256 of the context and `message`, in URL-safe base64 without padding (43 characters)."""
    inner, outer = prepared
    inner = inner.copy()
    inner.update(message)
    outer = outer.copy()
    outer.update(inner.digest())
    return binascii.b2a_base64(outer.digest(), newline=False)[:43].translate(_URLSAFE)


def signer():
    """A function signing a path message (`<image hex>/<sha256>/<variant>.<format>`) with the first key.

    For many URLs at once (a list page): the key is looked up once. (Feeding an
    image's shared start to the HMAC once per image and only the rest per URL
    measured slower: 1.8 → 1.9 µs per URL.)
    """
    inner, outer = _keys()[0]
    translate = _URLSAFE

    def sign(message: str) -> str:  # _signature, inlined: 60 calls on a list page
        mac = inner.copy()
        mac.update(message.encode())
        out = outer.copy()
        out.update(mac.digest())
        return binascii.b2a_base64(out.digest(), newline=False)[:43].translate(translate).decode()

    return sign


def signed_path(*, image_id: uuid.UUID, sha256: str, operation: Operation, gravity: str, fmt: str) -> str:
    """The path (from /r/) of a rendition, signed with the first key."""
    variant = operation.name + (f"_{gravity}" if operation.crops else "")
    message = f"{image_id.hex}/{sha256}/{variant}.{fmt}"
    return f"{PREFIX}{_signature(_keys()[0], message.encode()).decode()}/{message}"


def verify(path: str) -> RenditionRef | None:
    """The rendition named by a path after /r/, or None when it does not verify."""
    match = _PATH.match(path)
    if match is None:
        return None
    message = path[44:].encode()  # after "<43-char signature>/"
    sent = match["sig"].encode()
    valid = False
    for key in _keys():
        # Every key is tried, so the time does not tell which one matched.
        valid |= hmac.compare_digest(_signature(key, message), sent)
    if not valid:
        return None
    try:
        operation = _operation(match["operation"])
    except InvalidSpec:
        return None
    gravity = match["gravity"] or ""
    if operation.crops != bool(gravity):
        return None
    return RenditionRef(uuid.UUID(match["image"]), match["sha"], operation, gravity, match["format"])


@functools.lru_cache(maxsize=1024)
def _operation(text: str) -> Operation:
    # Signed by us: the size limit held then. Few distinct operations: parsed once each.
    return parse_operation(text, max_side=10**9)
