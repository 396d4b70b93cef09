"""The one exception handler that makes every error body (contract §2)."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from core.exceptions import (
    BadRequest,
    Conflict,
    DomainError,
    EntityNotFound,
    IdempotencyKeyReused,
    InvalidUUID,
    PayloadTooLarge,
    UnsupportedMediaType,
)

logger = logging.getLogger("backoffice.api")

# The contract's status of each domain error (a subclass takes the nearest listed base's).
DOMAIN_STATUS = {
    InvalidUUID: status.HTTP_400_BAD_REQUEST,
    BadRequest: status.HTTP_400_BAD_REQUEST,
    EntityNotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    IdempotencyKeyReused: status.HTTP_422_UNPROCESSABLE_ENTITY,
    PayloadTooLarge: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    UnsupportedMediaType: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
}


def domain_status(exc: DomainError) -> int:
    return next((DOMAIN_STATUS[cls] for cls in type(exc).__mro__ if cls in DOMAIN_STATUS), 400)


def error_response(status_code: int, body: dict, headers: dict | None = None) -> Response:
    response = Response(body, status=status_code, headers=headers)
    response.is_error_body = True  # the envelope renderer leaves it as it is
    return response


def error_body(exc: BaseException) -> tuple[int, dict, dict]:
    """(status, body, headers) for any exception raised while serving an API request."""
    if isinstance(exc, DomainError):
        return domain_status(exc), exc.body(), {}
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
