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
