"""Reads shared by every app, and the API key cache (authentication reads it, the key services drop from it)."""

import time

from django.conf import settings
from django.core.cache import cache

from core.exceptions import EntityNotFound
from core.models import APIKey
from core.validators import parse_uuid


def get_visible(model, raw_id, *, include_deleted: bool = False, queryset=None):
    """An entity by its path id: 400 for a bad UUID, 404 when absent or soft-deleted."""
    pk = parse_uuid(raw_id)
    if queryset is None:
        queryset = model.visible(include_deleted=include_deleted)
    instance = queryset.filter(pk=pk).first()
    if instance is None:
        raise EntityNotFound()
    return instance


_CACHE_PREFIX = "apikey:v2:"
_FIELDS = ("id", "prefix", "hashed_key", "name", "roles", "revoked", "expiry_date", "last_used_at")


def cache_key_for_prefix(prefix: str) -> str:
    return _CACHE_PREFIX + prefix


# Keys read lately, in this process: prefix → (key, wall time its row was read from the database).
# Trusted until that read is BACKOFFICE_API_KEY_CACHE_SECONDS old, as the shared cache is, so a
# revocation made anywhere applies within that delay, while most requests cost no cache round
# trip and no unpickling (docs/performance.md).
_recent: dict[str, tuple[APIKey | None, float]] = {}
_RECENT_MAX = 1000


def forget_cached_key(prefix: str) -> None:
    """Drop a key from the cache so that a revocation or edit applies at once here."""
    _recent.pop(prefix, None)
    cache.delete(cache_key_for_prefix(prefix))


def api_key_get_by_prefix(prefix: str) -> APIKey | None:
    """The key for a prefix: from this process or the cache while fresh (no query), else the database."""
    now, ttl = time.time(), settings.BACKOFFICE_API_KEY_CACHE_SECONDS
    recent = _recent.get(prefix)
    if recent is not None and now - recent[1] < ttl:
        return recent[0]
    ckey = cache_key_for_prefix(prefix)
    entry = cache.get(ckey)
    if entry is None or now - entry["read_at"] >= ttl:
        # An unknown prefix is remembered too (row None): without that it cost a query on
        # every request and answered measurably slower than a known one (docs/security.md).
        row = APIKey.objects.filter(prefix=prefix).values(*_FIELDS).first()
        entry = {"row": row, "read_at": now}
        cache.set(ckey, entry, ttl)
    api_key = APIKey(**entry["row"]) if entry["row"] is not None else None
    if len(_recent) >= _RECENT_MAX:
        _recent.clear()
    _recent[prefix] = (api_key, entry["read_at"])
    return api_key
