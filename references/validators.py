"""Validators of a reference's provider and outside id (contract §6), shared by the API, the admin and the services."""

import re

from django.core.exceptions import ValidationError

from core import validators as core_validators

PROVIDER_MAX_LENGTH = 64
EXTERNAL_ID_MAX_LENGTH = 255
URN_MAX_LENGTH = core_validators.URN_MAX_LENGTH

# Each rule written once, in the syntax Python's re and ECMA-262 (the OpenAPI schema's
# patterns) read alike: the server and the schema cannot drift apart.
_PROVIDER_RE = f"[a-z0-9_-]{{1,{PROVIDER_MAX_LENGTH}}}"
# Unicode category Cc: the C0 controls, DEL and the C1 controls.
_CONTROLS = "\\u0000-\\u001f\\u007f-\\u009f"
_EXTERNAL_ID_RE = f"[^{_CONTROLS}]{{1,{EXTERNAL_ID_MAX_LENGTH}}}"

_PROVIDER = re.compile(_PROVIDER_RE)
# Also the surrogates, which are not characters at all and cannot be stored as UTF-8.
_NOT_IN_ID = re.compile(f"[{_CONTROLS}\\ud800-\\udfff]")

# The same rules for the OpenAPI schema.
PROVIDER_PATTERN = f"^{_PROVIDER_RE}$"
EXTERNAL_ID_PATTERN = f"^{_EXTERNAL_ID_RE}$"
REF_PATTERN = f"^{_PROVIDER_RE}:{_EXTERNAL_ID_RE}$"

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
