"""Reads for asset images: querysets that already fetch what the output needs."""

import re

from django.db.models import F

from assets.models import AssetImage
from core import search
from core.exceptions import BadRequest, EntityNotFound
from core.selectors import get_visible

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
SHA256_MESSAGE = "Give the SHA-256 as 64 hexadecimal characters."


def image_queryset(*, include_deleted: bool = False):
    return AssetImage.visible(include_deleted=include_deleted).select_related("file").prefetch_related("locales")


def image_get(*, image_id, include_deleted: bool = False) -> AssetImage:
    return get_visible(AssetImage, image_id, queryset=image_queryset(include_deleted=include_deleted))


def _image_of_file(queryset) -> AssetImage:
    # The live image first; with include_deleted, else the most recently deleted one.
    image = queryset.order_by(F("deleted_at").desc(nulls_first=True)).first()
    if image is None:
        raise EntityNotFound()
    return image


def image_get_by_key(*, file_key: str, include_deleted: bool = False) -> AssetImage:
    if "\x00" in file_key:
        # No stored key holds NUL, and PostgreSQL refuses it in a query (a 500 otherwise).
        raise EntityNotFound()
    return _image_of_file(image_queryset(include_deleted=include_deleted).filter(file__key=file_key))


def image_get_by_hash(*, file_hash: str, include_deleted: bool = False) -> AssetImage:
    if not _SHA256.fullmatch(file_hash or ""):  # fullmatch: `$` also accepts a final newline
        raise BadRequest({"file_hash": [SHA256_MESSAGE]})
    return _image_of_file(image_queryset(include_deleted=include_deleted).filter(file__sha256=file_hash.lower()))


def image_list(*, include_deleted: bool = False):
    """The image list before filters and paging (newest first)."""
    return image_queryset(include_deleted=include_deleted)


def image_search(*, queryset, term: str):
    """The images of `queryset` whose name, credits or caption text contain `term` (any case)."""
    return search.search(queryset, term)
