"""The load: sampled endpoints, queries and CPU per request, wrk rounds, the profiler and the uploads."""

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
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from tools.bench.common import API, RESULTS, ROOT, Size, vm_kib
from tools.bench.servers import Server

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
    lookups = {
        "id": [image_id for image_id, _key, _sha256 in images],
        "key": [key for _id, key, _sha256 in images],
        "hash": [sha256 for _id, _key, sha256 in images],
    }
    endpoints = [
        Endpoint(
            f"image by {by}",
            [f"{API}/assets/images/by-{by}/{value}" for value in values],
            [f"/baseline/images/by-{by}/{value}" for value in values],
        )
        for by, values in lookups.items()
    ]
    endpoints.append(
        Endpoint(
            "category by id",
            [f"{API}/categories/{i}" for i in category_ids],
            [f"/baseline/categories/{i}" for i in category_ids],
        )
    )
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


# --- wrk ---------------------------------------------------------------------------------------


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
