"""Shared validators: UUID path segments, BCP 47 language tags, URNs."""

import re
import uuid

from django.core.exceptions import ValidationError

from core.exceptions import InvalidUUID

# The canonical form only, as the schema's `format: uuid` says: Python's UUID() also
# takes braces, `urn:uuid:` and 32 hex digits without hyphens.
_CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def parse_uuid(value: str) -> uuid.UUID:
    """A path `{id}` as a UUID, or the contract's 400 `Invalid uuid sent`."""
    if not isinstance(value, str | uuid.UUID) or not _CANONICAL_UUID.fullmatch(str(value)):
        raise InvalidUUID()
    return uuid.UUID(str(value))


# RFC 5646 "langtag" (well-formed, not checked against the registry), plus the
# grandfathered irregular tags and private-use tags. Written here because no
# maintained Django library validates BCP 47 well-formedness.
_LANGTAG = re.compile(
    r"""^(
      (?P<language>[a-z]{2,3}(-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})
      (-[a-z]{4})?                                # script
      (-([a-z]{2}|[0-9]{3}))?                     # region
      (-([a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*        # variants
      (-[0-9a-wy-z](-[a-z0-9]{2,8})+)*            # extensions
      (-x(-[a-z0-9]{1,8})+)?                      # private use
    |x(-[a-z0-9]{1,8})+
    |en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo
    |i-navajo|i-pwn|i-tao|i-tay|i-tsu|sgn-be-fr|sgn-be-nl|sgn-ch-de
    |art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang
    )$""",
    re.VERBOSE,
)


def is_language_tag(value: str) -> bool:
    if not isinstance(value, str) or len(value) > 64 or not value.isascii():
        return False
    tag = value.lower()
    # fullmatch: `$` would also accept a trailing newline.
    if not _LANGTAG.fullmatch(tag):
        return False
    # Variants and extension singletons may not repeat (RFC 5646 §2.2.5, §2.2.6);
    # private-use subtags (after `x`, which can only be a singleton) may.
    subtags = tag.split("-")
    if "x" in subtags:
        subtags = subtags[: subtags.index("x")]
    singletons = [s for s in subtags[1:] if len(s) == 1]
    if len(singletons) != len(set(singletons)):
        return False
    head = subtags[1 : subtags.index(singletons[0])] if singletons else subtags[1:]
    variants = [s for s in head if len(s) >= 5 or (len(s) == 4 and s[0].isdigit())]
    return len(variants) == len(set(variants))


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word)


# The same rules for the OpenAPI schema, as an ECMA-262 pattern (JSON Schema has no
# case-insensitive flag, so letters are spelled in both cases), so that a client
# validating against the schema sends only well-formed tags. Two lookaheads say that
# variants (before any singleton) and singletons (before `x`) may not repeat; repeats
# differing only in case are left to the server. tests/core/test_validators.py checks
# that it agrees with is_language_tag.
_SUB = "[A-Za-z0-9]"
_SINGLETON = "[0-9A-WYZa-wyz]"
_LANGTAG_BODY = (
    "(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"
    "(?:-[A-Za-z]{4})?"
    "(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    f"(?:-(?:{_SUB}{{5,8}}|[0-9]{_SUB}{{3}}))*"
    f"(?:-{_SINGLETON}(?:-{_SUB}{{2,8}})+)*"
    f"(?:-[Xx](?:-{_SUB}{{1,8}})+)?"
)
_GRANDFATHERED = (
    "en-gb-oed i-ami i-bnn i-default i-enochian i-hak i-klingon i-lux i-mingo i-navajo i-pwn i-tao i-tay "
    "i-tsu sgn-be-fr sgn-be-nl sgn-ch-de art-lojban cel-gaulish no-bok no-nyn zh-guoyu zh-hakka zh-min "
    "zh-min-nan zh-xiang"
).split()
LANGUAGE_TAG_PATTERN = (
    f"^(?!{_SUB}{{2,8}}-(?:{_SUB}{{2,8}}-)*([0-9]{_SUB}{{3}}|{_SUB}{{5,8}})-(?:{_SUB}{{2,8}}-)*\\1(?:-|$))"
    f"(?!(?:(?:{_SUB}{{2,8}}|{_SINGLETON})-)+({_SINGLETON})-(?:(?:{_SUB}{{2,8}}|{_SINGLETON})-)*\\2(?:-|$))"
    f"(?:{_LANGTAG_BODY}|[Xx](?:-{_SUB}{{1,8}})+|{'|'.join(_any_case(tag) for tag in _GRANDFATHERED)})$"
)
LANGUAGE_TAG_MAX_LENGTH = 64


def _require(valid: bool, message: str, code: str) -> None:
    """The validators' one way to refuse (a field's error, with its code)."""
    if not valid:
        raise ValidationError(message, code=code)


def validate_language_tag(value: str) -> None:
    message = "Enter a well-formed BCP 47 language tag (such as en, fr, pt-BR, zh-Hant)."
    _require(is_language_tag(value), message, "invalid_locale")


# RFC 8141: urn:<NID>:<NSS>[?+r-component][?=q-component][#f-component]
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_URN = re.compile(
    rf"^urn:(?P<nid>[A-Za-z0-9][A-Za-z0-9-]{{0,30}}[A-Za-z0-9]):"
    rf"(?P<nss>{_PCHAR}(?:{_PCHAR}|/)*)"
    rf"(?:\?\+{_PCHAR}(?:{_PCHAR}|/|\?)*)?"
    rf"(?:\?={_PCHAR}(?:{_PCHAR}|/|\?)*)?"
    rf"(?:#(?:{_PCHAR}|/|\?)*)?$",
    re.IGNORECASE,
)


def is_urn(value: str) -> bool:
    if not isinstance(value, str) or len(value) > 255:
        return False
    match = _URN.fullmatch(value)  # `$` would also accept a trailing newline
    # "urn-" followed by digits is the reserved informal namespace form (RFC 8141 §5.2).
    return bool(match) and not match.group("nid").lower().startswith("urn-")


# The same rules for the OpenAPI schema (ECMA-262, no case-insensitive flag).
_PCHAR_ECMA = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
URN_PATTERN = (
    rf"^[Uu][Rr][Nn]:(?![Uu][Rr][Nn]-)[A-Za-z0-9][A-Za-z0-9-]{{0,30}}[A-Za-z0-9]:"
    rf"{_PCHAR_ECMA}(?:{_PCHAR_ECMA}|/)*"
    rf"(?:\?\+{_PCHAR_ECMA}(?:{_PCHAR_ECMA}|/|\?)*)?"
    rf"(?:\?={_PCHAR_ECMA}(?:{_PCHAR_ECMA}|/|\?)*)?"
    rf"(?:#(?:{_PCHAR_ECMA}|/|\?)*)?$"
)
URN_MAX_LENGTH = 255


def validate_urn(value: str) -> None:
    _require(is_urn(value), "Enter a valid URN (RFC 8141: urn:<nid>:<nss>).", "invalid_urn")


def normalize_language_tag(value: str) -> str:
    """Canonical casing (RFC 5646 §2.1.1): `pt-br` → `pt-BR`, `zh-hant` → `zh-Hant`.

    Tags are case-insensitive, so uniqueness rules compare the canonical form.
    Everything from the first singleton (extensions, private use) is lowercase.
    """
    out: list[str] = []
    lowercase_rest = False
    for index, subtag in enumerate(value.lower().split("-")):
        if index > 0 and not lowercase_rest and subtag.isalpha() and len(subtag) in (2, 4):
            subtag = subtag.upper() if len(subtag) == 2 else subtag.title()
        lowercase_rest = lowercase_rest or len(subtag) == 1
        out.append(subtag)
    return "-".join(out)
