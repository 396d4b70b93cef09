"""The servers a benchmark drives: the project under gunicorn with production settings, and the baseline."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tools.bench.common import RATE_LIMIT, ROOT, SECRET_KEY, child_pids


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
        return child_pids(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
