"""gunicorn.conf.py: the production server's settings, and the malloc tuning of its workers."""

import runpy
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def load(monkeypatch, **env) -> dict:
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def fake_server():
    return SimpleNamespace(log=mock.Mock())


class FakeLibc:
    def __init__(self, result=1):
        self.calls = []
        self.result = result

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return self.result


def test_the_access_log_leaves_the_query_string_out(monkeypatch):
    conf = load(monkeypatch)
    assert "%(U)s" in conf["access_log_format"]
    assert "%(q)s" not in conf["access_log_format"] and "%(r)s" not in conf["access_log_format"]


def test_a_worker_keeps_freed_memory_for_reuse(monkeypatch):
    conf = load(monkeypatch)
    libc = FakeLibc()
    with mock.patch("ctypes.CDLL", return_value=libc):
        conf["post_fork"](fake_server(), None)
    assert libc.calls == [(-3, 4 * 1024 * 1024), (-1, 32 * 1024 * 1024)]


def test_the_amount_is_a_setting(monkeypatch):
    conf = load(monkeypatch, MALLOC_KEEP_MIB="64")
    libc = FakeLibc()
    with mock.patch("ctypes.CDLL", return_value=libc):
        conf["post_fork"](fake_server(), None)
    assert (-1, 64 * 1024 * 1024) in libc.calls


@pytest.mark.parametrize("env", [{"MALLOC_KEEP_MIB": "0"}, {"MALLOC_TRIM_THRESHOLD_": "131072"}])
def test_off_when_disabled_or_set_by_the_environment(monkeypatch, env):
    conf = load(monkeypatch, **env)
    libc = FakeLibc()
    with mock.patch("ctypes.CDLL", return_value=libc):
        conf["post_fork"](fake_server(), None)
    assert libc.calls == []


def test_a_refusal_is_logged(monkeypatch):
    conf = load(monkeypatch)
    server = fake_server()
    with mock.patch("ctypes.CDLL", return_value=FakeLibc(result=0)):
        conf["post_fork"](server, None)
    server.log.warning.assert_called_once()


def test_without_glibc_nothing_happens(monkeypatch):
    conf = load(monkeypatch)
    server = fake_server()
    with mock.patch("ctypes.CDLL", side_effect=OSError("no libc")):
        conf["post_fork"](server, None)
    server.log.warning.assert_not_called()


def test_this_machines_libc_takes_the_settings(monkeypatch):
    conf = load(monkeypatch)
    server = fake_server()
    conf["post_fork"](server, None)  # the real mallopt, in this process
    server.log.warning.assert_not_called()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _send(port: int, data: bytes) -> bytes:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "raw",
    [
        # A control byte in the query: gunicorn refuses the request line and logs it whole.
        b"GET /api/core/v2/assets/images?x-api-key=KEYPREFIX.SECRETPART\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
        b"GET /api/core/v2/assets/images?x-api-ke%79=KEYPREFIX.SECRETPART\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
        # A header line without its colon: logged whole too.
        b"GET /api/core/v2/assets/images HTTP/1.1\r\nHost: a\r\nx-api-key KEYPREFIX.SECRETPART\r\n\r\n",
        b"GET /api/core/v2/assets/images HTTP/1.1\r\nHost: a\r\nX-Api-Key\tKEYPREFIX.SECRETPART\r\n\r\n",
    ],
)
def test_gunicorns_own_error_log_never_shows_a_key(tmp_path, raw):
    """A real gunicorn with this configuration, fed malformed requests carrying a key (issue 16, item 4)."""
    import os
    import subprocess
    import sys
    import time

    port = _free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "SECRET_KEY": "x" * 50, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"}
    env["GUNICORN_ACCESSLOG"] = str(log)
    command = [sys.executable, "-m", "gunicorn", "-c", str(CONF), "--error-logfile", str(log), "--log-level", "debug"]
    server = subprocess.Popen([*command, "backoffice.wsgi"], cwd=CONF.parent, env=env)
    try:
        for _ in range(200):
            try:
                answer = _send(port, raw)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        assert answer.startswith(b"HTTP/1.1 400")
        time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    written = log.read_text()
    assert "Invalid" in written  # the line was logged ...
    assert "SECRETPART" not in written  # ... without the key
    assert "[redacted]" in written
