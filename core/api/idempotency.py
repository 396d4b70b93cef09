"""`Idempotency-Key` on creates (contract §2), stored in the database.

The record is inserted in the same transaction as the create. A concurrent
retry with the same key blocks on the unique index until the first request
commits, then reads and replays its answer: one entity, identical answers.
Written here because no maintained Django library keeps the first answer per
API key in the database with this conflict behaviour.
"""

import hashlib
import json
import re
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from core.api.exceptions import error_body, error_response
from core.exceptions import BadRequest, DomainError, IdempotencyKeyReused
from core.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"
TTL = timedelta(hours=24)
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _request_hash(request, scope: str) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{scope}\n{request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused()
    if record.status_code >= 400:
        return error_response(record.status_code, record.body)
    return Response(record.body, status=record.status_code)


def idempotent_create(request, scope: str, create: Callable[[], Response]) -> Response:
    """Run `create` once per (API key, Idempotency-Key); replay its first answer after."""
    key = request.META.get(HEADER)
    if key is None:
        return create()
    if not key or len(key) > 255 or _CONTROL.search(key):
        # Control characters cannot be in an HTTP field value (and PostgreSQL refuses NUL).
        raise BadRequest({"Idempotency-Key": ["Send 1 to 255 characters, without control characters."]})
    prefix = request.auth.prefix
    request_hash = _request_hash(request, scope)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.filter(
                    api_key_prefix=prefix, key=key, created_at__lt=timezone.now() - TTL
                ).delete()
                record = IdempotencyRecord.objects.create(
                    api_key_prefix=prefix, key=key, scope=scope, request_hash=request_hash
                )
                try:
                    with transaction.atomic():
                        response = create()
                    status_code, body = response.status_code, response.data
                except (APIException, DomainError) as exc:
                    # Every expected error (a serializer's 400 too) is an answer to replay;
                    # anything else is a bug, rolled back with the record.
                    status_code, body, _headers = error_body(exc)
                record.status_code, record.body = status_code, json.loads(json.dumps(body, default=str))
                record.save(update_fields=["status_code", "body"])
                if status_code >= 400:
                    return error_response(status_code, body)
                return response
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(api_key_prefix=prefix, key=key).first()
            if record is not None and record.status_code is not None:
                if record.created_at >= timezone.now() - TTL:
                    return _replay(record, request_hash)
    raise IntegrityError("Idempotency record could not be settled")
