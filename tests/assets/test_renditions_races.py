"""Simultaneous first hits of one rendition render it once (contract §8).

PostgreSQL: separate processes, serialized by an advisory lock. SQLite: the
threads of one process, serialized by a process-local lock (documented: two
processes on SQLite may both render; the unique record keeps one).
"""

import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.test import Client

from assets.models import Rendition
from assets.renditions import engine
from tests.assets.renditions_helpers import encode, path_of, stripes, upload_image
from tests.utils import API

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]

# One process's first hit: its renders are logged to a file and slowed, so that the other arrives meanwhile.
FIRST_HIT = """
import hashlib, os, sys, time
import django
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from assets.renditions import engine
real_render = engine._render
def slow_render(*args, **kwargs):
    with open(os.environ["RENDER_LOG"], "a") as log:
        log.write(f"{os.getpid()}\\n")
    time.sleep(1.5)
    return real_render(*args, **kwargs)
engine._render = slow_render
from django.test import Client
while not os.path.exists(os.environ["GO"]):
    time.sleep(0.01)
response = Client().get(sys.argv[1])
body = b"".join(response.streaming_content) if response.streaming else response.content
print(response.status_code, hashlib.sha256(body).hexdigest())
"""


def rendition_path(api) -> str:
    image = upload_image(encode(stripes((600, 200)), "PNG"))
    response = api.get(f"{API}/assets/images/by-id/{image.id}", {"renditions": "card.webp"})
    return path_of(response.json()["data"]["renditions"]["card.webp"]["url"])


def stored_renditions() -> list[str]:
    folders = [f"renditions/{name}" for name in default_storage.listdir("renditions")[0]]
    files = []
    for folder in folders:
        for sub in default_storage.listdir(folder)[0]:
            files += default_storage.listdir(f"{folder}/{sub}")[1]
    return files


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: the advisory lock spans processes")
def test_two_processes_racing_on_a_first_hit_render_once(api, tmp_path, settings):
    path = rendition_path(api)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backoffice.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "RENDITION_SIGNING_KEYS": ",".join(django_settings.RENDITION_SIGNING_KEYS),
        "RENDER_LOG": str(tmp_path / "renders.log"),
        "GO": str(tmp_path / "go"),
        "PYTHONPATH": str(ROOT),
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_HIT, path],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(3)  # both have set Django up and wait for the signal
    (tmp_path / "go").touch()
    outputs = [process.communicate(timeout=120) for process in processes]
    answers = [out.split() for out, _ in outputs]
    assert all(answer and answer[0] == "200" for answer in answers), outputs
    assert answers[0][1] == answers[1][1]  # the same bytes
    assert len((tmp_path / "renders.log").read_text().split()) == 1  # one render
    assert Rendition.objects.count() == 1
    assert len(stored_renditions()) == 1


def test_simultaneous_first_hits_in_one_process_render_once(api, monkeypatch):
    path = rendition_path(api)
    renders = []
    real_render = engine._render

    def slow_render(*args, **kwargs):
        renders.append(1)
        time.sleep(0.5)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(engine, "_render", slow_render)
    results = []
    barrier = threading.Barrier(6)

    def hit():
        try:
            barrier.wait()
            response = Client().get(path)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            results.append((response.status_code, hashlib.sha256(body).hexdigest()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 6
    assert {status for status, _ in results} == {200}
    assert len({digest for _, digest in results}) == 1
    assert len(renders) == 1
    assert Rendition.objects.count() == 1
    assert len(stored_renditions()) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's test database lives in its one connection")
def test_a_hit_on_a_connection_the_server_closed_is_answered_on_a_new_one(api):
    import psycopg

    path = rendition_path(api)
    assert Client().get(path).status_code == 200
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(
        dbname=params["dbname"], user=params.get("user"), host=params.get("host"), port=params.get("port")
    ) as other:  # the server ends our session, as a restart or an idle timeout would
        other.execute("SELECT pg_terminate_backend(%s)", [backend])
    response = Client().get(path)
    assert response.status_code == 200
    assert connection.connection.info.backend_pid != backend
