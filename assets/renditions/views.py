"""Public delivery of renditions at /r/… (contract §8): no API key, the signature is the permission.

Order matters: the signature is checked before anything else (a forged URL
costs one HMAC per key, no query, no storage call); a hit is one indexed
query and one storage read, with no existence check; only a first hit
renders.
"""

import logging

from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, JsonResponse
from django.utils.http import parse_etags
from django.views.decorators.csrf import csrf_exempt

from assets.renditions import engine, selectors, services, signing
from assets.renditions.specs import FORMATS

logger = logging.getLogger("backoffice.renditions")

IMMUTABLE = "public, max-age=31536000, immutable"


def _error(status: int, error: str, details: dict | None = None, headers: dict | None = None) -> JsonResponse:
    body = {"error": error}
    if details:
        body["details"] = details
    response = JsonResponse(body, status=status, headers=headers)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt  # a public read; no form is ever posted here (other methods get a JSON 405)
def deliver(request, path: str):
    if request.method not in ("GET", "HEAD"):
        return _error(405, "Method not allowed", headers={"Allow": "GET, HEAD"})
    ref = signing.verify(path)
    if ref is None:
        return _error(403, "Invalid rendition URL")
    stored = selectors.rendition_stored(ref=ref)
    if stored is not None:
        response = _serve(request, ref, *stored)
        if response is not None:
            return response
        services.rendition_forget(key=stored[0])  # the file went missing: render it again
    try:
        record = services.rendition_for_ref(ref=ref)
    except engine.RenderBusy:
        return _error(503, "Too many renders in progress", headers={"Retry-After": "2"})
    except engine.RenderTimeout as exc:
        logger.warning("rendition %s: %s", path, exc)
        return _error(503, "Render timed out", {"image": [str(exc)]}, headers={"Retry-After": "10"})
    except engine.RenderError as exc:
        logger.warning("rendition %s: the source cannot be rendered: %s", path, exc)
        return _error(422, "Unprocessable image", {"image": [f"The image cannot be rendered: {exc}"]})
    except services.SourceMissing as exc:
        logger.error("rendition %s: the original %s is missing from storage", path, exc)
        return _error(404, "Entity not found")
    if record is None:
        return _error(404, "Entity not found")
    response = _serve(request, ref, record.key, record.byte_size, record.etag)
    return response if response is not None else _error(404, "Entity not found")


def _serve(request, ref, key: str, byte_size: int, etag: str):
    """The stored bytes with their caching headers; None when the file is not in storage."""
    headers = caching_headers(etag)
    # META: request.headers would build every header's entry.
    if not_modified(request.META.get("HTTP_IF_NONE_MATCH"), headers["ETag"]):
        return HttpResponse(status=304, headers=headers)
    content_type = FORMATS[ref.format]
    if request.method == "HEAD":
        response = HttpResponse(content_type=content_type, headers=headers)
        response["Content-Length"] = str(byte_size)
        return response
    try:
        handle = default_storage.open(key, "rb")
    except (FileNotFoundError, OSError):
        logger.warning("rendition file %s is missing from storage; rendering it again", key)
        return None
    response = FileResponse(handle, content_type=content_type, headers=headers)
    response["Content-Length"] = str(byte_size)
    return response


def caching_headers(etag: str) -> dict[str, str]:
    """The headers of every answer with a rendition's bytes (or its 304)."""
    return {"ETag": f'"{etag}"', "Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}


def not_modified(if_none_match: str | None, quoted_etag: str) -> bool:
    """Whether an If-None-Match header names this ETag (or `*`)."""
    return bool(if_none_match) and (if_none_match.strip() == "*" or quoted_etag in parse_etags(if_none_match))
