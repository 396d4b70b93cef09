"""Reads for renditions: the URLs an API answer carries, and the stored output behind a URL."""

from assets.models import AssetImage, Rendition
from assets.renditions.signing import RenditionRef, signed_path
from assets.renditions.specs import Spec


def rendition_urls(*, image: AssetImage, asked: list[tuple[str, Spec]], base_url: str) -> dict:
    """{spec as asked: {url, width, height}} for one image, from its row and its file's row alone.

    No query and no file access: the size comes from the upright size recorded
    at upload, the URL from the HMAC of the parts.
    """
    return {text: rendition_url(image=image, spec=spec, base_url=base_url) for text, spec in asked}


def rendition_url(*, image: AssetImage, spec: Spec, base_url: str = "") -> dict:
    """{url, width, height} of one rendition of an image (a path alone without base_url)."""
    stored = image.file
    width, height = spec.operation.output_size(*stored.upright_size)
    path = signed_path(
        image_id=image.id, sha256=stored.sha256, operation=spec.operation, gravity=image.gravity, fmt=spec.format
    )
    return {"url": base_url + path, "width": width, "height": height}


def rendition_stored(*, ref: RenditionRef) -> tuple[str, int, str] | None:
    """(storage key, byte size, etag) of the stored output, if the image is live; one indexed query.

    The join through the image makes a soft-deleted image's renditions
    disappear with it (and come back with a restore) without touching them.
    """
    row = (
        Rendition.objects.filter(
            file__sha256=ref.sha256,
            operation=ref.operation.name,
            gravity=ref.gravity,
            format=ref.format,
            file__images__id=ref.image_id,
            file__images__deleted_at__isnull=True,
        )
        .values_list("key", "byte_size", "etag")
        .order_by()[:1]
    )
    return next(iter(row), None)
