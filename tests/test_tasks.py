"""tasks.py: the local settings file it writes once, and a second run while the first serves."""

import importlib.util
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def tasks(tmp_path, monkeypatch):
    """tasks.py as a module, its local file redirected into tmp_path."""
    spec = importlib.util.spec_from_file_location("tasks_under_test", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "LOCAL_ENV", tmp_path / ".env.local")
    return module


@pytest.fixture
def listening_port():
    """A port something listens on, as a first `tasks.py run` would."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python manage.py ...` in a fresh interpreter with nothing but PATH and the given environment."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestLocalEnvFile:
    def test_is_written_once_with_a_generated_secret_and_debug(self, tasks):
        tasks.write_local_env()
        first = tasks.LOCAL_ENV.read_text()
        tasks.write_local_env()
        assert tasks.LOCAL_ENV.read_text() == first
        values = dict(line.split("=", 1) for line in first.splitlines() if line and not line.startswith("#"))
        assert values["DEBUG"] == "1"
        assert len(values["SECRET_KEY"]) >= 50
        assert stat.S_IMODE(tasks.LOCAL_ENV.stat().st_mode) == 0o600

    def test_two_machines_get_two_secrets(self, tasks, tmp_path):
        tasks.write_local_env()
        first = tasks.LOCAL_ENV.read_text()
        tasks.LOCAL_ENV = tmp_path / "other"
        tasks.write_local_env()
        assert tasks.LOCAL_ENV.read_text() != first

    def test_staff_commands_work_with_it_and_nothing_else_set(self, tasks, tmp_path):
        tasks.write_local_env()
        db = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        env = {"LOCAL_ENV_FILE": str(tasks.LOCAL_ENV), "DATABASE_URL": db}
        assert manage("migrate", "--no-input", **env).returncode == 0
        created = manage("create_api_key", "--name", "website", "--roles", "assets:read", **env)
        assert created.returncode == 0, created.stderr
        listed = manage("list_api_keys", **env)
        assert listed.returncode == 0, listed.stderr
        assert "website" in listed.stdout
        purged = manage("purge_expired_references", "--dry-run", **env)
        assert purged.returncode == 0, purged.stderr

    def test_without_it_production_still_refuses_to_start(self, tmp_path):
        result = manage("check", LOCAL_ENV_FILE=str(tmp_path / "absent"))
        assert result.returncode != 0
        assert "SECRET_KEY must be set when DEBUG is off" in result.stderr

    def test_the_environment_wins_over_it(self, tasks):
        tasks.write_local_env()
        result = subprocess.run(
            [sys.executable, "-c", "from backoffice import settings as s; print(s.DEBUG, s.SECRET_KEY)"],
            cwd=ROOT,
            env={
                "PATH": os.environ.get("PATH", ""),
                "LOCAL_ENV_FILE": str(tasks.LOCAL_ENV),
                "DEBUG": "0",
                "SECRET_KEY": "from-the-environment",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.stdout.split() == ["False", "from-the-environment"], result.stderr

    def test_is_ignored_by_git(self):
        if shutil.which("git") is None or not (ROOT / ".git").exists():
            pytest.skip("not a git checkout")
        result = subprocess.run(["git", "check-ignore", ".env.local"], cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0


class TestPort:
    def test_a_port_being_listened_on_is_in_use(self, tasks, listening_port):
        assert tasks.port_in_use(listening_port)

    def test_a_free_port_is_not(self, tasks):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        assert not tasks.port_in_use(port)

    def test_a_second_run_stops_before_changing_anything(self, tmp_path, listening_port):
        # A copy of tasks.py alone: whatever it would set up (venv, local file, database) lands in tmp_path.
        shutil.copy(ROOT / "tasks.py", tmp_path / "tasks.py")
        result = subprocess.run(
            [sys.executable, "tasks.py", "run", "--port", str(listening_port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1
        assert f"Port {listening_port} on 127.0.0.1 is already in use" in result.stderr
        assert f"python3 tasks.py run --port {listening_port + 1}" in result.stderr
        assert sorted(path.name for path in tmp_path.iterdir()) == ["tasks.py"]
