"""How long the content check takes on each file of the upload corpus (bombs, malformed,
truncated and real images), and what it answers.

    .venv/bin/python -m tools.security.upload_corpus [--repeat 3]

Calls `assets.storage.inspect_image` on each file (from a temporary file on disk, as an
upload is spooled), and prints the best of `--repeat` wall times, the answer (accepted,
or the error) and the peak memory the check allocated in Python (tracemalloc; zlib's
buffers are counted, Pillow's C allocations are not). A timing script, not a test.
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per file; the best is printed (default: 3)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    os.environ.setdefault("SECRET_KEY", "timing-only-secret-key-not-used-anywhere-else-0123456789")
    import django

    django.setup()
    from assets.storage import inspect_image
    from core.api.exceptions import domain_status
    from core.exceptions import DomainError
    from tests.security.upload_corpus import CASES

    print(f"{'file':48} {'bytes':>10} {'best ms':>9} {'peak KiB':>9}  answer")
    slowest = 0.0
    for case in CASES:
        data = case.make()
        with tempfile.TemporaryFile() as file:
            file.write(data)
            best, peak, answer = float("inf"), 0, ""
            for _ in range(args.repeat):
                tracemalloc.start()
                started = time.perf_counter()
                try:
                    info = inspect_image(file)
                    answer = f"accepted {info.content_type} {info.width}x{info.height}"
                except DomainError as exc:
                    answer = f"{domain_status(exc)} {exc.details['file'][0]}"
                elapsed = time.perf_counter() - started
                peak = max(peak, tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
                best = min(best, elapsed)
        slowest = max(slowest, best)
        print(f"{case.name[:48]:48} {len(data):>10} {best * 1000:>9.1f} {peak / 1024:>9.0f}  {answer}")
    print(f"{len(CASES)} files; the slowest took {slowest * 1000:.1f} ms")


if __name__ == "__main__":
    main()
