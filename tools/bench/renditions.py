"""Renditions benchmark: first hits, memory, cached hits, racing first hits, list URLs, AVIF.

    .venv/bin/python -m tools.bench.renditions              # about 5 minutes on two shared cores
    .venv/bin/python -m tools.bench.renditions --runs 5     # fewer first hits per figure
    .venv/bin/python -m tools.bench.renditions --thumbor /path/to/venv/bin/thumbor

Prints figures only (no pass/fail): every ratio is measured within this run.

1. A 24-megapixel JPEG (6000×4000, textured so that it compresses like a
   photo) is made with libvips.
2. In this process, alternating: our engine (libvips, shrink-on-load) and the
   usual Django way written here as a baseline (Pillow, as Wagtail's Willow
   does it: open, full decode, crop to the shape, resize, save), both making
   `fill-800x450.webp`; then each output's size and its quality against a
   reference made from the full decode (exact centre box, float Lanczos, not
   encoded): PSNR, SSIM of the luma, mean ΔE2000.
3. A throwaway PostgreSQL database and the project under gunicorn (production
   settings, one worker, four threads). The image is uploaded through the API;
   then first hits of `fill-800x450-qN.webp` (a new N each time, so each is a
   first hit) are timed through HTTP, with the worker's peak memory growth
   (VmHWM after the hit − VmRSS before; the peak is reset before each hit).
4. thumbor, when a thumbor executable is given or found at /tmp/thumbor-venv
   (install it in a venv of its own: `python3 -m venv /tmp/thumbor-venv &&
   /tmp/thumbor-venv/bin/pip install thumbor`), as its own server on loopback
   making the same output from the same file (file loader, no result storage).
5. AVIF first hits at 800 px (`width-800-qN.avif`).
6. 32 simultaneous first hits of one rendition, split over two gunicorn
   servers (two processes): renders (from the servers' logs), stored files,
   records, statuses and bodies.
7. A cached hit against the same bytes served as a static file (whitenoise)
   by the same gunicorn, with wrk, alternating rounds.
8. URLs for a list page (20 images × 3 specs): queries and CPU time per page
   against the same page without `renditions=`, in this process.
"""

import argparse
import contextlib
import gc
import hashlib
import io
import json
import os
import re
import statistics
import subprocess
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tools.bench.common import child_pids, cpu_seconds, vm_kib
from tools.reliability.harness import (
    API,
    Server,
    free_port,
    prepare_database,
    server_env,
    sql,
    throwaway_database,
    workdir,
)

SIZE = (6000, 4000)
SECTIONS = ("engines", "first", "thumbor", "avif", "race", "cached", "list")
DEFAULT_THUMBOR = "/tmp/thumbor-venv/bin/thumbor"


def make_photo(path: Path) -> int:
    """A 24-megapixel JPEG with texture at several scales (a flat image would flatter every engine)."""
    import pyvips

    width, height = SIZE
    bands = [pyvips.Image.perlin(width, height, cell_size=size, uchar=True) for size in (400, 90, 23)]
    noise = pyvips.Image.gaussnoise(width, height, sigma=12, mean=0)
    image = bands[0].bandjoin([bands[1], bands[2]]) + noise.bandjoin([noise, noise])
    image = image.cast("uchar").copy(interpretation="srgb")
    image.jpegsave(str(path), Q=88)
    return path.stat().st_size


def pillow_baseline(path: Path) -> bytes:
    """The usual Django way (Willow on Pillow): open, decode everything, crop to 16:9, resize, save."""
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        width, height = image.size
        box_height = round(width * 450 / 800)
        top = (height - box_height) // 2
        cropped = image.crop((0, top, width, top + box_height))
        resized = cropped.resize((800, 450), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        resized.save(out, format="WEBP", quality=80)
        return out.getvalue()


def vips_engine(path: Path) -> bytes:
    from assets.renditions import engine
    from assets.renditions.specs import parse_operation

    return engine.render(
        source=str(path),
        operation=parse_operation("fill-800x450"),
        gravity="center",
        fmt="webp",
        source_size=SIZE,
        output_size=(800, 450),
    )


def vips_engine_sharp(path: Path) -> bytes:
    """The same with RENDITION_WEBP_SMART_SUBSAMPLE on (sharper colour edges, a slower encode)."""
    from django.test import override_settings

    with override_settings(RENDITION_WEBP_SMART_SUBSAMPLE=True):
        return vips_engine(path)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def request(port: int, path: str, method: str = "GET", headers=None, body=None, timeout=120):
    conn = HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def api_json(port: int, key: str, method: str, path: str, body=None, content_type="application/json"):
    headers = {"x-api-key": key}
    if body is not None:
        headers["Content-Type"] = content_type
    status, data, _ = request(port, API + path, method, headers, body)
    return status, json.loads(data)


def upload(port: int, key: str, content: bytes, name: str) -> dict:
    boundary = "----bench-renditions"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, data = api_json(
        port, key, "POST", "/assets/images/upload", body, f"multipart/form-data; boundary={boundary}"
    )
    assert status in (200, 201), data
    status, image = api_json(
        port, key, "POST", "/assets/images", json.dumps({"file_key": data["data"]["file_key"], "name": name}).encode()
    )
    assert status == 201, image
    return image["data"]


def rendition_path(port: int, key: str, image_id: str, spec: str) -> str:
    _, data = api_json(port, key, "GET", f"/assets/images/by-id/{image_id}?{urlencode({'renditions': spec})}")
    return urlsplit(data["data"]["renditions"][spec]["url"]).path


def timed_first_hits(port, key, image_id, specs, pid) -> tuple[list[float], list[float], list[float]]:
    """Wall time, worker CPU time and worker peak memory growth (MB) of each first hit."""
    times, cpu, growth = [], [], []
    for spec in specs:
        path = rendition_path(port, key, image_id, spec)
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
        before, cpu_before = vm_kib(pid, "VmRSS"), cpu_seconds(pid)
        start = time.perf_counter()
        status, body, _ = request(port, path)
        times.append(time.perf_counter() - start)
        cpu.append(cpu_seconds(pid) - cpu_before)
        assert status == 200, (status, body[:200])
        growth.append((vm_kib(pid, "VmHWM") - before) / 1024)
    return times, cpu, growth


def thumbor_first_hits(executable: str, folder: Path, photo: Path, runs: int) -> tuple[list, list] | str:
    if not Path(executable).exists():
        return f"not run: no thumbor at {executable}"
    port = free_port()
    conf = folder / "thumbor.conf"
    conf.write_text(
        "LOADER = 'thumbor.loaders.file_loader'\n"
        f"FILE_LOADER_ROOT_PATH = '{photo.parent}'\n"
        "STORAGE = 'thumbor.storages.no_storage'\n"
        "RESULT_STORAGE = None\n"
        "ALLOW_UNSAFE_URL = True\n"
        "AUTO_WEBP = False\n"
        "MAX_AGE = 0\n"
    )
    log = open(folder / "thumbor.log", "wb")  # noqa: SIM115 - closed in finally below
    process = subprocess.Popen(
        [executable, "-p", str(port), "-c", str(conf), "-l", "warning"], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                if request(port, "/healthcheck", timeout=2)[0] == 200:
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                return "not run: thumbor did not start:\n" + (folder / "thumbor.log").read_text()[-2000:]
            time.sleep(0.2)
        times, cpu = [], []
        for n in range(runs + 1):
            path = f"/unsafe/800x450/filters:format(webp):quality({70 + n})/{photo.name}"
            cpu_before = cpu_seconds(process.pid)
            start = time.perf_counter()
            status, body, _ = request(port, path)
            elapsed = time.perf_counter() - start
            if status != 200:
                return f"not run: thumbor answered {status}: {body[:200]!r}"
            if n:  # the first request also loads thumbor's engine
                times.append(elapsed)
                cpu.append(cpu_seconds(process.pid) - cpu_before)
        return times, cpu
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def race(ports: list[int], path: str, count: int) -> list[tuple[int, str]]:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def hit(index: int) -> None:
        barrier.wait()
        status, body, _ = request(ports[index % len(ports)], path, timeout=300)
        results[index] = (status, hashlib.sha256(body).hexdigest())

    threads = [threading.Thread(target=hit, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def wrk(port: int, path: str, seconds: int) -> float:
    out = subprocess.run(
        ["wrk", "-t1", "-c8", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def list_page_cost(database_url: str, pages: int, rounds: int) -> dict:
    """Queries and CPU per list page, with and without renditions, in this process (no HTTP)."""
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from assets.models import AssetImage, StoredFile
    from core.services import api_key_create

    setup_test_environment()
    for n in range(20):
        digest = hashlib.sha256(f"list-{n}".encode()).hexdigest()
        stored = StoredFile.objects.create(
            key=f"images/{digest[:2]}/{digest}.jpg",
            sha256=digest,
            byte_size=1000,
            content_type="image/jpeg",
            width=4000,
            height=3000,
        )
        AssetImage.objects.create(file=stored, name=f"list {n}")
    key = api_key_create(name="bench-list", roles=["assets:read"])[1]
    client = Client(headers={"x-api-key": key})
    plain = f"{API}/assets/images?limit=20"
    with_urls = plain + "&renditions=thumb.webp,card.webp,hero.avif"
    result = {}
    for label, path in (("plain", plain), ("renditions", with_urls)):
        assert client.get(path).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        result[f"{label}_queries"] = len(queries)
    samples = {"plain": [], "renditions": []}
    pairs = (("plain", plain), ("renditions", with_urls))
    # Many short samples, alternating, in the order AB then BA (a drift of the machine's speed
    # during a round weighs on both pages alike), the median of each; the garbage collector runs
    # between samples only, so that a collection does not land in one page's samples by chance.
    for round_ in range(rounds):
        for label, path in pairs if round_ % 2 == 0 else pairs[::-1]:
            gc.collect()
            gc.disable()
            try:
                start = time.process_time()
                for _ in range(pages):
                    client.get(path)
                samples[label].append((time.process_time() - start) / pages)
            finally:
                gc.enable()
    result["plain_cpu"] = statistics.median(samples["plain"])
    result["renditions_cpu"] = statistics.median(samples["renditions"])
    result["ratios"] = sorted(r / p for p, r in zip(samples["plain"], samples["renditions"], strict=True))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="first hits per figure (default: %(default)s)")
    parser.add_argument("--thumbor", default=DEFAULT_THUMBOR, help="thumbor executable (default: %(default)s)")
    parser.add_argument("--wrk-seconds", type=int, default=5, help="seconds per wrk round (default: %(default)s)")
    parser.add_argument(
        "--only",
        type=lambda value: set(value.split(",")),
        default=set(SECTIONS),
        help=f"comma-separated sections among {', '.join(SECTIONS)} (default: all)",
    )
    args = parser.parse_args()
    unknown = args.only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-used-anywhere-else-0123456789")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,testserver")
    print(f"CPUs: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f} (the machine is shared)")
    with workdir() as folder, throwaway_database() as database_url:
        os.environ["DATABASE_URL"] = database_url  # before anything reads the settings
        photo = folder / "photo-24mp.jpg"
        print(f"source: {SIZE[0]}×{SIZE[1]} JPEG, {make_photo(photo) / 1e6:.1f} MB")

        # 2. Engines in this process, alternating.
        if "engines" in args.only:
            engines(photo, args.runs)

        # 3. Through gunicorn.
        media = folder / "media"
        static = folder / "static"
        (static / "bench").mkdir(parents=True)
        env = server_env(
            database_url=database_url,
            media_root=media,
            temp_dir=folder,
            STATIC_ROOT=str(static),
            LOG_LEVEL="INFO",
            GUNICORN_ACCESSLOG="/dev/null",
            RENDITION_MAX_CONCURRENT="2",
        )
        key = prepare_database(env)
        servers = [Server(env, folder / f"server-{n}.log") for n in range(2)]
        try:
            servers[0].start()
            port = servers[0].port
            image = upload(port, key, photo.read_bytes(), "photo-24mp.jpg")
            pid = child_pids(servers[0].proc.pid)[0]  # its one worker
            times = cpu = None
            if "first" in args.only:
                specs = [f"fill-800x450-q{70 + n}.webp" for n in range(args.runs)]
                times, cpu, growth = timed_first_hits(port, key, image["id"], specs, pid)
                print("\n== first hit through gunicorn, fill-800x450.webp (a new quality each time) ==")
                print(
                    f"wall median {ms(statistics.median(times))} (min {ms(min(times))}, max {ms(max(times))}); "
                    f"worker CPU median {ms(statistics.median(cpu))}; "
                    f"worker peak memory growth: first hit {growth[0]:.1f} MB, max {max(growth):.1f} MB"
                )

            if "thumbor" in args.only:
                thumbor = thumbor_first_hits(args.thumbor, folder, photo, args.runs)
                print("\n== thumbor, same file and output, its own server on loopback ==")
                if isinstance(thumbor, str):
                    print(thumbor)
                else:
                    wall, thumbor_cpu = map(statistics.median, thumbor)
                    line = f"wall median {ms(wall)}, CPU median {ms(thumbor_cpu)}"
                    if times:
                        line += (
                            f"  → thumbor / ours: wall {wall / statistics.median(times):.1f}x, "
                            f"CPU {thumbor_cpu / statistics.median(cpu):.1f}x"
                        )
                    print(line)

            if "avif" in args.only:
                avif_times, avif_cpu, avif_growth = timed_first_hits(
                    port, key, image["id"], [f"width-800-q{50 + n}.avif" for n in range(args.runs)], pid
                )
                print("\n== first hit, width-800.avif ==")
                print(
                    f"wall median {ms(statistics.median(avif_times))}, max {ms(max(avif_times))}; "
                    f"worker CPU median {ms(statistics.median(avif_cpu))}; peak growth {max(avif_growth):.1f} MB"
                )

            if "race" in args.only:
                race_report(servers, port, key, image, media, database_url)
            if "cached" in args.only:
                cached_report(servers, port, key, image, static, args.wrk_seconds)
        finally:
            for server in servers:  # whatever happened: nothing left running
                server.stop()

        if "list" in args.only:
            list_report(database_url)


def engines(photo: Path, runs: int) -> None:
    """Our engine (as configured by default, and with smart_subsample) and the Pillow baseline, alternating."""
    makers = {
        "libvips engine": vips_engine,
        "libvips, smart_subsample": vips_engine_sharp,
        "Pillow baseline": pillow_baseline,
    }
    samples = {name: ([], []) for name in makers}
    for make in makers.values():  # warm all (libraries loaded, caches of the OS)
        make(photo)
    for _ in range(runs):
        for name, make in makers.items():
            start, cpu_start = time.perf_counter(), time.process_time()
            make(photo)
            samples[name][0].append(time.perf_counter() - start)
            samples[name][1].append(time.process_time() - cpu_start)
    print("\n== fill-800x450.webp from the 24 MP JPEG, in-process (medians; CPU counts every thread) ==")
    medians = {name: tuple(map(statistics.median, pair)) for name, pair in samples.items()}
    for name, (wall, cpu) in medians.items():
        print(f"{name}: wall {ms(wall)}, CPU {ms(cpu)}")
    pil_wall, pil_cpu = medians["Pillow baseline"]
    for name in ("libvips engine", "libvips, smart_subsample"):
        wall, cpu = medians[name]
        print(f"Pillow / {name}: wall {pil_wall / wall:.2f}x, CPU {pil_cpu / cpu:.2f}x")
    reference = centre_reference(photo)
    for name, make in makers.items():
        data = make(photo)
        psnr, ssim, delta_e = image_quality(data, reference)
        print(
            f"{name} output: {len(data):,} bytes, PSNR {psnr:.2f} dB, SSIM (luma) {ssim:.4f}, mean ΔE2000 {delta_e:.2f}"
        )


def centre_reference(photo: Path):
    """fill-800x450 at the centre from the full decode, reduced in float (Lanczos), not encoded."""
    import pyvips

    image = pyvips.Image.new_from_file(str(photo))
    box_height = round(image.width * 450 / 800)
    image = image.crop(0, (image.height - box_height) // 2, image.width, box_height).cast("float")
    return image.resize(800 / image.width, vscale=450 / box_height, kernel="lanczos3")


def image_quality(data: bytes, reference) -> tuple[float, float, float]:
    """PSNR over RGB, SSIM of the luma (Gaussian window, σ 1.5) and mean ΔE2000 of an output against the reference."""
    import math

    import pyvips

    image = pyvips.Image.new_from_buffer(data, "").cast("float")
    difference = image - reference
    psnr = 10 * math.log10(255**2 / (difference * difference).avg())

    def luma(im):
        return im[0] * 0.299 + im[1] * 0.587 + im[2] * 0.114

    a, b = luma(image), luma(reference)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    blur = lambda im: im.gaussblur(1.5)  # noqa: E731
    mean_a, mean_b = blur(a), blur(b)
    var_a = blur(a * a) - mean_a * mean_a
    var_b = blur(b * b) - mean_b * mean_b
    covariance = blur(a * b) - mean_a * mean_b
    ssim = ((2 * mean_a * mean_b + c1) * (2 * covariance + c2)) / (
        (mean_a * mean_a + mean_b * mean_b + c1) * (var_a + var_b + c2)
    )
    delta_e = image.copy(interpretation="srgb").dE00(reference.copy(interpretation="srgb")).avg()
    return psnr, ssim.avg(), delta_e


def race_report(servers, port, key, image, media, database_url) -> None:
    """32 simultaneous first hits of one rendition, over two gunicorn processes."""
    servers[1].start()
    path = rendition_path(port, key, image["id"], "fill-640x360.webp")
    results = race([s.port for s in servers], path, 32)
    rendered = sum(s.log_path.read_text().count("fill-640x360_center.webp") for s in servers)
    files = list((media / "renditions").rglob("fill-640x360_center.webp"))
    records = sql(database_url, "SELECT count(*) FROM assets_rendition WHERE operation = 'fill-640x360'")[0][0]
    print("\n== 32 simultaneous first hits of fill-640x360.webp, over 2 gunicorn processes ==")
    print(
        f"statuses: {sorted({status for status, _ in results})} ×{len(results)}, distinct bodies: "
        f"{len({digest for _, digest in results})}, renders: {rendered}, stored files: {len(files)}, "
        f"records: {records}"
    )
    servers[1].stop()


def cached_report(servers, port, key, image, static: Path, seconds: int) -> None:
    """A cached hit against the same bytes as a static file, through the same gunicorn, wrk rounds alternating."""
    card = rendition_path(port, key, image["id"], "card.webp")
    status, body, _ = request(port, card)
    assert status == 200
    (static / "bench" / "card.webp").write_bytes(body)
    servers[0].stop()
    servers[0].start()  # whitenoise lists STATIC_ROOT when it starts
    port = servers[0].port
    assert request(port, "/static/bench/card.webp")[1] == body
    assert request(port, card)[1] == body
    rounds = {"rendition": [], "static": []}
    for _ in range(3):
        rounds["rendition"].append(wrk(port, card, seconds))
        rounds["static"].append(wrk(port, "/static/bench/card.webp", seconds))
    cached, static_rps = statistics.median(rounds["rendition"]), statistics.median(rounds["static"])
    print(f"\n== cached hit vs static file, wrk -t1 -c8, {len(body)} bytes (median of 3 rounds) ==")
    print(f"rendition: {cached:.0f} req/s   static: {static_rps:.0f} req/s   ratio {cached / static_rps:.2f}")


def list_report(database_url: str) -> None:
    cost = list_page_cost(database_url, pages=50, rounds=36)
    print("\n== list page, 20 images (× 3 renditions each or none), in-process, 36 alternating samples of 50 ==")
    print(
        f"queries: {cost['plain_queries']} without, {cost['renditions_queries']} with;  CPU per page: "
        f"{cost['plain_cpu'] * 1000:.2f} ms without, {cost['renditions_cpu'] * 1000:.2f} ms with "
        f"(+{(cost['renditions_cpu'] / cost['plain_cpu'] - 1) * 100:.1f} %)"
    )
    ratios = cost["ratios"]
    quartiles = [(ratios[int(len(ratios) * q)] - 1) * 100 for q in (0.25, 0.5, 0.75)]
    print("ratio of the paired samples, quartiles: " + ", ".join(f"{q:+.1f} %" for q in quartiles))
    from django.db import connections

    connections.close_all()


if __name__ == "__main__":
    main()
