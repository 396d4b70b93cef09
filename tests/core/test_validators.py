"""Shared validators: UUID path segments, BCP 47 language tags, URNs."""

import uuid

import pytest
from django.core.exceptions import ValidationError

from core.api.exceptions import error_body
from core.exceptions import InvalidUUID
from core.validators import (
    is_language_tag,
    is_urn,
    normalize_language_tag,
    parse_uuid,
    validate_language_tag,
    validate_urn,
)

VALID_TAGS = [
    "en",
    "fr",
    "pt-BR",
    "zh-Hant",
    "zh-Hant-TW",
    "sr-Latn-RS",
    "de-CH-1996",
    "x-private",
    "en-US-x-twain",
    "es-419",
    "zh-yue-HK",
    "sl-rozaj-biske",
    "en-a-bbb-x-a-ccc",
    "i-klingon",
    "EN-us",
    "x-a-a",
]
INVALID_TAGS = [
    "",
    "e",
    "en_US",
    "123",
    "en--us",
    "en-",
    "-en",
    "en-US-",
    "abcdefghi",
    "en-a",
    "en-a-bbb-a-ccc",
    "de-1996-1996",
    "en-" + "-".join(["abcdefgh"] * 10),
    "fr-Ç",
    "é",
    "en\n",
    " en",
    "en ",
    None,
    42,
]


class TestLanguageTags:
    @pytest.mark.parametrize("tag", VALID_TAGS)
    def test_well_formed(self, tag):
        assert is_language_tag(tag)
        validate_language_tag(tag)

    @pytest.mark.parametrize("tag", INVALID_TAGS)
    def test_not_well_formed(self, tag):
        assert not is_language_tag(tag)
        with pytest.raises(ValidationError) as info:
            validate_language_tag(tag)
        assert info.value.code == "invalid_locale"

    @pytest.mark.parametrize(
        ("raw", "canonical"),
        [
            ("en", "en"),
            ("EN", "en"),
            ("pt-br", "pt-BR"),
            ("PT-BR", "pt-BR"),
            ("zh-hant", "zh-Hant"),
            ("ZH-HANT-tw", "zh-Hant-TW"),
            ("sr-latn-rs", "sr-Latn-RS"),
            ("de-ch-1996", "de-CH-1996"),
            ("es-419", "es-419"),
            ("zh-yue-hk", "zh-yue-HK"),
            ("en-us-x-twain", "en-US-x-twain"),
            ("en-US-X-TWAIN", "en-US-x-twain"),
            ("X-Private", "x-private"),
            ("en-a-bb-x-ab-cd", "en-a-bb-x-ab-cd"),
            ("sl-rozaj", "sl-rozaj"),
        ],
    )
    def test_normalized_casing(self, raw, canonical):
        assert normalize_language_tag(raw) == canonical

    def test_normalizing_twice_changes_nothing(self):
        for tag in VALID_TAGS:
            once = normalize_language_tag(tag)
            assert normalize_language_tag(once) == once
            assert is_language_tag(once)


VALID_URNS = [
    "urn:isbn:0451450523",
    "urn:docs:content:3f1e2c1a-7a1b-4d6e-9a3e-0c7b1f2d3e4f",
    "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
    "urn:ietf:rfc:2648",
    "URN:EXAMPLE:Upper",
    "urn:example:a/b/c",
    "urn:example:a%20b",
    "urn:example:weird:!$&'()*+,;=@~._-",
    "urn:example:foo?+resolve?=query#frag",
    "urn:example:foo#frag",
    "urn:ab:x",
    "urn:" + "a" * 32 + ":x",
    "urn:a-b:x",
]
INVALID_URNS = [
    "",
    "urn:",
    "urn:example",
    "urn:example:",
    "urn:x:y",
    "urn:-ab:x",
    "urn:ab-:x",
    "urn:a_b:x",
    "urn:" + "a" * 33 + ":x",
    "urn:urn-1:x",
    "urn:URN-7:x",
    "urn:ab:/x",
    "urn:ab:a b",
    "urn:ab:%zz",
    "urn:ab:é",
    "http://example.com/x",
    "urn:example:x\n",
    "urn:example:" + "a" * 250,
    None,
]


class TestURNs:
    @pytest.mark.parametrize("value", VALID_URNS)
    def test_valid(self, value):
        assert is_urn(value)
        validate_urn(value)

    @pytest.mark.parametrize("value", INVALID_URNS)
    def test_invalid(self, value):
        assert not is_urn(value)
        with pytest.raises(ValidationError) as info:
            validate_urn(value)
        assert info.value.code == "invalid_urn"

    def test_exactly_255_characters_is_allowed(self):
        value = "urn:example:" + "a" * (255 - len("urn:example:"))
        assert len(value) == 255 and is_urn(value)


class TestParseUUID:
    def test_canonical(self):
        value = uuid.uuid4()
        assert parse_uuid(str(value)) == value

    def test_uppercase(self):
        value = uuid.uuid4()
        assert parse_uuid(str(value).upper()) == value

    @pytest.mark.parametrize(
        "raw", ["", "abc", "1234", "not-a-uuid", "00000000-0000-0000-0000-00000000000g", "0" * 100, None]
    )
    def test_invalid_is_the_contract_400(self, raw):
        with pytest.raises(InvalidUUID) as info:
            parse_uuid(raw)
        assert error_body(info.value)[0] == 400  # the API's mapping
        assert info.value.body() == {"error": "Invalid uuid sent"}
