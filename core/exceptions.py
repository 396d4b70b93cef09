"""Domain errors: plain exceptions that know no HTTP.

Services, selectors and validators raise these; the API's exception handler
(`core.api.exceptions`) maps each to its status and the contract's body, and
the admin and the commands show `messages()`.
"""

from collections.abc import Collection


class DomainError(Exception):
    """Base of the domain errors: the `error` string and optional `details` (field → messages)."""

    error = "Bad Request"

    def __init__(self, details=None, error: str | None = None):
        self.details = details
        if error is not None:
            self.error = error
        super().__init__(self.error)

    def body(self) -> dict:
        """The contract's error body: `error`, and `details` when there are any."""
        body = {"error": self.error}
        if self.details is not None:
            body["details"] = self.details
        return body

    def messages(self, *, fields: bool = True, skip: Collection[str] = ()) -> list[str]:
        """The details as readable lines ("field: message", or only the message), else the error.

        `skip` leaves out the details under those keys, at any depth (such as `existing_id`,
        an id for clients rather than a sentence for a person).
        """
        lines = list(_lines(self.details, "" if fields else None, skip))
        return lines or [self.error]


def _lines(details, field: str | None, skip: Collection[str] = ()):
    """Every message of nested details, with the name of the field it is about (None: no names)."""
    if isinstance(details, dict):
        for key, value in details.items():
            if key not in skip:
                yield from _lines(value, None if field is None else key, skip)
    elif isinstance(details, list | tuple):
        for value in details:
            yield from _lines(value, field, skip)
    elif details is not None:
        yield f"{field}: {details}" if field else str(details)


class InvalidUUID(DomainError):
    error = "Invalid uuid sent"


class BadRequest(DomainError):
    """Invalid input found by a service: details are field → list of messages."""

    error = "Bad Request"


class EntityNotFound(DomainError):
    error = "Entity not found"


class Conflict(DomainError):
    error = "Conflict"


class IdempotencyKeyReused(DomainError):
    error = "Idempotency key reused with a different request"


class PayloadTooLarge(DomainError):
    error = "Payload too large"


class UnsupportedMediaType(DomainError):
    error = "Unsupported media type"
