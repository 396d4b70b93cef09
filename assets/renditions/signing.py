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

import base64
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


def _keys() -> list[hmac.HMAC]:
    return _prepared(tuple(settings.RENDITION_SIGNING_KEYS))


@functools.lru_cache(maxsize=8)
def _prepared(keys: tuple) -> list[hmac.HMAC]:
    # HMAC objects keyed and fed the context once, copied per URL: a list page
    # signs 60 URLs, and setting the key up is half the cost of each.
    return [hmac.new(key.encode() if isinstance(key, str) else key, _CONTEXT, hashlib.sha256) for key in keys]


def _signature(prepared: hmac.HMAC, message: str) -> str:
    mac = prepared.copy()
    mac.update(message.encode())
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def signed_path(*, image_id: uuid.UUID, sha256: str, operation: Operation, gravity: str, fmt: str) -> str:
    """The path (from /r/) of a rendition, signed with the first key."""
    variant = operation.name + (f"_{gravity}" if operation.crops else "")
    message = f"{image_id.hex}/{sha256}/{variant}.{fmt}"
    return f"{PREFIX}{_signature(_keys()[0], message)}/{message}"


def verify(path: str) -> RenditionRef | None:
    """The rendition named by a path after /r/, or None when it does not verify."""
    match = _PATH.match(path)
    if match is None:
        return None
    message = path[44:]  # after "<43-char signature>/"
    sent = match["sig"].encode()
    valid = False
    for key in _keys():
        # Every key is tried, so the time does not tell which one matched.
        valid |= hmac.compare_digest(_signature(key, message).encode(), sent)
    if not valid:
        return None
    try:
        operation = parse_operation(match["operation"], max_side=10**9)  # signed by us: the limit held then
    except InvalidSpec:
        return None
    gravity = match["gravity"] or ""
    if operation.crops != bool(gravity):
        return None
    return RenditionRef(uuid.UUID(match["image"]), match["sha"], operation, gravity, match["format"])
