"""OpenAPI helpers: the envelope and the error bodies in the schema (drf-spectacular)."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

_ENVELOPES: dict = {}

ERROR_DESCRIPTIONS = {
    400: "Invalid uuid sent, or Bad Request with field details",
    401: "Unauthorized API KEY",
    403: "Unauthorized roles",
    404: "Entity not found",
    409: "Conflict, with details",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Idempotency key reused with a different request",
    429: "Too many requests",
}


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField()
    details = serializers.JSONField(required=False)


def enveloped(serializer_class, many: bool = False):
    """`{"data": <serializer>}` as a named schema component."""
    name = f"{serializer_class.__name__.removesuffix('Serializer')}{'List' if many else ''}Envelope"
    if name not in _ENVELOPES:
        _ENVELOPES[name] = inline_serializer(name=name, fields={"data": serializer_class(many=many)})
    return _ENVELOPES[name]


def errors(*codes: int) -> dict:
    """The error responses of an operation; 401, 403 and 429 always apply."""
    all_codes = sorted({401, 403, 429, *codes})
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in all_codes}


INCLUDE_DELETED = OpenApiParameter(
    "include_deleted", bool, description="Show soft-deleted entities too (with their deleted_at)."
)
ID_PATH = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Entity UUID.")
