"""What the benchmark's modules share: paths, the API prefix, the production-like settings, the run sizes."""

import io
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "tools" / "bench" / "results"
API = "/api/core/v2"
SECRET_KEY = "benchmark-only-secret-key-not-used-anywhere-else-0123456789"
# Far above anything two cores can serve: throttling never answers 429 (contract §2 stays on).
RATE_LIMIT = "100000000/s"
# The README's production setup shares the key cache and the rate limits through Redis; database 7 is the benchmark's.
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/7"


@dataclass(frozen=True)
class Size:
    images: int
    spares: int
    categories: int
    references: int
    duration: int  # seconds per measured phase
    rounds: int
    uploads_1mb: int
    uploads_25mb: int


# Short phases, many alternations: a burst of other work on the machine weighs on both servers alike.
FULL = Size(100_000, 60_000, 1_000_000, 100_000, duration=3, rounds=6, uploads_1mb=20, uploads_25mb=10)
QUICK = Size(5_000, 3_000, 20_000, 5_000, duration=2, rounds=1, uploads_1mb=4, uploads_25mb=2)


def wsgi_environ(*, method: str, path: str, query: str = "", body: bytes = b"", key: str = "") -> dict:
    """A request to the WSGI application without HTTP (JSON body, `x-api-key` when given)."""
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "HTTP_HOST": "127.0.0.1",
    }
    if key:
        env["HTTP_X_API_KEY"] = key
    return env


# --- what /proc tells of a process (Linux) ----------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (OSError when there is no such process here)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_kib(pid: int, field_name: str) -> int:
    """A memory figure of /proc/<pid>/status in KiB (VmRSS, VmHWM, ...)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise LookupError(field_name)


def child_pids(pid: int) -> list[int]:
    """The processes a process started (gunicorn's master: its workers)."""
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
