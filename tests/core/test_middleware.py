"""core.middleware: sessions, the logged-in user and messages for the admin, not for the API."""

import pytest
from django.urls import get_resolver

from core.middleware import API_DOCS_PATH, is_api_request
from tests.utils import assert_error

pytestmark = pytest.mark.django_db

API = "/api/core/v2"


def test_an_api_request_gets_no_session_user_or_messages(api):
    response = api.get(f"{API}/references/x:1")
    assert response.status_code == 404
    request = response.wsgi_request
    assert not hasattr(request, "session")
    assert not hasattr(request, "_messages")
    assert "sessionid" not in response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_an_admins_session_cookie_does_not_open_the_api(admin_client):
    response = admin_client.get(f"{API}/references/x:1")
    assert_error(response, 401, "Unauthorized API KEY")


def test_the_admin_still_has_its_session_user_and_messages(admin_client, admin_user):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    request = response.wsgi_request
    assert request.session.session_key
    assert request.user == admin_user
    assert hasattr(request, "_messages")


@pytest.mark.parametrize(
    "path, expected",
    [("/api/core/v2/references/x:1", True), ("/api/", True), ("/admin/", False), ("/healthz", False), ("/apix", False)],
)
def test_is_api_request(rf, path, expected):
    assert is_api_request(rf.get(path)) is expected


def test_the_docs_path_is_where_the_urlconf_serves_the_docs():
    assert API_DOCS_PATH == "/" + get_resolver().reverse("api-docs")


class TestContentSecurityPolicy:
    """The admin and the API docs carry a Content-Security-Policy; the API's JSON does not need one."""

    @staticmethod
    def directives(response) -> dict[str, list[str]]:
        policy = response["Content-Security-Policy"]
        return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}

    @pytest.mark.parametrize("path", ["/admin/", "/admin/core/apikey/", "/admin/categories/category/add/"])
    def test_admin_pages(self, admin_client, path):
        response = admin_client.get(path)
        assert response.status_code == 200
        policy = self.directives(response)
        assert policy["script-src"] == ["'self'"]  # no inline script, no eval
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["default-src"] == ["'self'"]

    def test_the_login_page(self, client):
        assert self.directives(client.get("/admin/login/"))["script-src"] == ["'self'"]

    def test_the_api_docs_page_loads_its_script_from_a_file(self, client):
        response = client.get(f"{API}/docs/")
        assert response.status_code == 200
        assert self.directives(response)["script-src"] == ["'self'"]
        page = response.content.decode()
        assert "<script>" not in page  # the init script is a file of its own: CSP allows no inline script
        assert f"{API}/docs/?script=" in page or f"{API}/docs/?script" in page

    def test_api_json_is_left_alone(self, api):
        assert "Content-Security-Policy" not in api.get(f"{API}/assets/images")
