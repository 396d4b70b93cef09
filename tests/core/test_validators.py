"""Shared validators: UUID path segments, BCP 47 language tags, URNs."""

import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from core.api.exceptions import error_body
from core.exceptions import InvalidUUID
from core.validators import (
    LANGUAGE_TAG_PATTERN,
    URN_PATTERN,
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

# A tag as written → its canonical casing (RFC 5646 §2.1.1).
CANONICAL = {
    "en": "en",
    "EN": "en",
    "pt-br": "pt-BR",
    "PT-BR": "pt-BR",
    "zh-hant": "zh-Hant",
    "ZH-HANT-tw": "zh-Hant-TW",
    "sr-latn-rs": "sr-Latn-RS",
    "de-ch-1996": "de-CH-1996",
    "es-419": "es-419",
    "zh-yue-hk": "zh-yue-HK",
    "en-us-x-twain": "en-US-x-twain",
    "en-US-X-TWAIN": "en-US-x-twain",
    "X-Private": "x-private",
    "en-a-bb-x-ab-cd": "en-a-bb-x-ab-cd",
    "sl-rozaj": "sl-rozaj",
}


class TestLanguageTags:
    @pytest.mark.parametrize(("raw", "canonical"), CANONICAL.items())
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


# Each validator: its predicate, the model field validator, the error code of a refusal.
VALIDATORS = {
    "locale": (is_language_tag, validate_language_tag, "invalid_locale"),
    "urn": (is_urn, validate_urn, "invalid_urn"),
}


class TestValidators:
    @pytest.mark.parametrize(
        ("kind", "value"), [("locale", tag) for tag in VALID_TAGS] + [("urn", value) for value in VALID_URNS]
    )
    def test_accepted(self, kind, value):
        predicate, validator, _code = VALIDATORS[kind]
        assert predicate(value)
        validator(value)  # raises nothing

    @pytest.mark.parametrize(
        ("kind", "value"), [("locale", tag) for tag in INVALID_TAGS] + [("urn", value) for value in INVALID_URNS]
    )
    def test_refused(self, kind, value):
        predicate, validator, code = VALIDATORS[kind]
        assert not predicate(value)
        with pytest.raises(ValidationError) as info:
            validator(value)
        assert info.value.code == code


class TestURNs:
    def test_exactly_255_characters_is_allowed(self):
        value = "urn:example:" + "a" * (255 - len("urn:example:"))
        assert len(value) == 255 and is_urn(value)


def _case_only_repeat(tag: str) -> bool:
    """A variant or singleton repeated in another case: the one rule the schema's pattern leaves to the server."""
    subtags = tag.split("-")
    return len({s.lower() for s in subtags}) < len(set(subtags))


PATTERNS = {"locale": LANGUAGE_TAG_PATTERN, "urn": URN_PATTERN}
# (pattern, value): what the validators accept, then the strings they refuse within the schema's maxLength.
ACCEPTED = [("locale", tag) for tag in VALID_TAGS] + [("urn", value) for value in VALID_URNS]
REFUSED = [("locale", tag) for tag in INVALID_TAGS if isinstance(tag, str) and len(tag) <= 64] + [
    ("urn", value) for value in INVALID_URNS if isinstance(value, str) and len(value) <= 255
]


class TestSchemaPatterns:
    """The schema's ECMA-262 patterns say what is_language_tag and is_urn say (JSON Schema: one regex, no flags)."""

    @pytest.mark.parametrize(("pattern", "value"), ACCEPTED)
    def test_pattern_accepts_what_the_validator_accepts(self, pattern, value):
        assert re.fullmatch(PATTERNS[pattern], value)

    @pytest.mark.parametrize(("pattern", "value"), REFUSED)
    def test_pattern_refuses_the_others(self, pattern, value):
        # `$` before a final newline: ECMA-262 never matches there; fullmatch is Python's way to say the same.
        assert not re.fullmatch(PATTERNS[pattern], value)

    @settings(max_examples=300, database=None, deadline=None)
    @given(st.from_regex(LANGUAGE_TAG_PATTERN, fullmatch=True).filter(lambda t: len(t) <= 64))
    def test_every_tag_the_pattern_generates_is_accepted(self, tag):
        assert is_language_tag(tag) or _case_only_repeat(tag)

    @settings(max_examples=500, database=None, deadline=None)
    @given(
        st.lists(st.sampled_from(["en", "US", "x", "a", "1996", "abcde", "Hant", "419", "yue", "-", "b"]), max_size=8)
    )
    def test_pattern_and_validator_agree_on_near_tags(self, parts):
        tag = "-".join(parts)
        if not _case_only_repeat(tag):
            assert bool(re.fullmatch(LANGUAGE_TAG_PATTERN, tag)) == is_language_tag(tag)

    @settings(max_examples=300, database=None, deadline=None)
    @given(st.from_regex(URN_PATTERN, fullmatch=True).filter(lambda v: len(v) <= 255))
    def test_every_urn_the_pattern_generates_is_accepted(self, value):
        assert is_urn(value)


class TestParseUUID:
    def test_canonical(self):
        value = uuid.uuid4()
        assert parse_uuid(str(value)) == value

    def test_uppercase(self):
        value = uuid.uuid4()
        assert parse_uuid(str(value).upper()) == value

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "abc",
            "1234",
            "not-a-uuid",
            "00000000-0000-0000-0000-00000000000g",
            "0" * 100,
            None,
            "{6f1a9b52-3c1e-4a0b-9d1e-2f4c5b6a7d8e}",
            "urn:uuid:6f1a9b52-3c1e-4a0b-9d1e-2f4c5b6a7d8e",
            "6f1a9b523c1e4a0b9d1e2f4c5b6a7d8e",
            "6f1a9b52-3c1e-4a0b-9d1e-2f4c5b6a7d8e\n",
        ],
    )
    def test_invalid_is_the_contract_400(self, raw):
        with pytest.raises(InvalidUUID) as info:
            parse_uuid(raw)
        assert error_body(info.value)[0] == 400  # the API's mapping
        assert info.value.body() == {"error": "Invalid uuid sent"}
