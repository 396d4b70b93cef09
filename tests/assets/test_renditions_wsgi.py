"""Cached hits answered at the WSGI level (assets/renditions/wsgi.py): the view's answer, with less work."""

import io
import sys
from unittest import mock

import pytest
from django.core import signals
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import close_old_connections

from assets import services as image_services
from assets.models import Rendition
from assets.renditions import engine, wsgi
from assets.renditions.wsgi import RenditionApplication
from backoffice.wsgi import application, django_application
from tests.assets.renditions_helpers import encode, path_of, stripes, upload_image
from tests.utils import API

pytestmark = pytest.mark.django_db


def call(app, path: str, method: str = "GET", **headers) -> tuple[str, dict, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }
    started = []
    # As Django's test client does: closing "old" connections would close the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with mock.patch("assets.renditions.wsgi.check_connection"):
            body = app(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
            try:
                content = b"".join(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    status, header_list = started[0]
    return status, dict(header_list), content


def django_never_called(environ, start_response):
    raise AssertionError("the request went to Django")


def rendered_path(api, spec: str = "card.webp") -> tuple:
    image = upload_image(encode(stripes(), "PNG"))
    response = api.get(f"{API}/assets/images/by-id/{image.id}", {"renditions": spec})
    path = path_of(response.json()["data"]["renditions"][spec]["url"])
    assert call(django_application, path)[0] == "200 OK"  # the first hit renders, through the view
    return image, path


def test_a_cached_hit_answers_what_the_view_answers(api):
    _, path = rendered_path(api)
    fast = RenditionApplication(django_never_called)
    status, headers, body = call(fast, path)
    assert (status, headers, body) == call(django_application, path)
    assert headers["Content-Type"] == "image/webp" and headers["Content-Length"] == str(len(body))
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = headers["ETag"]
    head = call(fast, path, "HEAD")
    assert head == call(django_application, path, "HEAD")
    assert head[0] == "200 OK" and head[1]["Content-Length"] == str(len(body)) and head[2] == b""
    not_modified = call(fast, path, If_None_Match=etag)
    assert not_modified == call(django_application, path, If_None_Match=etag)
    assert not_modified[0] == "304 Not Modified" and not_modified[2] == b""
    assert call(application, path) == (status, headers, body)


def test_a_cached_hit_is_one_query_and_never_asks_storage_whether_the_file_exists(
    api, django_assert_num_queries, monkeypatch
):
    _, path = rendered_path(api)
    monkeypatch.setattr(FileSystemStorage, "exists", mock.Mock(side_effect=AssertionError("exists() on a hit")))
    monkeypatch.setattr(engine, "render", mock.Mock(side_effect=AssertionError("rendered on a hit")))
    with django_assert_num_queries(1):
        status, _, body = call(RenditionApplication(django_never_called), path)
    assert status == "200 OK" and body


def test_a_cached_hit_checks_its_database_connection_before_and_after_as_django_does(api):
    _, path = rendered_path(api)
    checks = []
    with mock.patch("assets.renditions.wsgi.check_connection", side_effect=lambda: checks.append("check")):
        status = call_unpatched(RenditionApplication(django_never_called), path)
    assert status == "200 OK" and checks == ["check", "check"]


def test_check_connection_is_djangos_check_of_the_default_connection():
    connection = mock.Mock()
    with mock.patch("assets.renditions.wsgi.connections", {"default": connection}):
        wsgi.check_connection()
    connection.close_if_unusable_or_obsolete.assert_called_once_with()


def call_unpatched(app, path: str) -> str:
    """The status of a GET through `app`, without call()'s stand-in for the connection check."""
    started = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr}
    body = app(environ, lambda status, headers, exc_info=None: started.append(status))
    b"".join(body)
    body.close()
    return started[0]


def test_a_url_that_does_not_verify_goes_to_the_view_before_any_query_or_storage_access(
    api, django_assert_num_queries, monkeypatch
):
    _, path = rendered_path(api)
    tampered = path.replace("fill-800x450", "fill-800x451")
    for method in ("open", "exists", "path"):
        monkeypatch.setattr(FileSystemStorage, method, mock.Mock(side_effect=AssertionError(method)))
    for bad in (tampered, "/r/", "/r/nothing", "/r/" + "A" * 43 + "/x.webp"):
        with django_assert_num_queries(0):
            status, headers, body = call(application, bad)
        assert status.startswith("403") and headers["Content-Type"] == "application/json", bad


def test_a_soft_deleted_image_is_a_404_at_once_and_served_again_once_restored(api):
    image, path = rendered_path(api)
    assert call(application, path)[0] == "200 OK"
    image_services.image_soft_delete(image=image)
    status, headers, _ = call(application, path)
    assert status.startswith("404") and headers["Cache-Control"] == "no-store"
    image.refresh_from_db()
    image_services.image_restore(image=image)
    assert call(RenditionApplication(django_never_called), path)[0] == "200 OK"


def test_a_file_missing_from_storage_goes_to_the_view_which_renders_it_again(api):
    _, path = rendered_path(api)
    _, _, body = call(application, path)
    default_storage.delete(Rendition.objects.get().key)
    status, _, again = call(application, path)
    assert status == "200 OK" and again == body
    assert Rendition.objects.count() == 1


def test_other_methods_and_other_paths_go_to_django(api):
    _, path = rendered_path(api)
    status, headers, _ = call(application, path, "POST")
    assert status.startswith("405") and headers["Allow"] == "GET, HEAD"
    assert call(application, f"{API}/health")[0] == call(django_application, f"{API}/health")[0]
