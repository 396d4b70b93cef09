"""Settings for the backoffice, every value read from the environment.

Defaults are safe for trying the project locally: SQLite in the project
folder, files on local disk, DEBUG off. Production sets DATABASE_URL,
SECRET_KEY, ALLOWED_HOSTS and the S3 variables (see README, "Configuration").
"""

import hashlib
import os
from pathlib import Path

import dj_database_url
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# The untracked file `python3 tasks.py run` writes once for local use (a generated
# SECRET_KEY and DEBUG=1), so that the README's `manage.py` commands work in a new
# shell. Variables set in the environment win over it; a production host has no such
# file, and LOCAL_ENV_FILE="" turns it off (the test suite does).
LOCAL_ENV_FILE = os.environ.get("LOCAL_ENV_FILE", str(BASE_DIR / ".env.local"))
if LOCAL_ENV_FILE:
    load_dotenv(LOCAL_ENV_FILE, override=False)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Only reachable with DEBUG on: a fixed, clearly unsafe key for local work.
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Trigram indexes of search (core.search): its ready() lets an index use an operator class.
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    # Provides the hashed-key model base; its own concrete APIKey table stays
    # unused (core.APIKey adds roles) and its admin is unregistered in core.
    "rest_framework_api_key",
    # The audit trail; its entries are core.AuditLogEntry (who, for keys and commands too).
    "auditlog",
    # The caption editor of the admin (ProseMirror, served from static files).
    "django_prose_editor",
    "core",
    "assets",
    "categories",
    "references",
]

MIDDLEWARE = [
    # Public rendition hits (/r/…) are answered here, before the rest (assets/renditions/middleware.py).
    "assets.renditions.middleware.RenditionMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's and the API docs' static files under gunicorn (after collectstatic).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Sessions, the logged-in user and messages serve the admin; API requests skip them (core/middleware.py).
    "core.middleware.AdminSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "core.middleware.AdminAuthenticationMiddleware",
    "core.audit.AuditActorMiddleware",
    "core.middleware.AdminMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on the admin and the API docs (CONTENT_SECURITY_POLICY below).
    "core.middleware.PagesCSPMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (runserver threads, the admin) on one file: wait for the
    # lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Take the write lock when a transaction starts, so that concurrent writers
    # wait for each other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DATABASE_ROUTERS = ["core.dbrouters.NoSwappedAuditlogTable"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith("redis://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The languages editors caption in: the admin offers these first (any BCP 47 tag stays
# possible). LANGUAGES=en,fr,de in the environment; names come from Django's table.
LANGUAGES = [(code, LANG_INFO.get(code.lower(), {}).get("name", code)) for code in env_list("LANGUAGES", "en,fr")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Storage: local disk unless an S3-compatible bucket is configured.
AWS_STORAGE_BUCKET_NAME = os.environ.get("S3_BUCKET", "")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "file_overwrite": True,  # content-addressed keys: same key, same bytes
            "querystring_auth": env_bool("S3_QUERYSTRING_AUTH", True),
            # SigV4 for presigned URLs: some S3-compatible services refuse the older scheme.
            "signature_version": "s3v4",
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Audit trail (django-auditlog) with our entry model.
AUDITLOG_LOGENTRY_MODEL = "core.AuditLogEntry"
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_REMOTE_ADDR = True
# Diff against the stored row even when it is soft-deleted (the default manager hides those).
AUDITLOG_USE_BASE_MANAGER = True

# Uploads: never keep a file in memory; the upload handler spools to disk
# while hashing and stops at the size limit.
BACKOFFICE_UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 25 * 1024 * 1024)
BACKOFFICE_UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 50_000_000)
# Each side too: a 1 x 50,000,000 PNG is within the pixel limit and no picture (decompression bomb).
BACKOFFICE_UPLOAD_MAX_SIDE = env_int("UPLOAD_MAX_SIDE", 20_000)
# Frames of an animated GIF or WebP (together at most 4 x UPLOAD_MAX_PIXELS pixels).
BACKOFFICE_UPLOAD_MAX_FRAMES = env_int("UPLOAD_MAX_FRAMES", 1000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 0
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("JSON_BODY_MAX_BYTES", 2 * 1024 * 1024)
FILE_UPLOAD_TEMP_DIR = os.environ.get("FILE_UPLOAD_TEMP_DIR") or None

# Renditions (contract §8; README "Renditions").
# Signing keys: the first signs, every one verifies (rotation: put the new key first, drop the old
# one later). Without any, one is derived from SECRET_KEY, so that a local trial needs no setting.
RENDITION_SIGNING_KEYS = env_list("RENDITION_SIGNING_KEYS") or [
    hashlib.sha256(f"rendition-signing:{SECRET_KEY}".encode()).hexdigest()
]
# Named specs: name=operation, comma-separated.
RENDITION_PRESETS = dict(
    item.split("=", 1)
    for item in env_list("RENDITION_PRESETS", "thumb=fill-160x160,card=fill-800x450,hero=width-1600")
    if "=" in item
)
RENDITION_MAX_SIDE = env_int("RENDITION_MAX_SIDE", 4096)
# Where /r/ URLs point (a CDN in front of the app, say); empty: the host of the API request.
RENDITION_BASE_URL = os.environ.get("RENDITION_BASE_URL", "").rstrip("/")
# Per worker process: renders at once, how long a request waits for a slot, how long a render may take.
RENDITION_MAX_CONCURRENT = env_int("RENDITION_MAX_CONCURRENT", 2)
RENDITION_QUEUE_SECONDS = env_int("RENDITION_QUEUE_SECONDS", 15)
RENDITION_TIMEOUT_SECONDS = env_int("RENDITION_TIMEOUT_SECONDS", 20)
# WebP with libwebp's sharp RGB->YUV conversion: crisper colour edges, about 30 ms more per
# 800-pixel render (docs/renditions.md). Applies to renditions rendered from then on.
RENDITION_WEBP_SMART_SUBSAMPLE = env_bool("RENDITION_WEBP_SMART_SUBSAMPLE", False)

# API keys (contract §1).
BACKOFFICE_API_KEY_IN_QUERY = env_bool("API_KEY_IN_QUERY", True)
# How long a verified key is trusted from the cache; a revocation takes effect
# within this many seconds in every process.
BACKOFFICE_API_KEY_CACHE_SECONDS = env_int("API_KEY_CACHE_SECONDS", 5)
BACKOFFICE_API_KEY_LAST_USED_INTERVAL = 60
# Failed authentications (a wrong key sent) per client address; above: 429 with Retry-After.
BACKOFFICE_AUTH_FAILURE_RATE = os.environ.get("API_AUTH_FAILURE_LIMIT", "30/min")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.api.auth.APIKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.auth.HasRole"],
    "DEFAULT_RENDERER_CLASSES": ["core.api.envelope.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.StrictJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.BackofficeAutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttling.APIKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": os.environ.get("API_RATE_LIMIT", "6000/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Backoffice API (core, v2)",
    "DESCRIPTION": (
        "Asset images, categories and references. Every endpoint needs an API key, "
        "sent as the `x-api-key` header (recommended) or the `x-api-key` query parameter."
    ),
    "VERSION": "2.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SECURITY": [{"ApiKeyHeader": []}, {"ApiKeyQuery": []}],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "x-api-key"},
        }
    },
    "AUTHENTICATION_WHITELIST": [],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.api.schema.add_links"],
    "ENUM_NAME_OVERRIDES": {},
}

# Security (production: see README "Running in production").
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) of the admin and the API docs: scripts from this site's
# own files only (no inline script, no eval), nothing framed, no plugins, forms post here.
# Styles allow inline ones: the admin's widgets and django-auditlog's history page use them,
# and a style cannot run code. Images: this site, data: URLs (the admin shows category icons
# as data: images) and the sources in CSP_IMG_SOURCES (the bucket's origin when S3 serves the
# files, e.g. https://bucket.s3.amazonaws.com).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *env_list("CSP_IMG_SOURCES")],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_api_keys": {"()": "core.logging.RedactAPIKeyFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_api_keys"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # libvips reports every step of every render at INFO.
        "pyvips": {"level": "WARNING"},
    },
}
