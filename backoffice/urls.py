"""URLs: the API under /api/core/v2/, its schema and docs, health probes, the admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiJsonRenderer2
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from core.api import views as core_views
from core.api.views import API_BASE


class OpenAPIJSONView(SpectacularJSONAPIView):
    """The schema as plain `application/json` by default (the OpenAPI media type on request)."""

    renderer_classes = [OpenApiJsonRenderer2, OpenApiJsonRenderer]


api_patterns = [
    path("", include("assets.api.urls")),
    path("", include("categories.api.urls")),
    path("", include("references.api.urls")),
    path("openapi.json", OpenAPIJSONView.as_view(), name="openapi-schema"),
    # The split view serves Swagger UI's start-up script as a file (`?script`): the page's
    # Content-Security-Policy allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="openapi-schema"), name="api-docs"),
    # Last: any other URL under the API base is a JSON 404.
    re_path(r"^.*$", core_views.api_not_found),
]

urlpatterns = [
    path(API_BASE, include(api_patterns)),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # Renditions: public, signed, outside the API (no key, no envelope).
    path("", include("assets.renditions.urls")),
]

if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage") and settings.MEDIA_URL.startswith("/"):
    # Local disk storage: serve the files so that the admin thumbnails and `url` work.
    # With S3 the bucket serves them.
    urlpatterns.append(
        re_path(rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )

handler400 = core_views.handler400
handler403 = core_views.handler403
handler404 = core_views.handler404
handler500 = core_views.handler500
