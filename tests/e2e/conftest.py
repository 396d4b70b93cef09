"""Fixtures of the admin's browser tests (the browser itself is tests/conftest.py's `browser`)."""

import os
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    folder = Path(os.environ.get("E2E_SCREENSHOTS", Path(__file__).resolve().parents[2] / "screenshots"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"\nscreenshots: {folder}")
    return folder


PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def editor():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("editor", "editor@example.com", PASSWORD)


@pytest.fixture
def page(browser, live_server, editor):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def fill(page, fields: dict[str, str]) -> None:
    """Type each value into the field its selector names."""
    for selector, value in fields.items():
        page.fill(selector, value)


def log_in(page) -> None:
    page.goto("/admin/login/?next=/admin/")
    fill(page, {"#id_username": "editor", "#id_password": PASSWORD})
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
