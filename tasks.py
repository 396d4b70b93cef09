#!/usr/bin/env python3
"""The project's two set-up commands; needs only Python 3.11+ and pip.

    python3 tasks.py run [--port 8001]  # venv, install, migrate SQLite, demo admin + API key, server on 127.0.0.1:8000
    python3 tasks.py test               # venv, install, the whole test suite (extra arguments go to pytest)

Both create `.venv/` and install `requirements.txt` into it when it changed.
`run` also writes `.env.local` once (untracked: a generated SECRET_KEY and
DEBUG=1), which the settings read, so that `.venv/bin/python manage.py ...`
works in any shell afterwards.
"""

import argparse
import errno
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / ".requirements.sha256"
LOCAL_ENV = ROOT / ".env.local"
HOST = "127.0.0.1"


def sh(*args: str, env: dict | None = None) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_venv() -> None:
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != digest:
        print("Installing requirements ...", flush=True)
        sh(str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", str(REQUIREMENTS))
        STAMP.write_text(digest)


def port_in_use(port: int) -> bool:
    """Whether something already listens on HOST:port (a bind as the server would do it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the development server does: a port left in TIME_WAIT is free, one being listened on is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def write_local_env() -> None:
    """Write `.env.local` once: a generated SECRET_KEY and DEBUG=1, for this machine only."""
    if LOCAL_ENV.exists():
        return
    content = (
        "# Written once by `python3 tasks.py run` for local use; never commit it, never copy it to a server.\n"
        "# The settings read it when present; variables set in the environment win.\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        "DEBUG=1\n"
    )
    fd = os.open(LOCAL_ENV, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    print(f"Wrote {LOCAL_ENV.name} (local SECRET_KEY and DEBUG=1; untracked).", flush=True)


def run(args: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python3 tasks.py run", description="Set up and start the backoffice.")
    parser.add_argument("--port", type=int, default=8000, help="port of the development server (default: 8000)")
    options = parser.parse_args(args)
    # Before anything changes (migrations, demo user, key): a second run while the first serves stops here.
    if port_in_use(options.port):
        print(
            f"Port {options.port} on {HOST} is already in use (another `tasks.py run` still serving?).\n"
            f"Nothing was changed. Use that server, stop it, or start on another port: "
            f"python3 tasks.py run --port {options.port + 1}",
            file=sys.stderr,
        )
        sys.exit(1)
    ensure_venv()
    write_local_env()
    manage = [str(PYTHON), "manage.py"]
    sh(*manage, "migrate", "--no-input")
    sh(*manage, "setup_demo", "--base-url", f"http://{HOST}:{options.port}")
    sh(*manage, "runserver", f"{HOST}:{options.port}")


def test(args: list[str]) -> None:
    ensure_venv()
    sh(str(PYTHON), "-m", "pytest", *args)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        sys.exit(2)
    if sys.argv[1] == "run":
        run(sys.argv[2:])
    else:
        test(sys.argv[2:])


if __name__ == "__main__":
    main()
