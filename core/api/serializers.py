"""Serializer helpers every app shares."""

from rest_framework import serializers
from rest_framework.settings import api_settings


class FastOutputSerializer(serializers.Serializer):
    """An output serializer whose fields document the schema, while
    `to_representation` builds the dict directly: DRF's per-field machinery
    costs more than the rest of a read request (docs/performance.md).
    Subclasses implement `represent(instance) -> dict` with the same keys.
    """

    def to_representation(self, instance):
        return self.represent(instance)

    @staticmethod
    def represent(instance) -> dict:
        raise NotImplementedError


class StrictListSerializer(serializers.ListSerializer):
    """Errors of the items as a list with one entry per item, `{}` for a valid one.

    That is the form of contract §2 ("nested for list items") and of the
    services' own item errors; DRF ≥ 3.16 would answer `{index: errors}`.
    """

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            detail = exc.detail
            if not (isinstance(detail, dict) and detail and all(isinstance(key, int) for key in detail)):
                raise
            items = []
            for index in range(len(data)):
                item = detail.get(index, {})
                # An item that is not an object at all (null) gets its message as a non-field error.
                items.append(item if isinstance(item, dict) else {api_settings.NON_FIELD_ERRORS_KEY: item})
            raise serializers.ValidationError(items) from None


class StrictSerializer(serializers.Serializer):
    """An input serializer that refuses unknown fields (clear 400s for typos).

    Fields listed in `ignored_fields` (such as a server-generated `id` sent on
    create) are accepted and dropped.
    """

    ignored_fields: tuple[str, ...] = ()
    # OpenAPI keywords per field for the rules its validators check (patterns the
    # schema cannot infer), so that a client validating against the schema agrees.
    field_schemas: dict[str, dict] = {}

    class Meta:
        list_serializer_class = StrictListSerializer

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = set(data) - set(self.fields) - set(self.ignored_fields)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
            # DRF's CharField turns a number into its text ({"name": 42} → "42"); a JSON number
            # where the schema says string is a wrong type (contract §2: 400).
            not_text = {
                name: ["Not a valid string."]
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and data.get(name) is not None
                and not isinstance(data[name], str)
            }
            if not_text:
                raise serializers.ValidationError(not_text)
        return super().to_internal_value(data)
