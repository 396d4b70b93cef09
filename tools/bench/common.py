"""What the benchmark's modules share: paths, the API prefix, the production-like settings, the run sizes."""

import io
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
