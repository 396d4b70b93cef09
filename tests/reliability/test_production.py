"""Production settings (issue 7, item 9): check --deploy, security headers, the admin behind login and CSRF."""

import re
import secrets
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from categories.models import Category
from tests.reliability.helpers import ROOT
from tests.utils import API, run_python

# Stand-ins for the README's elided values (`…`); check --deploy connects to none of them.
STAND_INS = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DATABASE_URL": "postgres://backoffice@db.example:5432/backoffice",
    "S3_BUCKET": "backoffice-assets",
    "S3_ENDPOINT_URL": "https://s3.example",
    "S3_ACCESS_KEY_ID": "access-key",
    "S3_SECRET_ACCESS_KEY": "secret-key",
}


def readme_production_env() -> dict[str, str]:
    """The variables exported in the README's "Running in production" block."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running in production", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    exported = block.split("export", 1)[1].split("\n.venv", 1)[0].replace("\\\n", " ")
    env = {}
    for name, value in re.findall(r"([A-Z][A-Z0-9_]*)=(\S+)", exported):
        env[name] = STAND_INS[name] if "…" in value else value
    return env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_python("manage.py", *args, env=env, timeout=120)


class TestCheckDeploy:
    def test_the_readme_documents_the_production_essentials(self):
        env = readme_production_env()
        assert {"SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"} <= set(env)
        assert env.get("DEBUG", "false").lower() in {"0", "false", "no", "off"}

    def test_check_deploy_is_clean_with_the_readme_environment(self):
        env = readme_production_env()
        result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
        assert result.returncode == 0, result.stderr + result.stdout
        assert "no issues" in result.stdout

    def test_check_deploy_warns_without_the_production_variables(self):
        # The control: the same command does find problems in a bare configuration.
        result = run_manage("check", "--deploy", "--fail-level", "WARNING", env={"SECRET_KEY": "short"})
        assert result.returncode != 0
        assert "security.W004" in result.stderr  # no HSTS
        assert "security.W009" in result.stderr  # weak SECRET_KEY

    def test_debug_is_off_and_cookies_secure_in_that_environment(self):
        env = readme_production_env()
        code = (
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'backoffice.settings'; django.setup(); "
            "from django.conf import settings as s; "
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
            "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER is not None)"
        )
        result = run_python("-c", code, env=env)
        assert result.stdout.split() == ["False", "True", "True", "True", "31536000", "True"], result.stderr


SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/healthz", f"{API}/assets/images", f"{API}/nope", f"{API}/openapi.json", "/admin/login/", "/nowhere"]
)
def test_security_headers_on_every_kind_of_response(client, path):
    response = client.get(path)
    for header, value in SECURITY_HEADERS.items():
        assert response.headers.get(header) == value, (path, header)


@pytest.mark.django_db
class TestTransportSecurity:
    def test_hsts_on_https_responses(self, settings):
        settings.SECURE_HSTS_SECONDS = 31536000
        settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
        response = Client().get("/healthz", secure=True)
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"

    def test_plain_http_is_redirected_to_https(self, settings):
        settings.SECURE_SSL_REDIRECT = True
        response = Client().get(f"{API}/assets/images?limit=2")
        assert response.status_code == 301
        assert response["Location"] == f"https://testserver{API}/assets/images?limit=2"

    def test_behind_the_tls_proxy_the_forwarded_scheme_counts(self, settings):
        settings.SECURE_SSL_REDIRECT = True
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        assert Client().get("/healthz", HTTP_X_FORWARDED_PROTO="https").status_code == 200


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser("editor", "editor@example.com", "a-long-password-1")


@pytest.mark.django_db
class TestAdmin:
    @pytest.mark.parametrize("path", ["/admin/", "/admin/core/apikey/", "/admin/categories/category/add/"])
    def test_every_admin_page_needs_a_login(self, client, path):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")

    def test_a_login_without_the_csrf_token_is_403(self, staff):
        client = Client(enforce_csrf_checks=True)
        response = client.post("/admin/login/", {"username": "editor", "password": "a-long-password-1"})
        assert response.status_code == 403
        assert "_auth_user_id" not in client.session

    def test_a_login_with_the_csrf_token_works(self, staff):
        client = Client(enforce_csrf_checks=True)
        client.get("/admin/login/")
        token = client.cookies["csrftoken"].value
        response = client.post(
            "/admin/login/",
            {"username": "editor", "password": "a-long-password-1", "csrfmiddlewaretoken": token, "next": "/admin/"},
        )
        assert response.status_code == 302
        assert client.get("/admin/").status_code == 200

    def test_a_logged_in_post_without_the_csrf_token_is_403_and_changes_nothing(self, staff):
        client = Client(enforce_csrf_checks=True)
        client.force_login(staff)
        response = client.post(
            "/admin/categories/category/add/",
            {"is_archived": "on", "locales-TOTAL_FORMS": "0", "locales-INITIAL_FORMS": "0"},
        )
        assert response.status_code == 403
        assert Category.all_objects.count() == 0

    def test_a_wrong_password_does_not_log_in(self, staff, client):
        response = client.post("/admin/login/", {"username": "editor", "password": "wrong"})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
