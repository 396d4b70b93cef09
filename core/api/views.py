"""Views every app shares: health probes, JSON 404/500 and the base API views.

The apps' REST views fill in the bases below (which selector, which serializer, which
service); each endpoint's schema stays on the app's view, through drf-spectacular's
`extend_schema_view`.
"""

import contextlib
import logging

from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.filters import apply_filters
from core.api.idempotency import idempotent_create
from core.api.pagination import KeysetPagination
from core.exceptions import BadRequest, EntityNotFound

logger = logging.getLogger("backoffice.api")
API_PREFIX = "/api/"
API_BASE = "api/core/v2/"  # where backoffice.urls mounts the API (contract §1)


class BaseAPIView(APIView):
    """Base of every REST view: declares `api_resource` for the role check."""

    api_resource: str = ""

    def include_deleted(self) -> bool:
        return parse_bool_param(self.request, "include_deleted")

    def page_response(self, queryset, represent) -> Response:
        """One page of a list (keyset pagination), each row through `represent`."""
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response([represent(row) for row in page])

    def create_response(self, *, scope: str, serializer_class, service, represent) -> Response:
        """Validate the body, call the create service, answer 201; `Idempotency-Key` aware."""

        def create() -> Response:
            serializer = serializer_class(data=self.request.data)
            serializer.is_valid(raise_exception=True)
            return Response(represent(service(**serializer.validated_data)), status=status.HTTP_201_CREATED)

        return idempotent_create(self.request, scope, create)

    # The output body of one object (a static method on the subclass).
    represent = None

    def representer(self):
        """`represent` for this request: a view whose query string shapes the body overrides it."""
        return self.represent


class ListView(BaseAPIView):
    """GET: one page of `list_queryset()`, narrowed by `filterset_class`."""

    pagination_class = KeysetPagination
    filterset_class = None

    def list_queryset(self, *, include_deleted: bool):
        raise NotImplementedError

    def get(self, request):
        represent = self.representer()  # first: a bad query parameter is a 400 before any query
        queryset = self.list_queryset(include_deleted=self.include_deleted())
        return self.page_response(apply_filters(self.filterset_class, request, queryset), represent)


class CreateView(BaseAPIView):
    """POST: `create()` with the body validated by `create_serializer_class`; 201, idempotent per scope."""

    create_scope = ""
    create_serializer_class = None

    def create(self, **validated_data):
        raise NotImplementedError

    def post(self, request):
        return self.create_response(
            scope=self.create_scope,
            serializer_class=self.create_serializer_class,
            service=self.create,
            represent=self.represent,
        )


class GetOneView(BaseAPIView):
    """GET: the one object the path names (by id, key, hash, ref), found by `get_object()`."""

    def get_object(self, value):
        raise NotImplementedError

    def get(self, request, **path):
        represent = self.representer()  # first: a bad query parameter is a 400 before any query
        (value,) = path.values()
        return Response(represent(self.get_object(value)))


def parse_bool_param(request, name: str, default: bool = False) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    # `name=` is refused like any other value that is not a boolean: the schema's type is boolean.
    value = raw.strip().lower()
    if value in {"true", "1"}:
        return True
    if value in {"false", "0"}:
        return False
    raise BadRequest({name: ["Must be true or false."]})


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # any failure means not ready; the reason goes to the log only
        logger.exception("readyz: database check failed")
        checks["database"] = "unavailable"
    try:
        default_storage.exists("readyz-probe")
        # Object storage answers "no such file" for a missing bucket too: listing tells
        # them apart. A local folder not created yet is fine: the first upload makes it.
        with contextlib.suppress(FileNotFoundError):
            default_storage.listdir("")
        checks["storage"] = "ok"
    except Exception:  # as above
        logger.exception("readyz: storage check failed")
        checks["storage"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def unknown_path_body(path: str) -> dict:
    """The 404 of a path that names no endpoint: the wording of every 404, and why.

    One `error` per status (contract §2) whatever the 404 is about; `details`
    tells a person what went wrong, a trailing slash being the usual mistake.
    """
    hint = "No endpoint has this path."
    stripped = path.rstrip("/")
    if stripped != path and stripped:
        try:
            if resolve(stripped).func is not api_not_found:
                hint = f"No endpoint has this path. Paths end without a slash: did you mean {stripped}?"
        except Resolver404:
            pass
    return {"error": EntityNotFound.error, "details": {"path": [hint]}}


@csrf_exempt  # else a POST (no CSRF token, as from any API client) gets Django's HTML 403 page
def api_not_found(request, *args, **kwargs):
    """Unknown URLs under the API base: JSON, never an HTML page."""
    return JsonResponse(unknown_path_body(request.path), status=404)


def handler400(request, exception=None):
    """Django-level 400s (a Host header not in ALLOWED_HOSTS, say): JSON under the API."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"error": "Bad Request"}, status=400)
    from django.views.defaults import bad_request

    return bad_request(request, exception)


def handler403(request, exception=None):
    """Django-level 403s (a PermissionDenied raised outside DRF): JSON under the API."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"error": "Forbidden"}, status=403)
    from django.views.defaults import permission_denied

    return permission_denied(request, exception)


def handler404(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return JsonResponse(unknown_path_body(request.path), status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"error": "Internal server error"}, status=500)
    from django.views.defaults import server_error

    return server_error(request)
