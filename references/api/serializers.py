"""Input and output shapes of the reference API (contract §6)."""

import re

from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from core.api.serializers import FastOutputSerializer, StrictSerializer
from core.timestamps import rfc3339
from core.validators import URN_MAX_LENGTH, URN_PATTERN, validate_urn
from references.models import Reference
from references.validators import (
    EXTERNAL_ID_MAX_LENGTH,
    EXTERNAL_ID_PATTERN,
    PROVIDER_MAX_LENGTH,
    PROVIDER_PATTERN,
    validate_external_id,
    validate_provider,
)

LOOKUP_MAX_REFS = 100

# Seconds required, fraction optional, and an offset (Z or ±hh:mm) always.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


class StringField(serializers.CharField):
    """A CharField that takes strings only, as sent (DRF's turns numbers into
    strings and trims), and leaves the character rules to the given validators
    (DRF's own would answer a NUL twice).
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self.validators = [
            v
            for v in self.validators
            if not isinstance(v, ProhibitNullCharactersValidator | ProhibitSurrogateCharactersValidator)
        ]

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StringListField(serializers.ListField):
    """A list of StringField items that takes a list of strings in one pass:
    DRF runs the child field on each item (a tenth of a 100-ref lookup's time),
    and for a string the child returns it unchanged. Anything else goes
    through the child, for its per-item messages.
    """

    def __init__(self, **kwargs):
        kwargs["child"] = StringField(allow_blank=True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if type(data) is list and all(type(item) is str for item in data):
            return list(data)
        return super().to_internal_value(data)

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as exc:
            # One entry per item, `[]` for a valid one, as every other list error (contract §2);
            # DRF would answer `{"0": [...]}`, keyed by index strings.
            errors = exc.detail if isinstance(exc.detail, dict) else {}
            raise serializers.ValidationError([errors.get(index, []) for index in range(len(data))]) from None


class RFC3339DateTimeField(serializers.DateTimeField):
    """An RFC 3339 timestamp with its offset (a naive one is ambiguous: 400), in UTC."""

    default_error_messages = {
        "invalid": "Give an RFC 3339 timestamp with a timezone offset, such as 2019-08-24T14:15:22Z.",
    }

    def to_internal_value(self, value):
        if not isinstance(value, str) or not _RFC3339.fullmatch(value):
            self.fail("invalid")
        # RFC 3339 allows a lowercase `t` and `z`; Django's parser does not.
        return super().to_internal_value(value.upper())


class ReferenceOutputSerializer(FastOutputSerializer):
    id = serializers.CharField(help_text="The identifier on the provider's platform.")
    provider = serializers.CharField()
    urn = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    inserted_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @staticmethod
    def represent(reference: Reference) -> dict:
        return _document(
            reference, rfc3339(reference.expires_at), rfc3339(reference.inserted_at), rfc3339(reference.updated_at)
        )


def represent_lookup_row(row) -> dict:
    """`represent` for a row of `references_lookup` (its timestamps are already text)."""
    return _document(row, row.expires_at, row.inserted_at, row.updated_at)


def _document(reference, expires_at: str | None, inserted_at: str, updated_at: str) -> dict:
    """The reference object of contract §6, timestamps given as RFC 3339 text."""
    return {
        "id": reference.external_id,
        "provider": reference.provider,
        "urn": reference.urn,
        "expires_at": expires_at,
        "inserted_at": inserted_at,
        "updated_at": updated_at,
    }


class ReferenceCreateSerializer(StrictSerializer):
    field_schemas = {
        "id": {"pattern": EXTERNAL_ID_PATTERN, "maxLength": EXTERNAL_ID_MAX_LENGTH},
        "provider": {"pattern": PROVIDER_PATTERN, "maxLength": PROVIDER_MAX_LENGTH},
        "urn": {"pattern": URN_PATTERN, "maxLength": URN_MAX_LENGTH},
    }
    id = StringField(
        source="external_id",
        validators=[validate_external_id],
        help_text="The identifier on the provider's platform: 1-255 characters, no control characters.",
    )
    provider = StringField(
        validators=[validate_provider], help_text="1-64 characters: lowercase letters, digits, '-' and '_'."
    )
    urn = StringField(max_length=URN_MAX_LENGTH, validators=[validate_urn], help_text="RFC 8141 URN of our resource.")
    expires_at = RFC3339DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Optional; after this moment the reference behaves as if it did not exist.",
    )


class ReferenceLookupSerializer(StrictSerializer):
    refs = StringListField(
        min_length=1,
        max_length=LOOKUP_MAX_REFS,
        error_messages={
            "min_length": f"Send 1 to {LOOKUP_MAX_REFS} refs.",
            "max_length": f"Send 1 to {LOOKUP_MAX_REFS} refs.",
        },
        help_text="1 to 100 refs `provider:id`; unknown, expired and malformed ones are left out of the answer.",
    )
