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
