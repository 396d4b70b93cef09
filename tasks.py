#!/usr/bin/env python3
"""The project's two set-up commands; needs only Python 3.11+ and pip.

    python3 tasks.py run    # venv, install, migrate SQLite, demo admin + API key, server on 127.0.0.1:8000
    python3 tasks.py test   # venv, install, the whole test suite (extra arguments go to pytest)

Both create `.venv/` and install `requirements.txt` into it when it changed.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / ".requirements.sha256"


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


def run() -> None:
    ensure_venv()
    env = {**os.environ}
    env.setdefault("DEBUG", "1")  # local trial: dev SECRET_KEY, static files served by runserver
    manage = [str(PYTHON), "manage.py"]
    sh(*manage, "migrate", "--no-input", env=env)
    sh(*manage, "setup_demo", env=env)
    sh(*manage, "runserver", "127.0.0.1:8000", env=env)


def test(args: list[str]) -> None:
    ensure_venv()
    sh(str(PYTHON), "-m", "pytest", *args)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"run", "test"}:
        print(__doc__)
        sys.exit(2)
    if sys.argv[1] == "run":
        run()
    else:
        test(sys.argv[2:])


if __name__ == "__main__":
    main()
