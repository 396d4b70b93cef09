"""What every live run needs: a throwaway PostgreSQL database, gunicorn servers, an HTTP client, test images.

Everything stays on loopback. Servers run in their own process group, so that a
kill (or a clean stop) reaches the master and its worker together.
"""

import argparse
import contextlib
import hashlib
import io
import ipaddress
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
API = "/api/core/v2"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


class Unavailable(Exception):
    """A run cannot start here (no PostgreSQL, say); the message says why."""


# ---------------------------------------------------------------- PostgreSQL


def postgres_url() -> str:
    """The PostgreSQL server to create run databases on (RELIABILITY_DATABASE_URL, DATABASE_URL, or local)."""
    for name in ("RELIABILITY_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith(("postgres://", "postgresql://")):
            return url
    return DEFAULT_POSTGRES


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}", query=""))


def postgres_unavailable_reason(url: str | None = None) -> str | None:
    """None when PostgreSQL answers on loopback; otherwise why not."""
    url = url or postgres_url()
    host = urlsplit(url).hostname or ""
    if not is_loopback(host):
        return f"PostgreSQL at {host!r} is not on loopback; live runs only talk to 127.0.0.0/8 or ::1"
    try:
        import psycopg

        # The maintenance database: the one named in DATABASE_URL may not exist (pytest-django makes test_<name>).
        with psycopg.connect(with_database(url, "postgres"), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure to connect: the run is skipped with the reason
        return f"PostgreSQL not reachable at {with_database(url, '…')}: {type(exc).__name__}: {exc}".strip()
    return None


def pytest_skip_reason() -> str | None:
    """Why the PostgreSQL live tests do not run in this test session, or None.

    They run when the suite itself runs on PostgreSQL (CI's second pass) or
    RELIABILITY_DATABASE_URL names a server, so that CI does not run them twice.
    """
    suite_on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if not (suite_on_postgres or os.environ.get("RELIABILITY_DATABASE_URL")):
        return (
            "runs with PostgreSQL: in the suite's PostgreSQL pass (DATABASE_URL=postgres://...) "
            "or with RELIABILITY_DATABASE_URL=postgres://...; "
            "or run `python -m tools.reliability.concurrency` / `.crash`"
        )
    reason = postgres_unavailable_reason()
    return f"needs PostgreSQL: {reason}" if reason else None


@contextlib.contextmanager
def throwaway_database(url: str | None = None):
    """Create an empty database for one run and drop it afterwards; yields its URL."""
    import psycopg

    url = url or postgres_url()
    reason = postgres_unavailable_reason(url)
    if reason:
        raise Unavailable(reason)
    name = f"reliability_{os.getpid()}_{secrets.token_hex(4)}"
    admin = with_database(url, "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(url, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sql(database_url: str, query: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute(query, params).fetchall()


# ---------------------------------------------------------------- environment and commands


def server_env(*, database_url: str, media_root: Path, temp_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of the servers and commands of one run (production settings, no DEBUG)."""
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "SYSTEMROOT") if k in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="backoffice.settings",
        DATABASE_URL=database_url,
        SECRET_KEY=f"reliability-{secrets.token_hex(16)}",
        ALLOWED_HOSTS="127.0.0.1",
        MEDIA_ROOT=str(media_root),
        FILE_UPLOAD_TEMP_DIR=str(temp_dir),
        API_RATE_LIMIT="1000000/min",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


PREPARE = """
import django
django.setup()
from django.core.management import call_command
from core.services import api_key_create
call_command("migrate", interactive=False, verbosity=0)
print(api_key_create(name="reliability", roles=["admin"])[1])
"""


def prepare_database(env: dict[str, str]) -> str:
    """Migrate the run's database and return a new admin API key (one process: Django starts once)."""
    done = subprocess.run([PYTHON, "-c", PREPARE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"migrate or key creation failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


# ---------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_running(pgid: int) -> bool:
    """Whether a process of the group still runs (zombies waiting for init to reap them do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


class Server:
    """One gunicorn instance (master + 1 worker) on 127.0.0.1, in its own process group."""

    def __init__(self, env: dict[str, str], log_path: Path, *, threads: int = 4, port: int | None = None):
        self.env, self.log_path, self.threads = env, log_path, threads
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 60) -> None:
        command = [GUNICORN, "backoffice.wsgi", "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{self.port}"]
        command += ["-w", "1", "--threads", str(self.threads), "--graceful-timeout", "5", "--timeout", "60"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                conn = HTTPConnection("127.0.0.1", self.port, timeout=2)
                try:
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        return
                finally:
                    conn.close()
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s:\n{self.log_tail()}")

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signum)

    def kill(self) -> None:
        """SIGKILL the master and its worker at once: no handler, no cleanup runs."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reap_group()

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait(timeout=30)
        self._reap_group()

    def _reap_group(self) -> None:
        # The worker may outlive the master by a moment; make sure nothing of the group is left running.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and group_running(self.proc.pid):
            self._signal_group(signal.SIGKILL)
            time.sleep(0.02)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# ---------------------------------------------------------------- HTTP


@dataclass
class Result:
    """One request as a client saw it: status (0 when the connection failed) and the time window."""

    op: str
    target: str
    status: int
    t0: float
    t1: float
    data: object = None
    body: dict | None = None
    error: str = ""
    sent: bool = True
    sent_at: float = 0.0
    extra: dict = field(default_factory=dict)


def now_iso(offset_seconds: float = 0.0) -> str:
    return datetime.fromtimestamp(time.time() + offset_seconds, tz=UTC).isoformat().replace("+00:00", "Z")


def parse_iso(value: str | None) -> float | None:
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00")).timestamp()


class Client:
    """A tiny HTTP client (http.client, one connection per request) that never raises on a failed request."""

    def __init__(self, ports: list[int], key: str, *, timeout: float = 60, rng: random.Random | None = None):
        self.ports, self.key, self.timeout = ports, key, timeout
        self.rng = rng or random.Random()

    def request(
        self,
        op: str,
        method: str,
        path: str,
        *,
        json_body=None,
        body: bytes | None = None,
        content_type: str | None = None,
        target: str = "",
        port: int | None = None,
        pace: tuple[int, float] | None = None,
        on_sent=None,
    ) -> Result:
        """pace=(chunk_bytes, pause_seconds) sends the body slowly, like a client on a real network;
        on_sent() is called once the whole request is sent."""
        headers = {"x-api-key": self.key, "Accept": "application/json"}
        if json_body is not None:
            body, content_type = json.dumps(json_body).encode(), "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        body = body or b""
        headers["Content-Length"] = str(len(body))
        port = port or self.rng.choice(self.ports)
        t0, sent, sent_at = time.time(), False, 0.0
        conn = HTTPConnection("127.0.0.1", port, timeout=self.timeout)
        try:
            conn.putrequest(method, API + path, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.endheaders()
            step = pace[0] if pace else len(body) or 1
            for start in range(0, len(body), step):
                conn.send(body[start : start + step])
                if pace:
                    time.sleep(pace[1])
            sent, sent_at = True, time.time()
            if on_sent is not None:
                on_sent()
            response = conn.getresponse()
            raw = response.read()
            t1 = time.time()
            parsed = None
            if raw:
                try:
                    parsed = json.loads(raw)
                except ValueError:
                    parsed = {"unparsed": raw[:200].decode(errors="replace")}
            data = parsed.get("data") if isinstance(parsed, dict) else None
            return Result(op, target, response.status, t0, t1, data=data, body=parsed, sent_at=sent_at)
        except OSError as exc:
            error = f"{type(exc).__name__}: {exc}"
            return Result(op, target, 0, t0, time.time(), error=error, sent=sent, sent_at=sent_at)
        finally:
            conn.close()

    def upload(self, op: str, content: bytes, *, target: str = "", **kwargs) -> Result:
        boundary = f"reliability{secrets.token_hex(8)}"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="image.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        body = head + content + f"\r\n--{boundary}--\r\n".encode()
        return self.request(
            op,
            "POST",
            "/assets/images/upload",
            body=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            target=target,
            **kwargs,
        )


def ref_path(ref: str) -> str:
    return "/references/" + quote(ref, safe=":")


def status_table(results: list[Result]) -> dict[str, Counter]:
    table: dict[str, Counter] = {}
    for result in results:
        table.setdefault(result.op, Counter())[result.status] += 1
    return table


def format_status_table(table: dict[str, Counter]) -> str:
    lines, total = [], Counter()
    for op in sorted(table):
        total.update(table[op])
        cells = ", ".join(f"{status or 'conn-error'}: {n}" for status, n in sorted(table[op].items()))
        lines.append(f"  {op:<16} {sum(table[op].values()):>6}  ({cells})")
    cells = ", ".join(f"{status or 'conn-error'}: {n}" for status, n in sorted(total.items()))
    lines.append(f"  {'all':<16} {sum(total.values()):>6}  ({cells})")
    return "\n".join(lines)


# ---------------------------------------------------------------- images and storage


def png_bytes(seed: int, size: tuple[int, int] = (16, 12)) -> bytes:
    """A valid PNG whose bytes depend on the seed (noise, so a large one stays large: PNG level 0)."""
    from PIL import Image

    width, height = size
    image = Image.frombytes("RGB", size, random.Random(seed).randbytes(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=0)
    return buffer.getvalue()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def files_under(root: Path) -> set[str]:
    """Every file below root, as storage keys (relative, forward slashes)."""
    if not root.exists():
        return set()
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def records_without_their_file(database_url: str, media_root: Path) -> list[str]:
    """Stored-file records whose file is missing or has other bytes than the record's SHA-256."""
    problems = []
    for key, digest in sql(database_url, "SELECT key, sha256 FROM assets_storedfile ORDER BY id"):
        path = media_root / key
        if not path.is_file():
            problems.append(f"missing: {key}")
        elif file_sha256(path) != digest:
            problems.append(f"wrong content: {key}")
    return problems


@contextlib.contextmanager
def workdir(keep: bool = False, base: str | None = None):
    path = Path(tempfile.mkdtemp(prefix="reliability-", dir=base))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def scratch():
    """A run's world: a work folder holding empty `media` and `tmp` folders, and a throwaway database.

    Yields (work folder, database URL); raises Unavailable when PostgreSQL cannot be reached.
    """
    with workdir() as work, throwaway_database() as database_url:
        (work / "media").mkdir()
        (work / "tmp").mkdir()
        yield work, database_url


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


class Checks(list):
    """The invariants of a run, each held or broken, with a reason."""

    def add(self, name: str, ok: bool, detail: str = "") -> None:
        self.append(Check(name, bool(ok), detail))

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self)

    def format(self) -> str:
        return "\n".join(
            f"  [{'ok' if c.ok else 'FAILED'}] {c.name}{f': {c.detail}' if c.detail else ''}" for c in self
        )


def run_threads(target, count: int) -> list[threading.Thread]:
    threads = [threading.Thread(target=target, args=(index,), daemon=True) for index in range(count)]
    for thread in threads:
        thread.start()
    return threads


@dataclass
class Report:
    """What a reliability run found: each request's result, the checks, a few figures.

    `title` heads the text; `table_note` explains the status table's codes; `checks_name`
    names what was checked ("invariants", "checks").
    """

    title: str
    results: list[Result]
    checks: Checks
    figures: dict = field(default_factory=dict)
    table_note: str = ""
    checks_name: str = "checks"

    @property
    def ok(self) -> bool:
        return self.checks.ok

    def format(self) -> str:
        figures = "\n".join(f"  {name}: {value}" for name, value in self.figures.items())
        verdict = f"all {self.checks_name} held" if self.ok else f"{self.checks_name.upper()} BROKEN"
        return (
            f"{self.title}\nrequests per operation and status{self.table_note}:\n"
            f"{format_status_table(status_table(self.results))}\n"
            f"figures:\n{figures}\n{self.checks_name}:\n{self.checks.format()}\n"
            f"result: {verdict}"
        )


def main_of(run, doc: str, options: dict[str, dict], argv: list[str] | None) -> int:
    """The command line of a reliability run: `options` (flag: add_argument's keywords) plus `--seed`,
    the module's docstring as the help; runs, prints the report.

    Exit status: 0 when every check held, 1 when one broke, 2 when the run cannot start.
    """
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for flag, settings in options.items():
        parser.add_argument(flag, **settings)
    parser.add_argument("--seed", type=int, default=None, help="Seed of the random workload (default: random).")
    args = parser.parse_args(argv)
    try:
        report = run(**vars(args))
    except Unavailable as exc:
        print(f"cannot run: {exc}", file=sys.stderr)
        return 2
    print(report.format())
    return 0 if report.ok else 1
