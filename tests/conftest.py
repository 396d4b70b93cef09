"""Fixtures shared by every test module."""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from core.services import api_key_create


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test: files in its own folder, an empty cache (keys, rate limits)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_key(db):
    """make_key("assets:read", ...) → the raw key of a new API key with those roles."""

    def make(*roles: str, **kwargs) -> str:
        _, key = api_key_create(name=kwargs.pop("name", "test"), roles=list(roles) or ["admin"], **kwargs)
        return key

    return make


@pytest.fixture
def admin_key(make_key) -> str:
    return make_key("admin")


@pytest.fixture
def client_for():
    """client_for(key) → an APIClient sending that key in the x-api-key header."""

    def make(key: str | None = None) -> APIClient:
        client = APIClient()
        if key is not None:
            client.credentials(HTTP_X_API_KEY=key)
        return client

    return make


@pytest.fixture
def api(client_for, admin_key) -> APIClient:
    """An API client with an admin key."""
    return client_for(admin_key)


# Playwright driving Debian's Chromium (browser downloads are not possible here). One browser for
# the whole run: the admin's tests (tests/e2e) and the hostile markup's (tests/security) share it,
# since Playwright's sync API runs one event loop per thread.
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set E2E_CHROMIUM)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls
    # the test makes between browser steps are plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
