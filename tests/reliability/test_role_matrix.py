"""Role matrix (issue 7, item 2): every endpoint × every way of sending a key, from one table.

ENDPOINTS is the table: each row names the role an endpoint needs and builds a
valid request (with the data it needs) whose success status it knows. The
expected status of each cell is derived from the row and the column alone
(`expected_status`); a 401 or 403 cell must also leave the database and the
storage as they were.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from assets import services as asset_services
from categories.services import category_create, category_soft_delete
from core.models import ROLES, APIKey
from core.services import api_key_create, api_key_revoke
from references.services import reference_create
from tests.factories import stored_file
from tests.reliability.helpers import db_snapshot, stored_files
from tests.utils import API, image_bytes

UNAUTHORIZED = {"error": "Unauthorized API KEY"}
FORBIDDEN = {"error": "Unauthorized roles"}


@dataclass
class Request:
    method: str
    path: str
    body: dict | None = None
    multipart: bool = False
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    template: str  # the path as the OpenAPI schema writes it
    role: str
    success: int
    build: Callable[[], Request]


def _image(deleted: bool = False):
    image = asset_services.image_create(file_key=stored_file().key, name="Harbour", locales=[{"locale": "en"}])
    return asset_services.image_soft_delete(image=image) if deleted else image


def _category(deleted: bool = False):
    category = category_create(locales=[{"locale": "en", "name": "News"}])
    return category_soft_delete(category=category) if deleted else category


def _reference():
    return reference_create(provider="facebook", external_id="post:42/a b", urn="urn:docs:content:1")


def _ref_path(reference) -> str:
    return quote(f"{reference.provider}:{reference.external_id}", safe=":")


ENDPOINTS = [
    Endpoint("image list", "GET", "/assets/images", "assets:read", 200, lambda: Request("GET", "/assets/images")),
    Endpoint(
        "image create",
        "POST",
        "/assets/images",
        "assets:write",
        201,
        lambda: Request("POST", "/assets/images", {"file_key": stored_file().key, "name": "New"}),
    ),
    Endpoint(
        "image by id",
        "GET",
        "/assets/images/by-id/{id}",
        "assets:read",
        200,
        lambda: Request("GET", f"/assets/images/by-id/{_image().id}"),
    ),
    Endpoint(
        "image by key",
        "GET",
        "/assets/images/by-key/{file_key}",
        "assets:read",
        200,
        lambda: Request("GET", f"/assets/images/by-key/{_image().file.key}"),
    ),
    Endpoint(
        "image by hash",
        "GET",
        "/assets/images/by-hash/{file_hash}",
        "assets:read",
        200,
        lambda: Request("GET", f"/assets/images/by-hash/{_image().file.sha256}"),
    ),
    Endpoint(
        "image delete",
        "DELETE",
        "/assets/images/{id}",
        "assets:write",
        204,
        lambda: Request("DELETE", f"/assets/images/{_image().id}"),
    ),
    Endpoint(
        "image restore",
        "POST",
        "/assets/images/{id}/restore",
        "assets:write",
        200,
        lambda: Request("POST", f"/assets/images/{_image(deleted=True).id}/restore"),
    ),
    Endpoint(
        "image upload",
        "POST",
        "/assets/images/upload",
        "assets:write",
        201,
        lambda: Request(
            "POST",
            "/assets/images/upload",
            {"file": SimpleUploadedFile("a.png", image_bytes(), "image/png")},
            multipart=True,
        ),
    ),
    Endpoint("category list", "GET", "/categories", "categories:read", 200, lambda: Request("GET", "/categories")),
    Endpoint(
        "category create",
        "POST",
        "/categories",
        "categories:write",
        201,
        lambda: Request("POST", "/categories", {"locales": [{"locale": "en", "name": "Sport"}]}),
    ),
    Endpoint(
        "category get",
        "GET",
        "/categories/{id}",
        "categories:read",
        200,
        lambda: Request("GET", f"/categories/{_category().id}"),
    ),
    Endpoint(
        "category patch",
        "PATCH",
        "/categories/{id}",
        "categories:write",
        200,
        lambda: Request("PATCH", f"/categories/{_category().id}", {"is_archived": True}),
    ),
    Endpoint(
        "category delete",
        "DELETE",
        "/categories/{id}",
        "categories:write",
        204,
        lambda: Request("DELETE", f"/categories/{_category().id}"),
    ),
    Endpoint(
        "category restore",
        "POST",
        "/categories/{id}/restore",
        "categories:write",
        200,
        lambda: Request("POST", f"/categories/{_category(deleted=True).id}/restore"),
    ),
    Endpoint(
        "reference create",
        "POST",
        "/references",
        "references:write",
        201,
        lambda: Request("POST", "/references", {"provider": "x", "id": "1", "urn": "urn:docs:content:2"}),
    ),
    Endpoint(
        "reference get",
        "GET",
        "/references/{ref}",
        "references:read",
        200,
        lambda: Request("GET", f"/references/{_ref_path(_reference())}"),
    ),
    Endpoint(
        "reference delete",
        "DELETE",
        "/references/{ref}",
        "references:write",
        204,
        lambda: Request("DELETE", f"/references/{_ref_path(_reference())}"),
    ),
    Endpoint(
        "reference lookup",
        "POST",
        "/references/lookup",
        "references:read",
        200,
        lambda: Request("POST", "/references/lookup", {"refs": ["facebook:post:42/a b", "x:none"]}),
    ),
]

BAD_KEYS = ["no key", "unknown key", "malformed key", "revoked key", "expired key"]
GOOD_KEYS = ["key in header", "key in query"]
SINGLE_ROLES = sorted(ROLES - {"admin"})
COLUMNS = [*BAD_KEYS, *GOOD_KEYS, *SINGLE_ROLES, "admin"]


def expected_status(endpoint: Endpoint, column: str) -> int:
    """The one rule of the matrix (contract §1)."""
    if column in BAD_KEYS:
        return 401
    if column in GOOD_KEYS or column == "admin":
        return endpoint.success
    return endpoint.success if column == endpoint.role else 403


def _key_for(column: str, endpoint: Endpoint) -> tuple[str | None, bool]:
    """(raw key or None, sent in the query string?) for a column."""
    if column == "no key":
        return None, False
    if column == "unknown key":
        return "Unknown1.abcdefghijklmnopqrstuvwxyz012345", False
    if column == "malformed key":
        return "not a key at all", False
    if column == "revoked key":
        api_key, raw = api_key_create(name="revoked", roles=["admin"])
        api_key_revoke(api_key=api_key)
        return raw, False
    if column == "expired key":
        _, raw = APIKey.objects.create_key(name="expired", roles=["admin"], expiry_date=timezone.now() - timedelta(1))
        return raw, False
    if column in GOOD_KEYS:
        return api_key_create(name="right role", roles=[endpoint.role])[1], column == "key in query"
    return api_key_create(name=column, roles=[column])[1], False


def send(request: Request, key: str | None, in_query: bool):
    client = APIClient()
    path = API + request.path
    if key is not None and in_query:
        path += ("&" if "?" in path else "?") + "x-api-key=" + quote(key)
    elif key is not None:
        client.credentials(HTTP_X_API_KEY=key)
    if request.multipart:
        return client.post(path, request.body, format="multipart")
    return getattr(client, request.method.lower())(path, request.body, format="json")


def test_the_table_covers_every_operation_of_the_schema():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    documented = {(method.upper(), path.removeprefix(API)) for path, methods in paths.items() for method in methods}
    assert {(e.method, e.template) for e in ENDPOINTS} == documented


def test_every_role_has_a_column():
    assert set(COLUMNS) >= ROLES


@pytest.mark.django_db
@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_cell(endpoint: Endpoint, column: str):
    request = endpoint.build()
    assert request.method == endpoint.method
    key, in_query = _key_for(column, endpoint)
    before, files_before = db_snapshot(), stored_files()
    response = send(request, key, in_query)
    status = expected_status(endpoint, column)
    assert response.status_code == status, response.content[:300]
    if status == 401:
        assert response.json() == UNAUTHORIZED
        assert "WWW-Authenticate" in response.headers
    elif status == 403:
        assert response.json() == FORBIDDEN
    if status in (401, 403):
        after = db_snapshot()
        after.pop("core.APIKey")  # only last_used_at may change, never the count
        before.pop("core.APIKey")
        assert after == before
        assert stored_files() == files_before


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        if record.exc_info and not record.exc_text:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


LOGGERS = ["", "django", "django.request", "django.server", "django.security", "backoffice", "backoffice.api"]


@pytest.fixture
def every_log_line():
    """Every record of the loggers the project writes to, raw (before any handler's filter)."""
    handler = _Collect()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    saved = {}
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved[name] = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield handler.lines
    for name in LOGGERS:
        logging.getLogger(name).removeHandler(handler)
        logging.getLogger(name).setLevel(saved[name])


@pytest.mark.django_db
def test_a_key_in_the_query_string_never_reaches_a_log_line(make_key, every_log_line, monkeypatch):
    reader, admin = make_key("assets:read"), make_key("admin")
    secrets = [reader.split(".", 1)[1], admin.split(".", 1)[1]]
    client = APIClient(raise_request_exception=False)
    answers = [
        client.get(f"{API}/assets/images?x-api-key={reader}").status_code,  # 200
        client.get(f"{API}/no-such-endpoint?x-api-key={reader}").status_code,  # 404 (unknown URL)
        client.get(f"{API}/assets/images/by-id/{'0' * 8}-0000-0000-0000-{'0' * 12}?x-api-key={reader}").status_code,
        client.get(f"{API}/assets/images/by-id/nope?x-api-key={reader}").status_code,  # 400
        client.get(f"{API}/categories?x-api-key={reader}").status_code,  # 403
        client.delete(f"{API}/assets/images/by-id/x?x-api-key={admin}").status_code,  # 405
        client.get(f"{API}/assets/images?x-api-key={reader}x").status_code,  # 401 (a near miss of the key)
    ]

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("assets.selectors.image_list", explode)
    answers.append(client.get(f"{API}/assets/images?x-api-key={reader}").status_code)  # 500
    assert answers == [200, 404, 404, 400, 403, 405, 401, 500]
    text = "\n".join(every_log_line)
    assert "Internal Server Error" in text or "Unhandled error" in text
    assert "Not Found" in text and "Forbidden" in text
    assert "Method Not Allowed" in text
    for secret in secrets:
        assert secret not in text


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["gunicorn", "runserver"])
def test_a_server_process_never_writes_a_query_key(tmp_path, kind):
    """Everything a real server writes (access lines and application logs) for requests with ?x-api-key=."""
    from django.db import connection

    from tests.reliability.helpers import http, server_process

    if connection.vendor != "postgresql":
        pytest.skip("Server processes need the PostgreSQL test database (SQLite's lives in this process's memory)")
    _, key = api_key_create(name="logs", roles=["assets:read"])
    log = tmp_path / "server.log"
    with server_process(log, kind=kind) as base:
        statuses = [
            http("GET", f"{base}{API}/assets/images?limit=1&x-api-key={quote(key)}")[0],
            http("GET", f"{base}{API}/no-such-endpoint?x-api-key={quote(key)}")[0],
            http("GET", f"{base}{API}/categories?x-api-key={quote(key)}")[0],
            http("GET", f"{base}{API}/assets/images?x-api-key={quote(key)}x")[0],
        ]
    assert statuses == [200, 404, 403, 401]
    written = log.read_text()
    assert f"{API}/no-such-endpoint" in written  # the access lines are there
    assert key.split(".", 1)[1] not in written
