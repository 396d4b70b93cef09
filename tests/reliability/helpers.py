"""Helpers of the reliability tests: what the database and storage hold, and server processes."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = ("core", "assets", "categories", "references", "auth", "auditlog")


def db_snapshot() -> dict[str, tuple[int, int]]:
    """Per model of the project: (rows, live rows) — live is rows for models without soft delete."""
    snapshot = {}
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model._meta.swapped or model._meta.proxy:
            continue
        manager = model._base_manager
        total = manager.count()
        has_deleted_at = any(field.name == "deleted_at" for field in model._meta.fields)
        live = manager.filter(deleted_at__isnull=True).count() if has_deleted_at else total
        snapshot[model._meta.label] = (total, live)
    return snapshot


def stored_files() -> set[str]:
    """Every file under the (per-test) MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return set()
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The URL of the database the tests run on (PostgreSQL), for a server in another process."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer {url} within {timeout}s:\n{log.read_text()[-3000:]}")


@contextmanager
def server_process(log: Path, *, kind: str = "gunicorn", env: dict | None = None) -> Iterator[str]:
    """A real server (gunicorn with the project's config, or runserver) on a random port; yields its base URL.

    It uses the test database (PostgreSQL only: SQLite's test database lives in memory
    inside the test process) and the test's MEDIA_ROOT; stdout and stderr go to `log`.
    The process group is stopped on exit, whatever happened.
    """
    port = free_port()
    full_env = {
        "PATH": os.environ.get("PATH", ""),
        "LOCAL_ENV_FILE": "",  # not a developer's .env.local (DEBUG on)
        "SECRET_KEY": "reliability-tests-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(),
        "DB_CONN_MAX_AGE": "0",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    if kind == "gunicorn":
        command = [str(Path(sys.executable).parent / "gunicorn"), "backoffice.wsgi", "-c", "gunicorn.conf.py"]
    else:
        command = [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/healthz", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


def http(method: str, url: str, headers: dict | None = None, body: bytes | None = None) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request to a server process; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
