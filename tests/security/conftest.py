"""The e2e tests' headless Chromium (skipped with its reason when it is missing)."""

from tests.e2e.conftest import browser  # noqa: F401 (a fixture, used by name)
