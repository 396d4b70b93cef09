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

The pieces: fill.py (the data), servers.py (the two servers), load.py
(endpoints, wrk, CPU, uploads), report.py (the table and the checks);
this module parses the options and runs them in order, a function a phase
(configure, fill, the query counts and CPU times, load, report, save).
"""

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from tools.bench.common import DEFAULT_CACHE_URL, FULL, QUICK, RESULTS, ROOT, Size
from tools.bench.load import (
    CPU_ENDPOINTS,
    Profiler,
    count_queries,
    cpu_per_request,
    forget_uploads,
    measure_uploads,
    merge,
    release_spare_files,
    run_wrk,
    sample_endpoints,
    spare_file_keys,
    write_script,
)
from tools.bench.report import machine, print_checks, print_table
from tools.bench.servers import Server, redis_answers, server_env, setup_django


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


@dataclass
class Setup:
    """What every phase of a run reads: the options and what they come to."""

    args: argparse.Namespace
    size: Size
    duration: int
    rounds: int
    database_url: str
    wrk: str
    media_root: Path
    cache_url: str
    env: dict
    wanted: set[str] | None  # the endpoints (and 'uploads') asked for with --only; None: all of them


def configure(args: argparse.Namespace) -> Setup:
    """The run's settings from its options; exits when PostgreSQL or wrk is missing."""
    size = QUICK if args.quick else FULL
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
    return Setup(
        args=args,
        size=size,
        duration=args.duration or size.duration,
        rounds=args.rounds or size.rounds,
        database_url=database_url,
        wrk=wrk,
        media_root=media_root,
        cache_url=cache_url,
        env=env,
        wanted={name.strip() for name in args.only.split(",")} if args.only else None,
    )


def fill(setup: Setup, started: float) -> None:
    """The database, created if missing, with the run's data (a filled one is reused)."""
    from tools.bench.category_pagination import ensure_database

    ensure_database(setup.database_url)
    setup_django(setup.env)
    from tools.bench.fill import fill_all

    # What an interrupted run may have left (images on spare files, uploads) would not match the counts.
    release_spare_files()
    forget_uploads(setup.media_root)
    size = setup.size
    fill_all(
        images=size.images,
        spares=size.spares,
        categories=size.categories,
        references=size.references,
        refill=setup.args.refill,
    )
    print(f"data ready in {time.perf_counter() - started:.0f} s")


def choose_endpoints(setup: Setup, spares: list[str]) -> list:
    rng = random.Random(6)
    # The last spare file serves the in-process query count; the load uses the others.
    endpoints = sample_endpoints(spares[:-1], rng)
    if setup.wanted is not None:
        endpoints = [e for e in endpoints if e.name in setup.wanted]
    return endpoints


def print_machine(setup: Setup) -> dict:
    args, info = setup.args, machine()
    print(
        f"machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory_gib']} GiB, PostgreSQL {info['postgresql']}; "
        f"gunicorn {args.workers} workers x {args.threads} threads; wrk 1 thread, {args.connections} connections, "
        f"{setup.rounds} x {setup.duration} s per endpoint and server; cache {setup.cache_url or 'local memory'}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    return info


def measure_cpu(setup: Setup, endpoints: list, api_key: str) -> dict:
    """The CPU time of one request per endpoint, API and baseline, in this process (unless --no-cpu)."""
    cpu = {}
    if not setup.args.no_cpu:
        # Before the servers start, alternating API and baseline per endpoint: the machine is as quiet as it gets.
        for endpoint in endpoints:
            if endpoint.name in CPU_ENDPOINTS:
                cpu[endpoint.name] = {
                    app: cpu_per_request(app, endpoint, api_key, setup.env, setup.args.quick)
                    for app in ("api", "baseline")
                }
    return cpu


def start_servers(setup: Setup) -> dict[str, Server]:
    return {
        "api": Server("API", "backoffice.wsgi", 8101, setup.env, RESULTS / "api-server.log"),
        "baseline": Server("baseline", "tools.bench.baseline.wsgi", 8102, setup.env, RESULTS / "baseline-server.log"),
    }


def load_endpoint(setup: Setup, servers: dict, endpoint, api_key: str, profiler: Profiler, scripts: Path) -> dict:
    """wrk on one endpoint, API and baseline alternating in rounds; the measures of each server."""
    rounds, duration = setup.rounds, setup.duration
    # Image create: each phase gets spare files of its own, so that a create still in flight
    # when wrk stops cannot take a file that the next phase will ask for (a 409).
    share = max(200, len(endpoint.spare_keys) // (2 * (rounds + 1)))
    used = [0]

    def phase(server_name: str, seconds: float) -> dict:
        keys = endpoint.spare_keys[used[0] : used[0] + share]
        if endpoint.spare_keys and len(keys) < share:  # all used: start again from released files
            release_spare_files()
            used[0] = 0
            keys = endpoint.spare_keys[:share]
        used[0] += len(keys)
        if server_name == "api":
            script = write_script(scripts / "api.lua", endpoint.api_paths, endpoint.api_bodies, keys, api_key)
        else:
            script = write_script(scripts / "baseline.lua", endpoint.base_paths, endpoint.base_bodies, keys, api_key)
        return run_wrk(setup.wrk, servers[server_name].port, script, seconds, setup.args.connections)

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
    return measured


def endpoint_row(endpoint, measured: dict, queries: tuple, cpu: dict) -> dict:
    """One line of the table (printed as it comes)."""
    warm, cold, base = queries
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
    print(
        f"  {endpoint.name}: API {row['api']['rps']:.0f} rps, baseline {row['baseline']['rps']:.0f} rps "
        f"(ratio {row['ratio']:.2f}, rounds {row['rounds_ratio']})",
        flush=True,
    )
    return row


def load(setup: Setup, endpoints: list, api_key: str, counts: dict, cpu: dict) -> tuple[list, list]:
    """The two servers under wrk, endpoint by endpoint, then the uploads: (rows, uploads)."""
    servers = start_servers(setup)
    profiler = Profiler(setup.args.profile)
    rows, uploads = [], []
    try:
        servers["api"].wait_ready("/healthz")
        servers["baseline"].wait_ready("/baseline/references/none:none")
        scripts = RESULTS / "scripts"
        scripts.mkdir(exist_ok=True)
        for endpoint in endpoints:
            measured = load_endpoint(setup, servers, endpoint, api_key, profiler, scripts)
            rows.append(endpoint_row(endpoint, measured, counts[endpoint.name], cpu))
        if not setup.args.no_uploads and (setup.wanted is None or "uploads" in setup.wanted):
            nonce = uuid.uuid4().hex[:12]
            uploads = measure_uploads(
                servers["api"], api_key, setup.media_root, setup.size, nonce, profiler, setup.args.warm_memory_mib
            )
    finally:
        for server in servers.values():
            server.stop()
        forget_uploads(setup.media_root)
    return rows, uploads


def report(setup: Setup, rows: list, uploads: list, started: float) -> None:
    print(
        f"\nResults ({'quick' if setup.args.quick else 'full'} run, {time.perf_counter() - started:.0f} s in all; "
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


def save(info: dict, args: argparse.Namespace, rows: list, uploads: list) -> None:
    out = RESULTS / f"run-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"machine": info, "args": vars(args), "rows": rows, "uploads": uploads}, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


def main() -> None:
    setup = configure(parse_args())
    started = time.perf_counter()
    fill(setup, started)
    api_key = make_api_key()
    spares = spare_file_keys()
    endpoints = choose_endpoints(setup, spares)
    counts = {e.name: count_queries(e, api_key, spares[-1]) for e in endpoints}
    info = print_machine(setup)
    cpu = measure_cpu(setup, endpoints, api_key)
    rows, uploads = load(setup, endpoints, api_key, counts, cpu)
    report(setup, rows, uploads, started)
    save(info, setup.args, rows, uploads)


if __name__ == "__main__":
    main()
