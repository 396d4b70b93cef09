"""Settings come from the environment and refuse an unsafe production start (STYLE §8)."""

import subprocess

import pytest
from django.core.management import call_command

from tests.utils import run_python


def import_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings module in a fresh interpreter with only the given environment."""
    code = "import backoffice.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])"
    return run_python("-c", code, env=env)


class TestSecretKey:
    def test_debug_off_without_secret_key_fails(self):
        result = import_settings()
        assert result.returncode != 0
        assert "SECRET_KEY must be set" in result.stderr

    def test_debug_off_with_empty_secret_key_fails(self):
        result = import_settings(SECRET_KEY="")
        assert result.returncode != 0
        assert "SECRET_KEY must be set" in result.stderr

    def test_debug_off_with_a_secret_key_starts(self):
        result = import_settings(SECRET_KEY="a-real-secret")
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[0] == "False"

    def test_debug_on_without_secret_key_starts(self):
        result = import_settings(DEBUG="1")
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[0] == "True"

    def test_defaults_are_sqlite_and_debug_off(self):
        result = import_settings(SECRET_KEY="x")
        assert result.stdout.split() == ["False", "django.db.backends.sqlite3"]

    def test_database_url_selects_postgresql(self):
        result = import_settings(SECRET_KEY="x", DATABASE_URL="postgres://u@db:5432/name")
        assert result.stdout.split()[1] == "django.db.backends.postgresql"


@pytest.mark.django_db
def test_models_and_migrations_agree():
    # Exits with status 1 when a migration is missing.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
