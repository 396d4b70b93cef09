"""API-key authentication and the one role permission (contract §1).

Keys are djangorestframework-api-key keys (`prefix.secret`, stored as a
SHA-512 hash). The library's own permission class answers 403 for every
failure and has no roles, so authentication and roles are done here, on top
of its model and hasher, following DRF's authentication contract.
"""

import functools
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from core import audit
from core.api.throttling import auth_failure_record, auth_failure_wait
from core.models import APIKey
from core.selectors import api_key_get_by_prefix, cache_key_for_prefix

HEADER = "HTTP_X_API_KEY"
QUERY_PARAM = "x-api-key"
_PREFIX = re.compile(rf"[A-Za-z0-9]{{1,{APIKey._meta.get_field('prefix').max_length}}}")


@dataclass(frozen=True)
class KeyUser:
    """`request.user` for a request made with an API key (not a Django user)."""

    api_key: APIKey
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False

    def __str__(self) -> str:
        return f"api key {self.api_key.name} ({self.api_key.prefix})"


def _touch_last_used(api_key: APIKey) -> None:
    """Write `last_used_at` at most once per interval per key, not on every request."""
    now = timezone.now()
    interval = timedelta(seconds=settings.BACKOFFICE_API_KEY_LAST_USED_INTERVAL)
    if api_key.last_used_at is not None and now - api_key.last_used_at < interval:
        return
    APIKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
    ckey = cache_key_for_prefix(api_key.prefix)
    entry = cache.get(ckey)
    if entry is not None:
        entry["row"]["last_used_at"] = now
        cache.set(ckey, entry, settings.BACKOFFICE_API_KEY_CACHE_SECONDS)


def key_from_request(request) -> str | None:
    """The raw key sent: the header wins over the query parameter (when allowed)."""
    key = request.META.get(HEADER)
    if key:
        return key
    if settings.BACKOFFICE_API_KEY_IN_QUERY:
        return request.GET.get(QUERY_PARAM) or None
    return None


def _verified_key(raw: str) -> APIKey | None:
    """The live key `raw` stands for, or None."""
    prefix, dot, secret = raw.partition(".")
    if not dot or not secret or len(raw) > 200 or not _PREFIX.fullmatch(prefix):
        # Generated prefixes are short and alphanumeric; anything else (a NUL byte
        # that PostgreSQL refuses, a space a cache backend refuses) is no key of ours.
        return None
    api_key = api_key_get_by_prefix(prefix)
    # The hash is computed for an unknown prefix too, so that both answer in the same time.
    hashed = api_key.hashed_key if api_key is not None else _unknown_prefix_hash()
    verified = APIKey.objects.key_generator.verify(raw, hashed)
    if api_key is None or not verified or api_key.revoked or api_key.has_expired:
        return None
    return api_key


@functools.cache
def _unknown_prefix_hash() -> str:
    return APIKey.objects.key_generator.hash(secrets.token_urlsafe(32))


class APIKeyAuthentication(authentication.BaseAuthentication):
    """None when no key was sent, AuthenticationFailed for a bad one."""

    def authenticate(self, request):
        raw = key_from_request(request._request)
        if raw is None:
            return None
        # An address that has been guessing waits, before its key is even looked at.
        wait = auth_failure_wait(request._request)
        if wait is not None:
            raise exceptions.Throttled(wait)
        api_key = _verified_key(raw)
        if api_key is None:
            auth_failure_record(request._request)
            raise exceptions.AuthenticationFailed()
        _touch_last_used(api_key)
        audit.set_actor(audit.api_key_label(api_key))
        return KeyUser(api_key), api_key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 rather than 403 when authentication fails.
        return 'ApiKey header="x-api-key"'


class HasRole(permissions.BasePermission):
    """Each view declares `api_resource` ("assets", ...); reads need
    `<resource>:read`, every other method `<resource>:write`, `admin` has all.

    A view may list extra read-only actions in `read_actions` (such as the
    reference lookup, a POST that only reads).
    """

    READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, APIKey):
            return False  # DRF turns this into 401 since no authenticator succeeded
        return api_key.has_role(required_role(request, view))


def required_role(request, view) -> str:
    resource = view.api_resource
    action = getattr(view, "action", None)
    is_read = request.method in HasRole.READ_METHODS or (
        action is not None and action in getattr(view, "read_actions", ())
    )
    return f"{resource}:{'read' if is_read else 'write'}"
