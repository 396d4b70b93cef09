"""The benchmark: the API under gunicorn against a plain-Django baseline, on a full PostgreSQL database.

    .venv/bin/python -m tools.bench.run            # full run (about 8 minutes; the first fill adds about 4)
    .venv/bin/python -m tools.bench.run --quick    # smoke run on a small database (about 2 minutes)

1. Fills a dedicated PostgreSQL database (created if missing) with 100,000
   images (two locales each, their stored-file records), 1,000,000 categories
   (two locales each) and 100,000 references, with SQL; a filled one is reused.
2. Starts the project under gunicorn with production settings (DEBUG off,
   gunicorn.conf.py) and, beside it, the baseline (tools/bench/baseline: plain
   Django views, no DRF, no auth, no middleware) under the same gunicorn
   settings. API_RATE_LIMIT is set very high so that throttling never answers
   429 (its bookkeeping still runs on every request).
3. Drives each endpoint with wrk (one thread, 32 connections, `apt-get install -y wrk`),
   API and baseline alternating in short rounds; the ratio is the median of the rounds'.
4. Prints requests/s, p50 and p99 latency, database queries per request
   (counted in this process on the same code path, with CaptureQueriesContext),
   the ratio to the baseline, and the CPU time of one request of each
   (tools.bench.inprocess); then upload time, throughput and the peak
   memory growth of the server process for 1 MB and 25 MB JPEG uploads,
   against hashing and writing the same bytes to the same storage directory
   without Django.

Results are also written to tools/bench/results/run-<time>.json.
"""

import argparse
import http.client
import io
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

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


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small database (bench_quick), 2 s phases, one round")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: .../bench, or .../bench_quick with --quick)")
    parser.add_argument("--duration", type=int, help="seconds per measured phase (default: 3, quick: 2)")
    parser.add_argument("--rounds", type=int, help="API/baseline alternations per endpoint (default: 6, quick: 1)")
    # Enough connections to keep every gunicorn worker busy: with 8, a worker often got most of
    # them (each worker accepts what it can) and a phase ran at half speed, at random.
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (default: %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, both servers (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (default: %(default)s)")
    parser.add_argument(
        "--only", help="comma-separated endpoint names to run, 'uploads' for the uploads (default: all)"
    )
    parser.add_argument(
        "--cache-url",
        default=DEFAULT_CACHE_URL,
        help="CACHE_URL of both servers, as in production (default: %(default)s when it answers; '' for local memory)",
    )
    parser.add_argument("--no-uploads", action="store_true", help="skip the upload measurements")
    parser.add_argument(
        "--warm-memory-mib",
        type=int,
        default=1024,
        help="memory touched once before the uploads, 0 for none (default: %(default)s; see warm_memory)",
    )
    parser.add_argument("--no-cpu", action="store_true", help="skip the in-process CPU time per request")
    parser.add_argument("--refill", action="store_true", help="rebuild the data even if the counts match")
    parser.add_argument(
        "--profile", metavar="DIR", help="record a py-spy profile of one API worker per API phase into DIR"
    )
    return parser.parse_args()


# --- setup -----------------------------------------------------------------------------------------


def redis_answers(url: str) -> bool:
    """Whether a Redis server answers at `url` (then its benchmark database is emptied)."""
    if not url.startswith("redis://"):
        return False
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.flushdb()
        return True
    except Exception:  # any failure: run with the local-memory cache and say so
        return False


def server_env(
    database_url: str, cache_url: str, media_root: Path, workers: int, threads: int, connections: int
) -> dict[str, str]:
    """Production settings for both servers (and this process, which adds `testserver`)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GUNICORN_")) and key not in {"DEBUG", "CACHE_URL", "S3_BUCKET"}
    }
    env.update(
        DATABASE_URL=database_url,
        CACHE_URL=cache_url,
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        API_RATE_LIMIT=RATE_LIMIT,
        MEDIA_ROOT=str(media_root),
        GUNICORN_WORKERS=str(workers),
        GUNICORN_THREADS=str(threads),
        # wrk opens its connections at once and keeps them: the worker that woke first took most
        # of them, and a phase ran at the speed of one worker, at random (paired rounds of 0.4 and
        # 1.6). Each worker takes at most its share, as behind a proxy that spreads the load.
        GUNICORN_WORKER_CONNECTIONS=str(-(-connections // workers)),
        PYTHONPATH=str(ROOT),
    )
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["ALLOWED_HOSTS"] += ",testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "backoffice.settings"
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit("wrk is needed to drive the load: install it with `apt-get install -y wrk` (Debian), then run again.")
    return path


def make_api_key() -> str:
    from core.models import APIKey

    APIKey.objects.filter(name="benchmark").delete()
    _key, raw = APIKey.objects.create_key(name="benchmark", roles=["admin"])
    return raw


# --- what the endpoints read ---------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    api_paths: list[str]
    base_paths: list[str]
    method: str = "GET"
    api_bodies: list[str] = field(default_factory=list)
    base_bodies: list[str] = field(default_factory=list)
    # Image create: the body names one of these spare file keys per request (`%KEY%`).
    spare_keys: list[str] = field(default_factory=list)


def sample_endpoints(spare_keys: list[str], rng: random.Random) -> list[Endpoint]:
    from assets.models import AssetImage
    from categories.api.views import CategoryCollectionView
    from categories.models import Category
    from core.api.pagination import KeysetPagination
    from references.models import Reference

    images = list(
        AssetImage.objects.order_by("?").select_related("file").values_list("id", "file__key", "file__sha256")[:1000]
    )
    category_ids = list(Category.objects.order_by("?").values_list("id", flat=True)[:1000])
    refs = [f"{p}:{e}" for p, e in Reference.objects.live().order_by("?").values_list("provider", "external_id")[:2000]]
    endpoints = [
        Endpoint(
            "image by id",
            [f"{API}/assets/images/by-id/{i}" for i, _k, _h in images],
            [f"/baseline/images/by-id/{i}" for i, _k, _h in images],
        ),
        Endpoint(
            "image by key",
            [f"{API}/assets/images/by-key/{k}" for _i, k, _h in images],
            [f"/baseline/images/by-key/{k}" for _i, k, _h in images],
        ),
        Endpoint(
            "image by hash",
            [f"{API}/assets/images/by-hash/{h}" for _i, _k, h in images],
            [f"/baseline/images/by-hash/{h}" for _i, _k, h in images],
        ),
        Endpoint(
            "category by id",
            [f"{API}/categories/{i}" for i in category_ids],
            [f"/baseline/categories/{i}" for i in category_ids],
        ),
    ]
    view = CategoryCollectionView()
    live = Category.objects.count()
    for limit in (20, 100):
        endpoints.append(
            Endpoint(
                f"categories first {limit}",
                [f"{API}/categories?limit={limit}"],
                [f"/baseline/categories?limit={limit}"],
            )
        )
        # The deepest page: the one that ends the list. Its position is read once with OFFSET (setup only)
        # and signed by the paginator itself, as `meta.next` would be.
        row = Category.objects.order_by(*KeysetPagination.ordering).only("id", "inserted_at")[live - limit - 1]
        cursor = KeysetPagination().encode_cursor(row, view)
        after = urlencode({"after": cursor})
        plain = urlencode({"after_t": row.inserted_at.isoformat(), "after_id": str(row.id)})
        endpoints.append(
            Endpoint(
                f"categories deep {limit}",
                [f"{API}/categories?limit={limit}&{after}"],
                [f"/baseline/categories?limit={limit}&{plain}"],
            )
        )
    endpoints.append(
        Endpoint(
            "reference by ref",
            [f"{API}/references/{quote(r)}" for r in refs[:1000]],
            [f"/baseline/references/{quote(r)}" for r in refs[:1000]],
        )
    )
    bodies = [json.dumps({"refs": rng.sample(refs, 100)}) for _ in range(20)]
    endpoints.append(
        Endpoint(
            "lookup 100 refs",
            [f"{API}/references/lookup"],
            ["/baseline/references/lookup"],
            method="POST",
            api_bodies=bodies,
            base_bodies=bodies,
        )
    )
    create = json.dumps(
        {
            "file_key": "%KEY%",
            "name": "Benchmark photo",
            "gravity": "north",
            "locales": [
                {"locale": "en", "credit": "Agency", "caption_html": "<p>A <em>fine</em> day.</p>"},
                {"locale": "fr", "credit": "Agence", "caption_html": "<p>Une <em>belle</em> journée.</p>"},
            ],
        },
        ensure_ascii=False,
    )
    endpoints.append(
        Endpoint(
            "image create",
            [f"{API}/assets/images"],
            ["/baseline/images"],
            method="POST",
            api_bodies=[create],
            base_bodies=[create],
            spare_keys=spare_keys,
        )
    )
    return endpoints


def spare_file_keys() -> list[str]:
    from assets.models import StoredFile
    from tools.bench.fill import SPARE_FILE_TYPE

    return list(StoredFile.objects.filter(content_type=SPARE_FILE_TYPE).order_by("id").values_list("key", flat=True))


def release_spare_files() -> None:
    """Erase the images created on spare files (by the create phases), so that every phase starts alike."""
    from django.db import connection

    from assets.models import AssetImage, AssetImageLocale, StoredFile
    from tools.bench.fill import SPARE_FILE_TYPE

    images, locales, files = (
        AssetImage._meta.db_table,
        AssetImageLocale._meta.db_table,
        StoredFile._meta.db_table,
    )
    time.sleep(0.5)  # requests still in flight when wrk stopped
    with connection.cursor() as cursor:
        # One statement, one snapshot: an image committed meanwhile goes with its locales, or not at all.
        cursor.execute(
            f"""
            WITH created AS (
                SELECT i.id FROM {images} i JOIN {files} f ON f.id = i.file_id WHERE f.content_type = %s
            ), gone AS (
                DELETE FROM {locales} WHERE image_id IN (SELECT id FROM created)
            )
            DELETE FROM {images} WHERE id IN (SELECT id FROM created)
            """,
            [SPARE_FILE_TYPE],
        )


# --- queries per request, counted in this process ------------------------------------------------


def count_queries(endpoint: Endpoint, api_key: str, spare_key: str) -> tuple[int, int, int]:
    """(API queries with the key cached, API queries with the key not cached, baseline queries)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client, RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.urls import resolve

    def body(template: str) -> str:
        return template.replace("%KEY%", spare_key)

    client = Client(HTTP_X_API_KEY=api_key)

    def api_call() -> int:
        if endpoint.method == "GET":
            response = client.get(endpoint.api_paths[0])
        else:
            response = client.post(endpoint.api_paths[0], body(endpoint.api_bodies[0]), content_type="application/json")
        assert response.status_code in (200, 201), (endpoint.name, response.status_code, response.content[:300])
        return response.status_code

    def counted(call) -> int:
        with CaptureQueriesContext(connection) as captured:
            call()
        if endpoint.spare_keys:
            release_spare_files()
        return len(captured.captured_queries)

    cache.clear()
    cold = counted(api_call)
    warm = counted(api_call)

    factory = RequestFactory()

    def base_call() -> None:
        path = endpoint.base_paths[0]
        if endpoint.method == "GET":
            request = factory.get(path)
        else:
            request = factory.post(path, body(endpoint.base_bodies[0]), content_type="application/json")
        match = resolve(request.path, urlconf="tools.bench.baseline.urls")
        response = match.func(request, *match.args, **match.kwargs)
        assert response.status_code in (200, 201), (endpoint.name, response.status_code, response.content[:300])

    base_call()  # warm, as for the API
    if endpoint.spare_keys:
        release_spare_files()
    return warm, cold, counted(base_call)


# --- CPU per request, in-process ---------------------------------------------------------------------


# The endpoints whose targets are ratios to the baseline (the deep and long pages cost the same to both).
CPU_ENDPOINTS = {
    "image by id",
    "image by key",
    "image by hash",
    "category by id",
    "categories first 20",
    "reference by ref",
    "lookup 100 refs",
}


def cpu_per_request(app: str, endpoint: Endpoint, api_key: str, env: dict[str, str], quick: bool) -> float:
    """Median CPU microseconds of one request through the WSGI handler, no HTTP (tools.bench.inprocess)."""
    path = endpoint.api_paths[0] if app == "api" else endpoint.base_paths[0]
    command = [sys.executable, "-m", "tools.bench.inprocess", "--app", app, "--path", path, "--key", api_key, "--json"]
    command += ["-n", "30", "--samples", "3"] if quick else ["-n", "60", "--samples", "5"]
    if endpoint.method == "POST":
        command += ["--method", "POST", "--body", (endpoint.api_bodies if app == "api" else endpoint.base_bodies)[0]]
    output = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=True)
    result = json.loads(output.stdout.strip().splitlines()[-1])
    assert all(status.startswith("200") for status in result["statuses"]), (endpoint.name, app, result)
    return result["us"]


# --- servers ---------------------------------------------------------------------------------------


class Server:
    def __init__(self, name: str, app: str, port: int, env: dict[str, str], log: Path):
        self.name, self.port = name, port
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), app, "-c", str(ROOT / "gunicorn.conf.py")],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"{self.name} server exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # answering (a 404 is an answer)
            except OSError:
                time.sleep(0.2)
        sys.exit(f"{self.name} server did not answer within 30 s; see {self.log.name}")

    def workers(self) -> list[int]:
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(child) for child in children]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# --- load -------------------------------------------------------------------------------------------

LUA = r"""
local paths = {%(paths)s}
local bodies = {%(bodies)s}
local keys = {%(keys)s}
local n = 0
wrk.headers["x-api-key"] = "%(key)s"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  local path = paths[(n - 1) %% #paths + 1]
  if #bodies == 0 then
    return wrk.format("GET", path)
  end
  local body = bodies[(n - 1) %% #bodies + 1]
  if #keys > 0 then
    body = string.gsub(body, "%%%%KEY%%%%", keys[(n - 1) %% #keys + 1])
  end
  return wrk.format("POST", path, nil, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d, '
    .. '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def lua_list(items: list[str]) -> str:
    return ", ".join(f"[==[{item}]==]" for item in items)


def write_script(path: Path, paths: list[str], bodies: list[str], keys: list[str], api_key: str) -> Path:
    path.write_text(
        LUA % {"paths": lua_list(paths), "bodies": lua_list(bodies), "keys": lua_list(keys), "key": api_key}
    )
    return path


def run_wrk(wrk: str, port: int, script: Path, seconds: float, connections: int) -> dict:
    command = [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCHJSON "))
    result = json.loads(line.removeprefix("BENCHJSON "))
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def merge(rounds: list[dict]) -> dict:
    """One figure per endpoint and server: requests/s over all rounds, mean p50, worst p99."""
    requests = sum(r["requests"] for r in rounds)
    seconds = sum(r["duration_us"] for r in rounds) / 1e6
    return {
        "rps": requests / seconds,
        "requests": requests,
        "p50_ms": statistics.mean(r["p50_us"] for r in rounds) / 1000,
        "p99_ms": max(r["p99_us"] for r in rounds) / 1000,
        "errors": sum(r["errors"] for r in rounds),
        "rounds_rps": [round(r["rps"], 1) for r in rounds],
    }


class Profiler:
    """py-spy on one API worker while a phase runs (--profile)."""

    def __init__(self, directory: str | None):
        self.directory = Path(directory) if directory else None
        self.process = None
        if self.directory:
            self.directory.mkdir(parents=True, exist_ok=True)

    def start(self, pid: int, name: str, seconds: int) -> None:
        if not self.directory:
            return
        out = self.directory / (name.replace(" ", "-") + ".txt")
        py_spy = str(ROOT / ".venv" / "bin" / "py-spy")
        self.process = subprocess.Popen(
            [py_spy, "record", "--pid", str(pid), "--duration", str(seconds), "--format", "raw", "--output", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.wait(60)
            self.process = None

    def record_all(self, pids: list[int], name: str) -> list[subprocess.Popen]:
        """py-spy on each of `pids` until `finish` (the upload phase: which worker gets an upload is not known)."""
        if not self.directory:
            return []
        py_spy = str(ROOT / ".venv" / "bin" / "py-spy")
        return [
            subprocess.Popen(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(pid),
                    "--format",
                    "raw",
                    "--output",
                    str(self.directory / f"{name}-{pid}.txt"),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid in pids
        ]

    @staticmethod
    def finish(processes: list[subprocess.Popen]) -> None:
        for process in processes:
            process.send_signal(signal.SIGINT)  # py-spy writes its profile and exits
        for process in processes:
            process.wait(60)


# --- uploads ----------------------------------------------------------------------------------------


def jpeg_of_size(target: int, cache_dir: Path) -> bytes:
    """A JPEG of about `target` bytes (noise at quality 95, so that its size is its content), made once."""
    path = cache_dir / f"upload-{target}.jpg"
    if path.exists():
        return path.read_bytes()
    from PIL import Image

    bytes_per_pixel = 1.1727  # noise at quality 95
    pixels = target / bytes_per_pixel
    width = int((pixels * 1.5) ** 0.5)
    height = int(pixels / width)
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def unique(jpeg: bytes, label: str) -> bytes:
    """The same image with a comment segment naming this upload: other bytes, so a new stored file."""
    comment = label.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


def upload(port: int, api_key: str, data: bytes) -> tuple[float, int, dict]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.putrequest("POST", f"{API}/assets/images/upload")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + len(data) + len(tail)))
    connection.putheader("x-api-key", api_key)
    connection.endheaders()
    connection.send(head)
    view = memoryview(data)
    for offset in range(0, len(data), 256 * 1024):
        connection.send(view[offset : offset + 256 * 1024])
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, response.status, json.loads(body)


def vm_kib(pid: int, field_name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise LookupError(field_name)


def hash_and_write_outside_django(data: bytes, directory: Path) -> float:
    """What an upload must do at least: hash the bytes and write them to a new file in the storage directory.

    The file is erased at once, and so is each file the measured uploads store (see
    `measure_uploads`): the next write of either then reuses memory that is already in use.
    """
    import hashlib

    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"outside-{uuid.uuid4().hex}.jpg"
    started = time.perf_counter()
    hasher = hashlib.sha256()
    view = memoryview(data)
    with open(target, "wb") as handle:
        for offset in range(0, len(data), 256 * 1024):
            chunk = view[offset : offset + 256 * 1024]
            hasher.update(chunk)
            handle.write(chunk)
    hasher.hexdigest()
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def warm_memory(mib: int) -> float:
    """Touch `mib` MiB of memory page by page, then free it; returns µs per page.

    On a virtual machine the first touch of a guest page makes the host back it (about 12 µs
    per page measured here, against well under 1 µs once backed), and the page cache of every
    stored file takes pages the guest may never have touched: a 25 MB upload then spent more on
    that than on everything else. Freed, these pages serve the next allocations, for the server
    and the outside baseline alike.
    """
    import mmap

    block = mmap.mmap(-1, mib * 1024 * 1024)
    pages = len(block) // mmap.PAGESIZE
    started = time.perf_counter()
    for offset in range(0, len(block), mmap.PAGESIZE):
        block[offset] = 1
    elapsed = time.perf_counter() - started
    block.close()
    return elapsed / pages * 1e6


def time_image_check(data: bytes) -> float:
    """The upload's content check alone (assets.storage.inspect_image)."""
    from assets.storage import inspect_image

    started = time.perf_counter()
    inspect_image(io.BytesIO(data))
    return time.perf_counter() - started


def measure_uploads(
    server: Server, api_key: str, media_root: Path, size: Size, nonce: str, profiler: Profiler, warm_mib: int
) -> list[dict]:
    results = []
    if warm_mib:
        per_page = warm_memory(warm_mib)
        print(f"uploads: {warm_mib} MiB of memory touched first ({per_page:.1f} µs per page)", flush=True)
    for label, target, count in (("1 MB", 1_000_000, size.uploads_1mb), ("25 MB", 25_000_000, size.uploads_25mb)):
        jpeg = jpeg_of_size(target, RESULTS / "cache")
        # The first upload of each worker loads the image code and opens its connections.
        for n in range(2 * len(server.workers())):
            upload(server.port, api_key, unique(jpeg, f"{nonce}-warm-{label}-{n}"))
        workers = server.workers()
        before = {pid: vm_kib(pid, "VmRSS") for pid in workers}
        for pid in workers:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM (peak RSS) to the current RSS
        times, statuses, outside = [], [], []
        recorders = profiler.record_all(workers, "upload-" + label.replace(" ", ""))
        for n in range(count):
            # Alternating, so that both see the machine in the same state.
            elapsed, status, body = upload(server.port, api_key, unique(jpeg, f"{nonce}-{label}-{n}"))
            times.append(elapsed)
            statuses.append(status)
            outside.append(hash_and_write_outside_django(jpeg, media_root / "outside"))
            # Erased like the outside file (its record goes at the end): a stored file's page cache
            # would otherwise take memory the virtual machine has never touched (see warm_memory),
            # and the uploads would pay for that and the outside writes would not.
            if status < 300:
                (media_root / body["data"]["file_key"]).unlink(missing_ok=True)
        profiler.finish(recorders)
        growth_kib = max(vm_kib(pid, "VmHWM") - before[pid] for pid in workers)
        check = [time_image_check(jpeg) for _ in range(3)]
        median = statistics.median(times)
        results.append(
            {
                "label": label,
                "bytes": len(jpeg),
                "uploads": count,
                "statuses": sorted(set(statuses)),
                "median_s": median,
                "times_ms": [round(t * 1000, 1) for t in times],
                "mb_per_s": len(jpeg) / median / 1e6,
                "peak_growth_mib": growth_kib / 1024,
                "outside_median_s": statistics.median(outside),
                "outside_ms": [round(t * 1000, 1) for t in outside],
                "ratio_to_outside": median / statistics.median(outside),
                "image_check_median_s": statistics.median(check),
            }
        )
    return results


def forget_uploads(media_root: Path) -> None:
    """Erase what the upload phase stored (records without an image, and the files), so that runs repeat alike."""
    from django.db import connection

    from assets.models import AssetImage, StoredFile
    from tools.bench.fill import IMAGE_FILE_TYPE

    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {StoredFile._meta.db_table} f WHERE content_type = %s AND NOT EXISTS "
            f"(SELECT 1 FROM {AssetImage._meta.db_table} i WHERE i.file_id = f.id)",
            [IMAGE_FILE_TYPE],
        )
    shutil.rmtree(media_root / "images", ignore_errors=True)
    shutil.rmtree(media_root / "outside", ignore_errors=True)


# --- report -----------------------------------------------------------------------------------------


def machine() -> dict:
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "?",
    )
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(memory_kib / 1024**2, 1), "postgresql": pg}


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'endpoint':<22} {'API rps':>8} {'p50 ms':>7} {'p99 ms':>7} {'q/req':>6}"
        f" | {'base rps':>8} {'p50 ms':>7} {'p99 ms':>7} {'q/req':>6} | {'ratio':>5} {'errors':>6}"
        f" | {'API cpu':>7} {'base cpu':>8} {'cpu ratio':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        api, base = row["api"], row["baseline"]
        print(
            f"{row['name']:<22} {api['rps']:8.0f} {api['p50_ms']:7.2f} {api['p99_ms']:7.2f} {row['api_queries']:6d}"
            f" | {base['rps']:8.0f} {base['p50_ms']:7.2f} {base['p99_ms']:7.2f} {row['baseline_queries']:6d}"
            f" | {row['ratio']:5.2f} {api['errors'] + base['errors']:6d}"
            + (
                f" | {row['cpu_us']['api']:7.0f} {row['cpu_us']['baseline']:8.0f}"
                f" {row['cpu_us']['baseline'] / row['cpu_us']['api']:9.2f}"
                if row["cpu_us"]
                else ""
            )
        )


def print_checks(rows: list[dict], uploads: list[dict]) -> None:
    by = {row["name"]: row for row in rows}

    def check(label: str, ok: bool, figure: str) -> None:
        print(f"  [{'met' if ok else 'NOT MET':>7}] {label}: {figure}")

    print("\nTargets:")
    for name in ("image by id", "image by key", "image by hash", "reference by ref"):
        if name in by:
            row = by[name]
            ratio = row["ratio"]
            check(
                f"{name} >= 0.9 x baseline, <= 2 queries",
                ratio >= 0.9 and row["api_queries"] <= 2,
                f"{ratio:.2f} x, {row['api_queries']} queries",
            )
    if "categories first 20" in by:
        row = by["categories first 20"]
        ratio = row["ratio"]
        check("category page of 20 >= 0.8 x baseline", ratio >= 0.8, f"{ratio:.2f} x")
    lists = [by[n] for n in by if n.startswith("categories ")]
    if lists:
        counts = {row["api_queries"] for row in lists}
        check("category list: same queries per page at any size and depth", len(counts) == 1, f"{sorted(counts)}")
    for limit in (20, 100):
        first, deep = by.get(f"categories first {limit}"), by.get(f"categories deep {limit}")
        if first and deep:
            ratio = deep["api"]["p50_ms"] / first["api"]["p50_ms"]
            check(f"deepest / first page time (p50), limit {limit} <= 1.25", ratio <= 1.25, f"{ratio:.2f}")
    if "lookup 100 refs" in by:
        row = by["lookup 100 refs"]
        check("lookup of 100 refs: one query", row["api_queries"] == 1, f"{row['api_queries']}")
        if "reference by ref" in by:
            ratio = row["api"]["rps"] / by["reference by ref"]["api"]["rps"]
            check("lookup of 100 refs >= 0.5 x a single ref get", ratio >= 0.5, f"{ratio:.2f} x")
    for item in uploads:
        if item["label"] == "25 MB":
            check(
                "25 MB upload: peak memory growth <= 16 MiB",
                item["peak_growth_mib"] <= 16,
                f"{item['peak_growth_mib']:.1f} MiB",
            )
            check(
                "25 MB upload: time <= 2 x hashing+writing outside Django",
                item["ratio_to_outside"] <= 2,
                f"{item['ratio_to_outside']:.2f} x ({item['median_s'] * 1000:.0f} ms vs "
                f"{item['outside_median_s'] * 1000:.0f} ms)",
            )
    errors = sum(row["api"]["errors"] + row["baseline"]["errors"] for row in rows)
    bad_uploads = [item for item in uploads if any(status >= 300 for status in item["statuses"])]
    check("no error under load", errors == 0 and not bad_uploads, f"{errors} errors, {len(bad_uploads)} failed uploads")


# --- main -------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    size = QUICK if args.quick else FULL
    duration = args.duration or size.duration
    rounds = args.rounds or size.rounds
    database_url = args.database_url or (
        "postgres://postgres@127.0.0.1:5432/" + ("bench_quick" if args.quick else "bench")
    )
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmark needs PostgreSQL (--database-url postgres://...).")
    wrk = require_wrk()
    RESULTS.mkdir(parents=True, exist_ok=True)
    media_root = RESULTS / "media"
    cache_url = args.cache_url if redis_answers(args.cache_url) else ""
    if args.cache_url and not cache_url:
        print(f"no Redis at {args.cache_url}: the servers use the local-memory cache (one per process)")
    env = server_env(database_url, cache_url, media_root, args.workers, args.threads, args.connections)

    started = time.perf_counter()
    from tools.bench.category_pagination import ensure_database

    ensure_database(database_url)
    setup_django(env)
    from tools.bench.fill import fill_all

    # What an interrupted run may have left (images on spare files, uploads) would not match the counts.
    release_spare_files()
    forget_uploads(media_root)
    fill_all(
        images=size.images,
        spares=size.spares,
        categories=size.categories,
        references=size.references,
        refill=args.refill,
    )
    print(f"data ready in {time.perf_counter() - started:.0f} s")
    api_key = make_api_key()
    spares = spare_file_keys()
    rng = random.Random(6)
    # The last spare file serves the in-process query count; the load uses the others.
    endpoints = sample_endpoints(spares[:-1], rng)
    wanted = {name.strip() for name in args.only.split(",")} if args.only else None
    if wanted is not None:
        endpoints = [e for e in endpoints if e.name in wanted]

    counts = {e.name: count_queries(e, api_key, spares[-1]) for e in endpoints}
    info = machine()
    print(
        f"machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory_gib']} GiB, PostgreSQL {info['postgresql']}; "
        f"gunicorn {args.workers} workers x {args.threads} threads; wrk 1 thread, {args.connections} connections, "
        f"{rounds} x {duration} s per endpoint and server; cache {cache_url or 'local memory'}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )

    cpu = {}
    if not args.no_cpu:
        # Before the servers start, alternating API and baseline per endpoint: the machine is as quiet as it gets.
        for endpoint in endpoints:
            if endpoint.name in CPU_ENDPOINTS:
                cpu[endpoint.name] = {
                    app: cpu_per_request(app, endpoint, api_key, env, args.quick) for app in ("api", "baseline")
                }

    servers = {
        "api": Server("API", "backoffice.wsgi", 8101, env, RESULTS / "api-server.log"),
        "baseline": Server("baseline", "tools.bench.baseline.wsgi", 8102, env, RESULTS / "baseline-server.log"),
    }
    profiler = Profiler(args.profile)
    rows, uploads = [], []
    try:
        servers["api"].wait_ready("/healthz")
        servers["baseline"].wait_ready("/baseline/references/none:none")
        scripts = RESULTS / "scripts"
        scripts.mkdir(exist_ok=True)
        for endpoint in endpoints:
            # Image create: each phase gets spare files of its own, so that a create still in flight
            # when wrk stops cannot take a file that the next phase will ask for (a 409).
            share = max(200, len(endpoint.spare_keys) // (2 * (rounds + 1)))
            used = [0]

            def phase(server_name: str, seconds: float, endpoint=endpoint, share=share, used=used) -> dict:
                keys = endpoint.spare_keys[used[0] : used[0] + share]
                if endpoint.spare_keys and len(keys) < share:  # all used: start again from released files
                    release_spare_files()
                    used[0] = 0
                    keys = endpoint.spare_keys[:share]
                used[0] += len(keys)
                if server_name == "api":
                    script = write_script(scripts / "api.lua", endpoint.api_paths, endpoint.api_bodies, keys, api_key)
                else:
                    script = write_script(
                        scripts / "baseline.lua", endpoint.base_paths, endpoint.base_bodies, keys, api_key
                    )
                return run_wrk(wrk, servers[server_name].port, script, seconds, args.connections)

            measured = {"api": [], "baseline": []}
            for server_name in ("api", "baseline"):  # warm-up, not measured
                phase(server_name, 1)
            for round_number in range(rounds):
                order = ("api", "baseline") if round_number % 2 == 0 else ("baseline", "api")
                for server_name in order:
                    if server_name == "api" and round_number == 0:
                        profiler.start(servers["api"].workers()[0], endpoint.name, duration)
                    measured[server_name].append(phase(server_name, duration))
                    profiler.stop()
            if endpoint.spare_keys:
                release_spare_files()
            warm, cold, base = counts[endpoint.name]
            # Each round runs the two servers back to back: the ratio of a round compares them under the
            # same conditions; the median over rounds leaves out a burst of other work on the machine.
            paired = [a["rps"] / b["rps"] for a, b in zip(measured["api"], measured["baseline"], strict=True)]
            row = {
                "name": endpoint.name,
                "api": merge(measured["api"]),
                "baseline": merge(measured["baseline"]),
                "ratio": statistics.median(paired),
                "rounds_ratio": [round(r, 2) for r in paired],
                "api_queries": warm,
                "api_queries_key_not_cached": cold,
                "baseline_queries": base,
                "cpu_us": cpu.get(endpoint.name),
            }
            rows.append(row)
            print(
                f"  {endpoint.name}: API {row['api']['rps']:.0f} rps, baseline {row['baseline']['rps']:.0f} rps "
                f"(ratio {row['ratio']:.2f}, rounds {row['rounds_ratio']})",
                flush=True,
            )
        if not args.no_uploads and (wanted is None or "uploads" in wanted):
            nonce = uuid.uuid4().hex[:12]
            uploads = measure_uploads(servers["api"], api_key, media_root, size, nonce, profiler, args.warm_memory_mib)
    finally:
        for server in servers.values():
            server.stop()
        forget_uploads(media_root)

    print(
        f"\nResults ({'quick' if args.quick else 'full'} run, {time.perf_counter() - started:.0f} s in all; "
        f"load average at the end {os.getloadavg()[0]:.1f}):\n"
    )
    print_table(rows)
    print(
        "\nq/req: database queries per request counted in-process (CaptureQueriesContext), key cached; "
        "with the key not cached the API makes one more: "
        + ", ".join(f"{r['name']} {r['api_queries_key_not_cached']}" for r in rows[:1])
        + "."
    )
    if uploads:
        print(
            f"\n{'upload':<7} {'bytes':>11} {'n':>3} {'median ms':>10} {'MB/s':>7} {'peak +MiB':>10} "
            f"{'outside ms':>11} {'ratio':>6} {'check ms':>9} status"
        )
        for item in uploads:
            print(
                f"{item['label']:<7} {item['bytes']:11,d} {item['uploads']:3d} {item['median_s'] * 1000:10.0f} "
                f"{item['mb_per_s']:7.1f} {item['peak_growth_mib']:10.1f} {item['outside_median_s'] * 1000:11.1f} "
                f"{item['ratio_to_outside']:6.2f} {item['image_check_median_s'] * 1000:9.0f} {item['statuses']}"
            )
    print_checks(rows, uploads)
    out = RESULTS / f"run-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"machine": info, "args": vars(args), "rows": rows, "uploads": uploads}, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
