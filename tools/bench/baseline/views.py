"""The baseline: what plain Django does for each benchmarked endpoint, written the obvious way.

Each view reads the same rows as the API (same filters, same prefetches) with
the ORM and answers the same fields in the same `{"data": ...}` document with
`JsonResponse`: no DRF, no authentication, no middleware, no audit trail.
The API's speed is reported as a ratio to these.
"""

import json
import uuid
from collections import defaultdict
from datetime import datetime

from auditlog.context import disable_auditlog
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from assets.models import AssetImage, AssetImageLocale, StoredFile
from categories.models import Category, CategoryLocale
from core.sanitize import html_to_text
from references.models import Reference

NOT_FOUND = {"error": "Entity not found"}


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _image(image: AssetImage) -> dict:
    stored = image.file
    return {
        "id": str(image.id),
        "file_key": stored.key,
        "file_hash": stored.sha256,
        "name": image.name,
        "gravity": image.gravity,
        "locales": [
            {
                "id": str(loc.id),
                "locale": loc.locale,
                "credit": loc.credit,
                "caption_html": loc.caption_html,
                "caption_text": loc.caption_text,
            }
            for loc in image.locales.all()
        ],
        "content_type": stored.content_type,
        "byte_size": stored.byte_size,
        "width": stored.width,
        "height": stored.height,
        "url": default_storage.url(stored.key),
        "inserted_at": _ts(image.inserted_at),
        "updated_at": _ts(image.updated_at),
        "deleted_at": _ts(image.deleted_at),
    }


def _one_image(**lookup) -> JsonResponse:
    image = AssetImage.objects.select_related("file").prefetch_related("locales").filter(**lookup).first()
    if image is None:
        return JsonResponse(NOT_FOUND, status=404)
    return JsonResponse({"data": _image(image)})


@require_GET
def image_by_id(request, id):
    try:
        pk = uuid.UUID(id)
    except ValueError:
        return JsonResponse({"error": "Invalid uuid sent"}, status=400)
    return _one_image(pk=pk)


@require_GET
def image_by_key(request, file_key):
    return _one_image(file__key=file_key)


@require_GET
def image_by_hash(request, file_hash):
    return _one_image(file__sha256=file_hash.lower())


@csrf_exempt
@require_POST
def image_create(request):
    body = json.loads(request.body)
    stored = StoredFile.objects.filter(key=body["file_key"]).first()
    if stored is None:
        return JsonResponse({"error": "Bad Request"}, status=400)
    with disable_auditlog(), transaction.atomic():
        image = AssetImage.objects.create(file=stored, name=body["name"], gravity=body.get("gravity", "center"))
        AssetImageLocale.objects.bulk_create(
            AssetImageLocale(
                image=image,
                locale=item["locale"],
                credit=item.get("credit", ""),
                caption_html=item.get("caption_html", ""),
                caption_text=html_to_text(item.get("caption_html", "")),
            )
            for item in body.get("locales", [])
        )
    image = AssetImage.objects.select_related("file").prefetch_related("locales").get(pk=image.pk)
    return JsonResponse({"data": _image(image)}, status=201)


def _categories():
    live_locales = CategoryLocale.objects.filter(deleted_at__isnull=True).order_by("locale", "deleted_at")
    return Category.objects.prefetch_related(Prefetch("locales", queryset=live_locales, to_attr="live_locales"))


def _category(category: Category) -> dict:
    return {
        "id": str(category.id),
        "locales": [
            {"id": str(loc.id), "locale": loc.locale, "name": loc.name, "deleted_at": _ts(loc.deleted_at)}
            for loc in category.live_locales
        ],
        "svg_icon": category.svg_icon,
        "is_archived": category.is_archived,
        "inserted_at": _ts(category.inserted_at),
        "updated_at": _ts(category.updated_at),
        "deleted_at": _ts(category.deleted_at),
    }


@require_GET
def category_by_id(request, id):
    try:
        pk = uuid.UUID(id)
    except ValueError:
        return JsonResponse({"error": "Invalid uuid sent"}, status=400)
    category = _categories().filter(pk=pk).first()
    if category is None:
        return JsonResponse(NOT_FOUND, status=404)
    return JsonResponse({"data": _category(category)})


@require_GET
def category_list(request):
    """Keyset page: `?limit=&after_t=&after_id=` (a plain position, where the API signs it in a cursor)."""
    limit = int(request.GET.get("limit", 20))
    rows = _categories().order_by("-inserted_at", "-id")
    if "after_t" in request.GET:
        t, row_id = request.GET["after_t"], request.GET["after_id"]
        rows = rows.filter(Q(inserted_at__lte=t) & (Q(inserted_at__lt=t) | Q(id__lt=row_id)))
    rows = list(rows[: limit + 1])
    page = rows[:limit]
    last = page[-1] if len(rows) > limit else None
    meta = {"next": None if last is None else {"after_t": last.inserted_at.isoformat(), "after_id": str(last.id)}}
    return JsonResponse({"data": [_category(category) for category in page], "meta": meta})


def _reference(reference: Reference) -> dict:
    return {
        "id": reference.external_id,
        "provider": reference.provider,
        "urn": reference.urn,
        "expires_at": _ts(reference.expires_at),
        "inserted_at": _ts(reference.inserted_at),
        "updated_at": _ts(reference.updated_at),
    }


def _live(now=None):
    return Reference.objects.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now()))


@require_GET
def reference_by_ref(request, ref):
    provider, _, external_id = ref.partition(":")
    reference = _live().filter(provider=provider, external_id=external_id).first()
    if reference is None:
        return JsonResponse(NOT_FOUND, status=404)
    return JsonResponse({"data": _reference(reference)})


@csrf_exempt
@require_POST
def reference_lookup(request):
    pairs = [tuple(ref.partition(":")[::2]) for ref in json.loads(request.body)["refs"]]
    ids_by_provider = defaultdict(list)
    for provider, external_id in pairs:
        ids_by_provider[provider].append(external_id)
    condition = Q()
    for provider, ids in ids_by_provider.items():
        condition |= Q(provider=provider, external_id__in=ids)
    found = {(ref.provider, ref.external_id): ref for ref in _live().filter(condition)}
    return JsonResponse({"data": [_reference(found[pair]) for pair in dict.fromkeys(pairs) if pair in found]})
