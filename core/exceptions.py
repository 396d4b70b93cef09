"""Domain errors and the one exception handler that makes every error body (contract §2)."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

logger = logging.getLogger("backoffice.api")


class APIError(exceptions.APIException):
    """Base of the domain errors: a status, the `error` string, optional `details`."""

    status_code = status.HTTP_400_BAD_REQUEST
    error = "Bad Request"

    def __init__(self, details=None, error: str | None = None):
        self.details = details
        if error is not None:
            self.error = error
        super().__init__(detail=self.error)

    def body(self) -> dict:
        body = {"error": self.error}
        if self.details is not None:
            body["details"] = self.details
        return body


class InvalidUUID(APIError):
    error = "Invalid uuid sent"


class BadRequest(APIError):
    """Invalid input found by a service: details are field → list of messages."""

    error = "Bad Request"


class EntityNotFound(APIError):
    status_code = status.HTTP_404_NOT_FOUND
    error = "Entity not found"


class Conflict(APIError):
    status_code = status.HTTP_409_CONFLICT
    error = "Conflict"


class IdempotencyKeyReused(APIError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    error = "Idempotency key reused with a different request"


class PayloadTooLarge(APIError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    error = "Payload too large"


class UnsupportedMediaType(APIError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    error = "Unsupported media type"


def error_response(status_code: int, body: dict, headers: dict | None = None) -> Response:
    response = Response(body, status=status_code, headers=headers)
    response.is_error_body = True  # the envelope renderer leaves it as it is
    return response


def error_body(exc: BaseException) -> tuple[int, dict, dict]:
    """(status, body, headers) for any exception raised while serving an API request."""
    if isinstance(exc, APIError):
        return exc.status_code, exc.body(), {}
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        # DRF sets `auth_header` from the authenticator; a 401 must name the scheme (RFC 9110 §15.5.2).
        auth_header = getattr(exc, "auth_header", None)
        return 401, {"error": "Unauthorized API KEY"}, {"WWW-Authenticate": auth_header} if auth_header else {}
    if isinstance(exc, exceptions.PermissionDenied | DjangoPermissionDenied):
        return 403, {"error": "Unauthorized roles"}, {}
    if isinstance(exc, exceptions.NotFound | Http404):
        return 404, {"error": EntityNotFound.error}, {}
    if isinstance(exc, exceptions.ValidationError):
        return 400, {"error": "Bad Request", "details": exc.detail}, {}
    if isinstance(exc, DjangoValidationError):
        return 400, {"error": "Bad Request", "details": as_serializer_error(exc)}, {}
    if isinstance(exc, exceptions.ParseError):
        return 400, {"error": "Bad Request", "details": {"body": [str(exc.detail)]}}, {}
    if isinstance(exc, exceptions.MethodNotAllowed):
        return 405, {"error": "Method not allowed", "details": {"method": [str(exc.detail)]}}, {}
    if isinstance(exc, exceptions.NotAcceptable):
        return 406, {"error": "Not acceptable"}, {}
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return 415, {"error": UnsupportedMediaType.error, "details": {"content_type": [str(exc.detail)]}}, {}
    if isinstance(exc, RequestDataTooBig):
        return 413, {"error": PayloadTooLarge.error, "details": {"body": [str(exc)]}}, {}
    if isinstance(exc, SuspiciousOperation):
        # Too many query or form fields, too many files: Django answers these 400 outside DRF.
        return 400, {"error": "Bad Request", "details": {"request": [str(exc)]}}, {}
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1) if exc.wait is not None else 1
        return 429, {"error": "Too many requests"}, {"Retry-After": str(max(wait, 1))}
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, {"error": str(exc.detail)}, {}
    return 500, {"error": "Internal server error"}, {}


def api_exception_handler(exc: BaseException, context) -> Response:
    """DRF's EXCEPTION_HANDLER: every error, expected or not, as a JSON body."""
    status_code, body, headers = error_body(exc)
    if status_code >= 500:
        view = context.get("view")
        logger.error("Unhandled error in %s", type(view).__name__, exc_info=exc)
    return error_response(status_code, body, headers)
