"""Small helpers for tests: in-memory images and API calls with a key."""

import io

from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 6), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    mode = "RGB" if fmt in {"JPEG", "WEBP"} else "RGBA" if fmt == "PNG" else "P"
    Image.new(mode, size, color if mode != "P" else 1).save(buffer, format=fmt)
    return buffer.getvalue()


API = "/api/core/v2"


def run_together(target, count: int, timeout: float) -> None:
    """`target(index)` in `count` threads at once; returns when all have ended (or `timeout` passed for each)."""
    import threading

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)


def run_python(*args: str, env: dict[str, str], timeout: float = 60):
    """`python <args>` at the project's root in a fresh environment: PATH and `env` only.

    LOCAL_ENV_FILE="": not the developer's .env.local (tasks.py run), which sets DEBUG.
    """
    import os
    import subprocess
    import sys
    from pathlib import Path

    return subprocess.run(
        [sys.executable, *args],
        cwd=Path(__file__).resolve().parents[1],
        env={"PATH": os.environ.get("PATH", ""), "LOCAL_ENV_FILE": "", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_error(response, status: int, error: str) -> None:
    """An error answer with no details: the status and the contract's one `error` for it."""
    assert response.status_code == status
    assert response.json() == {"error": error}
