"""core.middleware: sessions, the logged-in user and messages for the admin, not for the API."""

import pytest

from core.middleware import is_api_request

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
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized API KEY"}


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
