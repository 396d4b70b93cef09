"""How long a request with a wrong key takes, by kind of wrong key: can a client tell a known
key prefix from an unknown one by the time of the 401 (prefix enumeration)?

    .venv/bin/python -m tools.security.auth_timing [-n 2000] [--rounds 7]

In-process, through the real WSGI handler, against a throwaway SQLite database (or the
database named by DATABASE_URL), with the default local-memory cache: the same request
(GET of a reference, which never reaches the view) with (a) the right key, (b) a known
prefix and a wrong secret, (c) an unknown prefix. The kinds alternate within each round so
that a loaded machine slows them alike; the median per request of each kind is printed
with its ratio to (b). A timing script, not a test: the figures depend on the machine.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

from tools.bench.common import ROOT, wsgi_environ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="requests per kind and round (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds; medians are printed (default: %(default)s)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="auth-timing-") as folder:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/db.sqlite3")
        measure(args.n, args.rounds)


def measure(n: int, rounds: int) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "backoffice.settings"
    os.environ.setdefault("SECRET_KEY", "timing-only-secret-key-not-used-anywhere-else-0123456789")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    # Measure the check, not the limits: the right key's requests would reach the key's rate limit.
    os.environ["API_AUTH_FAILURE_LIMIT"] = "1000000000/hour"
    os.environ["API_RATE_LIMIT"] = "1000000000/hour"
    import logging

    import django
    from django.core.management import call_command
    from django.db import connections

    django.setup()
    logging.disable(logging.WARNING)
    call_command("migrate", verbosity=0)
    from django.core.wsgi import get_wsgi_application

    from core.services import api_key_create

    _, right = api_key_create(name="timing", roles=["references:read"])
    prefix, _, secret = right.partition(".")
    kinds = {
        "right key (404)": right,
        "known prefix, wrong secret (401)": f"{prefix}.{'x' * len(secret)}",
        "unknown prefix (401)": f"{'Z' * len(prefix)}.{secret}",
    }
    application = get_wsgi_application()
    statuses: dict[str, set] = {name: set() for name in kinds}

    def run(name: str, key: str, count: int) -> float:
        def start_response(status, headers, exc_info=None):
            statuses[name].add(status.split()[0])

        started = time.perf_counter()
        for _ in range(count):
            # A GET: the environ's JSON content type and zero length are not read.
            environ = wsgi_environ(method="GET", path="/api/core/v2/references/timing:1", key=key)
            b"".join(application(environ, start_response))
        return (time.perf_counter() - started) / count * 1e6

    for name, key in kinds.items():
        run(name, key, 50)  # warm up: code paths, caches, the database file
    samples: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(rounds):
        for name, key in kinds.items():
            samples[name].append(run(name, key, n))
    baseline = statistics.median(samples["known prefix, wrong secret (401)"])
    print(f"{rounds} rounds of {n} requests per kind; median µs per request (ratio to the known prefix)")
    for name in kinds:
        median = statistics.median(samples[name])
        print(f"  {name:34} {median:8.1f} µs  x{median / baseline:.2f}  statuses {sorted(statuses[name])}")
    connections.close_all()  # before the folder holding the SQLite file goes


if __name__ == "__main__":
    main()
