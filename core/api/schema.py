"""OpenAPI helpers: the envelope and the error bodies in the schema (drf-spectacular)."""

import inspect

from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers

from core.validators import LANGUAGE_TAG_MAX_LENGTH, LANGUAGE_TAG_PATTERN

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


# JSON Schema patterns (ECMA-262) of what DRF's CharField refuses on its own: a NUL
# character anywhere; with trimming on and blanks refused, a text of spaces only.
NO_NUL_PATTERN = "^[^\\u0000]*$"
# The whitespace Python's str.strip() removes (DRF trims with it), spelled out: ECMA-262's
# `\s` leaves out U+001C..U+001F and U+0085 and adds U+FEFF.
_PY_WHITESPACE = "\\u0009-\\u000d\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
NOT_BLANK_PATTERN = f"^[^\\u0000]*[^\\u0000{_PY_WHITESPACE}][^\\u0000]*$"


LOCALE_SCHEMA = {
    "pattern": LANGUAGE_TAG_PATTERN,
    "maxLength": LANGUAGE_TAG_MAX_LENGTH,
    "description": "A well-formed BCP 47 language tag (en, fr, pt-BR, zh-Hant), stored in canonical casing.",
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
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "pattern": "^[^\\u0000-\\u0008\\u000a-\\u001f\\u007f]{1,255}$"},
    OpenApiParameter.HEADER,
    description="Optional: a retry with the same key within 24 hours gets the first answer (a UUID is a good key).",
)
# Blank (no search) or at least two characters between its first and last non-space one (core.search).
SEARCH_PATTERN = "^\\s*(?:[^\\s\\u0000][^\\u0000]*[^\\s\\u0000])?\\s*$"


def search_filter(description: str) -> OpenApiParameter:
    schema = {"type": "string", "maxLength": 255, "pattern": SEARCH_PATTERN}
    return OpenApiParameter("search", schema, description=description)


def locale_filter(description: str) -> OpenApiParameter:
    # Empty is the same as no filter.
    pattern = f"^$|{LANGUAGE_TAG_PATTERN}"
    return OpenApiParameter("locale", {"type": "string", **LOCALE_SCHEMA, "pattern": pattern}, description=description)


def path_parameter(name: str, schema, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, schema, OpenApiParameter.PATH, description=description)


ID_PATH = path_parameter("id", OpenApiTypes.UUID, "Entity UUID; anything else is a 400 `Invalid uuid sent`.")


def create_schema(*, tags: list[str], operation_id: str, request, output):
    """A create: the body through `request`, 201 with `output`, `Idempotency-Key` aware."""
    return extend_schema(
        tags=tags,
        operation_id=operation_id,
        request=request,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: enveloped(output), **errors(400, 409, 413, 415, 422)},
    )


def delete_schema(*, tags: list[str], operation_id: str, path: OpenApiParameter = ID_PATH, codes=(400, 404)):
    """A delete of the entity the path names: 204, no body."""
    responses = {204: None, **errors(*codes)}
    return extend_schema(tags=tags, operation_id=operation_id, parameters=[path], responses=responses)


def restore_schema(*, tags: list[str], operation_id: str, output):
    """A restore of a soft-deleted entity by id: no body, 200 with `output`."""
    return extend_schema(
        tags=tags,
        operation_id=operation_id,
        request=None,
        parameters=[ID_PATH],
        responses={200: enveloped(output), **errors(400, 404, 409)},
    )


class StrictSerializerExtension(OpenApiSerializerExtension):
    """Input bodies as the StrictSerializer judges them, so that a body valid for the schema is valid here.

    Unknown fields are refused (`additionalProperties: false`), the `ignored_fields`
    are accepted with any value, nested lists keep their item limits, the
    serializer's `field_schemas` add the rules its validators check (patterns),
    and text fields say that NUL characters (and blank texts, where refused) are.
    """

    target_class = "core.api.serializers.StrictSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        properties = schema.setdefault("properties", {})
        for name in self.target.ignored_fields:
            properties.setdefault(name, {"description": "Accepted and ignored."})
        for name, field in self.target.fields.items():
            if isinstance(field, serializers.ListSerializer) and name in properties:
                if not field.allow_empty or field.min_length:
                    properties[name]["minItems"] = max(field.min_length or 0, 1 if not field.allow_empty else 0)
                if field.max_length is not None:
                    properties[name]["maxItems"] = field.max_length
            prop = properties.get(name)
            if (
                isinstance(field, serializers.CharField)
                and prop is not None
                and prop.get("type") == "string"
                and not {"pattern", "format", "enum"} & set(prop)
                and any(isinstance(v, ProhibitNullCharactersValidator) for v in field.validators)
            ):
                blank_refused = field.trim_whitespace and not field.allow_blank
                prop["pattern"] = NOT_BLANK_PATTERN if blank_refused else NO_NUL_PATTERN
        for name, rules in getattr(self.target, "field_schemas", {}).items():
            if name in properties:
                properties[name].update(rules)
        schema["additionalProperties"] = False
        if vars(type(self.target)).get("__doc__") is None:
            # Not this serializer's own docstring but StrictSerializer's, which says nothing about the body.
            schema.pop("description", None)
        return schema


class BackofficeAutoSchema(AutoSchema):
    """Describes each operation by the role it needs, plus the view's own docstring.

    drf-spectacular falls back to the docstring of a base class, which says
    nothing to an API consumer; only a docstring written on the view itself is used.
    """

    def get_description(self) -> str:
        view_class = self.view.__class__
        own_doc = inspect.cleandoc(view_class.__dict__.get("__doc__") or "")
        method = self.method.upper()
        action = getattr(self.view, "action", None)
        is_read = method in {"GET", "HEAD", "OPTIONS"} or (action and action in getattr(self.view, "read_actions", ()))
        resource = getattr(self.view, "api_resource", "")
        role = f"Needs the role `{resource}:{'read' if is_read else 'write'}` (or `admin`)." if resource else ""
        return "\n\n".join(part for part in (own_doc, role) if part)


# OpenAPI links (operation → the operations its answer feeds), so that generated
# clients and stateful testing can follow one answer to the next request. Each app
# registers its own in its api/views.py; the postprocessing hook puts them in.
_LINKS: dict[tuple[str, int], dict[str, dict]] = {}


def register_links(operation_id: str, status: int, links: dict[str, dict]) -> None:
    _LINKS.setdefault((operation_id, status), {}).update(links)


CREATED_ID = {"id": "$response.body#/data/id"}
REQUEST_PATH_ID = {"id": "$request.path.id"}


def register_soft_delete_links(*, name: str, create: str, get: str, delete: str, restore: str, **more: dict) -> None:
    """The links of an entity with soft delete: create → get, delete, restore (and `more`); delete → restore, get."""
    register_links(
        create,
        201,
        {
            f"Get{name}": {"operationId": get, "parameters": CREATED_ID},
            f"Delete{name}": {"operationId": delete, "parameters": CREATED_ID},
            f"Restore{name}": {"operationId": restore, "parameters": CREATED_ID},
            **more,
        },
    )
    register_links(
        delete,
        204,
        {
            f"RestoreDeleted{name}": {"operationId": restore, "parameters": REQUEST_PATH_ID},
            f"GetDeleted{name}": {"operationId": get, "parameters": REQUEST_PATH_ID},
        },
    )


def add_links(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: the registered links on their responses."""
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            for (operation_id, status), links in _LINKS.items():
                if operation.get("operationId") == operation_id and str(status) in operation.get("responses", {}):
                    operation["responses"][str(status)]["links"] = dict(links)
    return result
