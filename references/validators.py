"""Validators of a reference's provider and outside id (contract §6), shared by the API, the admin and the services."""

import re

from django.core.exceptions import ValidationError

from core import validators as core_validators

PROVIDER_MAX_LENGTH = 64
EXTERNAL_ID_MAX_LENGTH = 255
URN_MAX_LENGTH = core_validators.URN_MAX_LENGTH

_PROVIDER = re.compile(r"[a-z0-9_-]{1,64}")
# Unicode category Cc (C0 controls, DEL, C1 controls) and the surrogates, which
# are not characters at all and cannot be stored as UTF-8.
_NOT_IN_ID = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# The same rules for the OpenAPI schema (ECMA-262 patterns).
PROVIDER_PATTERN = "^[a-z0-9_-]{1,64}$"
EXTERNAL_ID_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]{1,255}$"
REF_PATTERN = "^[a-z0-9_-]{1,64}:[^\\u0000-\\u001f\\u007f-\\u009f]{1,255}$"

PROVIDER_MESSAGE = "Use 1 to 64 characters: lowercase letters a-z, digits, '-' and '_' (no colon)."


def is_provider(value) -> bool:
    return isinstance(value, str) and _PROVIDER.fullmatch(value) is not None


def external_id_error(value) -> str | None:
    """Why `value` is not a valid outside id, or None when it is."""
    if not isinstance(value, str):
        return "Not a valid string."
    if not value:
        return "This field may not be blank."
    if len(value) > EXTERNAL_ID_MAX_LENGTH:
        return f"Use at most {EXTERNAL_ID_MAX_LENGTH} characters."
    if _NOT_IN_ID.search(value):
        return "Control characters (such as NUL, tab or line feed) and lone surrogates are not allowed."
    return None


def is_external_id(value) -> bool:
    return external_id_error(value) is None


def validate_provider(value) -> None:
    if not is_provider(value):
        raise ValidationError(PROVIDER_MESSAGE, code="invalid_provider")


def validate_external_id(value) -> None:
    message = external_id_error(value)
    if message is not None:
        raise ValidationError(message, code="invalid_id")
