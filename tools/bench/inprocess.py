"""CPU time of one request, in-process, through the real WSGI handler: where a request's time goes.

    .venv/bin/python -m tools.bench.inprocess --app api --path /api/core/v2/references/facebook:post-4 --key KEY
    .venv/bin/python -m tools.bench.inprocess --app baseline --path /baseline/references/facebook:post-4
    ... --profile          # pyinstrument tree of the same loop (pip install pyinstrument)

On two cores shared by the load generator, PostgreSQL and the server, the
requests/s of tools.bench.run follow the CPU cost of a request; this measures that
cost without the noise: N requests in a loop, one thread, no HTTP, against the
database given by DATABASE_URL (tools.bench.run prepares one).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import unquote

from tools.bench.common import wsgi_environ

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {"api": "backoffice.settings", "baseline": "tools.bench.baseline.settings"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", choices=SETTINGS, required=True)
    parser.add_argument("--path", required=True, help="path and query string of the request")
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="", help="JSON body (POST)")
    parser.add_argument("--key", default="", help="API key (x-api-key header)")
    parser.add_argument("-n", type=int, default=2000, help="requests per sample (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=5, help="samples; the median is printed (default: 5)")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of one sample")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS[args.app]
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-used-anywhere-else-0123456789")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    import logging

    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    logging.disable(logging.WARNING)
    path, _, query = args.path.partition("?")
    path = unquote(path)  # PATH_INFO is decoded, as gunicorn passes it
    body = args.body.encode()

    def environ() -> dict:
        return wsgi_environ(method=args.method, path=path, query=query, body=body, key=args.key)

    statuses = set()

    def start_response(status, headers, exc_info=None):
        statuses.add(status)

    def loop(n: int) -> float:
        started = time.process_time()
        for _ in range(n):
            response = application(environ(), start_response)
            b"".join(response)
            response.close()
        return (time.process_time() - started) / n * 1e6

    loop(50)
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
        loop(args.n)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    samples = [loop(args.n) for _ in range(args.samples)]
    if args.json:
        print(json.dumps({"us": statistics.median(samples), "samples": samples, "statuses": sorted(statuses)}))
        return
    print(
        f"{args.app} {args.method} {args.path[:80]}: {statistics.median(samples):.0f} us CPU per request "
        f"(samples {', '.join(f'{s:.0f}' for s in samples)}; status {', '.join(sorted(statuses))})"
    )


if __name__ == "__main__":
    main()
