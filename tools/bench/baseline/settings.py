"""Settings of the baseline server: the project's own (database, cache, storage), with nothing on the request path.

The apps are installed because the models live in them (and import auditlog
and the API-key model); no middleware, no DRF, no authentication: a request
is URL resolving, the view, its ORM queries and `JsonResponse`.
"""

from backoffice.settings import *  # noqa: F403

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework_api_key",
    "auditlog",
    "core",
    "assets",
    "categories",
    "references",
]
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "tools.bench.baseline.urls"
WSGI_APPLICATION = "tools.bench.baseline.wsgi.application"
