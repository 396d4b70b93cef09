"""Timestamps as the contract writes them (RFC 3339, UTC, `Z`): for serializers and selectors alike."""

from datetime import UTC, datetime


def rfc3339(value: datetime | None) -> str | None:
    """RFC 3339 in UTC, always six fractional digits and a `Z` (contract §2): one format to parse,
    and strings that compare as the times do."""
    if value is None:
        return None
    # A value read in another time zone (a connection or TIME_ZONE setting) must still print as UTC.
    value = value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return value.isoformat(timespec="microseconds").replace("+00:00", "Z")
