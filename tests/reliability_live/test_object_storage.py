"""Object storage for real (issue 7, item 6): uploads, creates, dedup, verify_assets and renditions on an S3 server.

moto's server mode listens on 127.0.0.1; django-storages talks to it over HTTP
with the same options production builds from the S3_* variables. The last test
runs a gunicorn server configured by those variables alone.
"""

import hashlib
import threading
from datetime import timedelta
from http.client import HTTPConnection
from io import StringIO
from types import SimpleNamespace
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as DjangoClient
from django.utils import timezone
from storages.backends.s3 import S3Storage

from assets.models import AssetImage, Rendition, StoredFile
from assets.storage import storage_key
from tests.assets.renditions_helpers import BLUE, RED, close_to, decode, encode, path_of, stripes
from tests.utils import API, image_bytes
from tools.reliability.harness import Client, Server, files_under, manage, prepare_database, server_env, workdir
from tools.reliability.objectstore import (
    create_bucket,
    moto_server,
    object_keys,
    object_sha256,
    s3_client,
    s3_env,
    storage_options,
)

pytest.importorskip("moto.server", reason="moto[server] is in requirements.txt; install it to run these")


@pytest.fixture(scope="module")
def endpoint():
    with moto_server() as url:
        yield url


@pytest.fixture
def s3(settings, endpoint):
    """A fresh bucket, and the default storage pointed at it."""
    client = s3_client(endpoint)
    bucket = create_bucket(client)
    settings.STORAGES = {**settings.STORAGES, "default": storage_options(endpoint, bucket)}
    return SimpleNamespace(client=client, bucket=bucket, endpoint=endpoint)


def upload(api, content: bytes, name: str = "photo.png"):
    return api.post(f"{API}/assets/images/upload", {"file": SimpleUploadedFile(name, content)}, format="multipart")


def fetch(url: str) -> tuple[int, bytes, str]:
    """GET a presigned URL on the loopback endpoint: status, body, Content-Type."""
    parts = urlsplit(url)
    conn = HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", f"{parts.path}?{parts.query}")
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("Content-Type", "")
    finally:
        conn.close()


def verify_assets(*args: str) -> tuple[bool, str]:
    """Run verify_assets; (passed, output)."""
    out = StringIO()
    try:
        call_command("verify_assets", *args, stdout=out, stderr=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def test_an_upload_stores_its_bytes_in_the_bucket_under_the_file_key(api, s3):
    content = image_bytes("PNG", (40, 30))
    response = upload(api, content)

    assert response.status_code == 201
    data = response.json()["data"]
    digest = hashlib.sha256(content).hexdigest()
    assert data["file_key"] == storage_key(digest, "png")
    assert object_keys(s3.client, s3.bucket) == {data["file_key"]}
    assert object_sha256(s3.client, s3.bucket, data["file_key"]) == digest == data["file_hash"]
    assert s3.client.head_object(Bucket=s3.bucket, Key=data["file_key"])["ContentType"] == "image/png"


def test_the_stored_object_has_the_judged_content_type_not_the_declared_one(api, s3):
    # A bucket serves an object with its stored Content-Type: a declared text/html must not stick.
    content = image_bytes("GIF", (20, 20))
    file = SimpleUploadedFile("page.html", content, content_type="text/html")
    response = api.post(f"{API}/assets/images/upload", {"file": file}, format="multipart")

    assert response.status_code == 201
    key = response.json()["data"]["file_key"]
    assert key.endswith(".gif")
    assert s3.client.head_object(Bucket=s3.bucket, Key=key)["ContentType"] == "image/gif"
    image = api.post(f"{API}/assets/images", {"file_key": key, "name": "GIF"}, format="json").json()["data"]
    status, body, served_as = fetch(image["url"])
    assert (status, served_as, body) == (200, "image/gif", content)


def test_the_same_bytes_again_answer_200_and_store_no_second_object(api, s3):
    content = image_bytes("JPEG", (40, 30))
    first = upload(api, content, "a.jpg")
    again = upload(api, content, "another-name.png")
    other = upload(api, image_bytes("PNG", (40, 30)))

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json()["data"] == first.json()["data"]
    keys = {first.json()["data"]["file_key"], other.json()["data"]["file_key"]}
    assert object_keys(s3.client, s3.bucket) == keys
    assert StoredFile.objects.count() == 2


def test_created_and_read_images_answer_a_url_on_the_endpoint_that_serves_the_bytes(api, s3):
    content = image_bytes("PNG", (50, 20))
    key = upload(api, content).json()["data"]["file_key"]

    created = api.post(f"{API}/assets/images", {"file_key": key, "name": "On S3"}, format="json")
    assert created.status_code == 201
    image = created.json()["data"]
    read = api.get(f"{API}/assets/images/by-id/{image['id']}").json()["data"]
    listed = api.get(f"{API}/assets/images").json()["data"]

    for url in (image["url"], read["url"], listed[0]["url"]):
        assert url.startswith(f"{s3.endpoint}/{s3.bucket}/{key}?")
        assert "Signature=" in url  # presigned (SigV2 or SigV4, whichever botocore picks)
    status, body, served_as = fetch(read["url"])
    assert (status, served_as) == (200, "image/png")
    assert hashlib.sha256(body).hexdigest() == image["file_hash"]


def test_verify_assets_finds_an_orphan_object_and_removes_it_with_fix_orphans(api, s3):
    kept = upload(api, image_bytes("PNG", (10, 10))).json()["data"]["file_key"]
    orphan_bytes = image_bytes("PNG", (11, 11))
    orphan = storage_key(hashlib.sha256(orphan_bytes).hexdigest(), "png")
    s3.client.put_object(Bucket=s3.bucket, Key=orphan, Body=orphan_bytes)
    s3.client.put_object(Bucket=s3.bucket, Key="images/zz/cut-short.part", Body=b"half")
    s3.client.put_object(Bucket=s3.bucket, Key="elsewhere/not-ours.txt", Body=b"other data")

    # Young objects are left alone by default (the bucket's LastModified is read for that).
    passed, output = verify_assets()
    assert passed, output
    passed, output = verify_assets("--min-age-minutes", "0")
    assert not passed
    assert f"orphan: {orphan}" in output
    assert "orphan: images/zz/cut-short.part" in output
    assert "orphans: 2" in output

    passed, output = verify_assets("--min-age-minutes", "0", "--fix-orphans")
    assert passed, output
    assert object_keys(s3.client, s3.bucket) == {kept, "elsewhere/not-ours.txt"}
    passed, output = verify_assets("--min-age-minutes", "0")
    assert passed, output
    assert "records checked: 1, missing: 0, wrong content: 0, orphans: 0" in output


def test_verify_assets_reads_the_objects_back_and_reports_missing_and_wrong_ones(api, s3):
    lost = upload(api, image_bytes("PNG", (12, 12))).json()["data"]["file_key"]
    changed = upload(api, image_bytes("PNG", (13, 13))).json()["data"]["file_key"]
    s3.client.delete_object(Bucket=s3.bucket, Key=lost)
    s3.client.put_object(Bucket=s3.bucket, Key=changed, Body=image_bytes("PNG", (14, 14)))

    passed, output = verify_assets("--min-age-minutes", "0")

    assert not passed
    assert f"missing: {lost}" in output
    assert f"wrong content: {changed}" in output


def test_an_upload_puts_back_an_object_lost_from_the_bucket(api, s3):
    content = image_bytes("PNG", (15, 15))
    key = upload(api, content).json()["data"]["file_key"]
    s3.client.delete_object(Bucket=s3.bucket, Key=key)

    response = upload(api, content)

    assert response.status_code == 200
    assert object_sha256(s3.client, s3.bucket, key) == hashlib.sha256(content).hexdigest()


def test_an_upload_replaces_a_truncated_object_left_at_its_key(api, s3):
    content = image_bytes("PNG", (200, 100))
    key = storage_key(hashlib.sha256(content).hexdigest(), "png")
    s3.client.put_object(Bucket=s3.bucket, Key=key, Body=content[: len(content) // 2])

    response = upload(api, content)

    assert response.status_code == 201
    assert object_sha256(s3.client, s3.bucket, key) == hashlib.sha256(content).hexdigest()


def test_purge_deleted_erases_the_objects_of_purged_files_and_keeps_the_used_ones(api, s3):
    def image_on(size):
        key = upload(api, image_bytes("PNG", size)).json()["data"]["file_key"]
        return key, api.post(f"{API}/assets/images", {"file_key": key, "name": "x"}, format="json").json()["data"]

    deleted_key, deleted = image_on((16, 16))
    live_key, _ = image_on((17, 17))
    unused_key = upload(api, image_bytes("PNG", (18, 18))).json()["data"]["file_key"]
    assert api.delete(f"{API}/assets/images/{deleted['id']}").status_code == 204
    long_ago = timezone.now() - timedelta(days=10)
    AssetImage.all_objects.filter(deleted_at__isnull=False).update(deleted_at=long_ago)
    StoredFile.objects.update(created_at=long_ago)

    call_command("purge_deleted", "--older-than", "7", stdout=StringIO())

    assert object_keys(s3.client, s3.bucket) == {live_key}
    assert set(StoredFile.objects.values_list("key", flat=True)) == {live_key}
    assert unused_key != deleted_key
    passed, output = verify_assets("--min-age-minutes", "0")
    assert passed, output


def test_readyz_reaches_the_bucket(client, db, s3):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["storage"] == "ok"


def test_readyz_is_503_when_the_bucket_does_not_exist(client, db, settings, s3):
    # A missing object answers 404 like a missing bucket: the probe must not take one for the other.
    settings.STORAGES = {**settings.STORAGES, "default": storage_options(s3.endpoint, "no-such-bucket")}

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "storage": "unavailable"}


def test_a_server_configured_by_the_s3_variables_stores_in_the_bucket(endpoint):
    """gunicorn with production settings: S3_* variables only, SQLite, no DEBUG."""
    client = s3_client(endpoint)
    bucket = create_bucket(client)
    with workdir() as work:
        media = work / "media"
        env = server_env(
            database_url=f"sqlite:///{work / 'db.sqlite3'}",
            media_root=media,
            temp_dir=work,
            **s3_env(endpoint, bucket),
        )
        key = prepare_database(env)
        server = Server(env, work / "server.log", threads=8)
        server.start()
        try:
            api = Client([server.port], key)
            first = api.upload("upload", image_bytes("PNG", (30, 30)))
            assert first.status == 201, first.body
            file_key = first.data["file_key"]

            # Eight clients upload the same new bytes at once: one 201, one object, one key.
            same = image_bytes("PNG", (31, 31))
            answers = []
            threads = [threading.Thread(target=lambda: answers.append(api.upload("upload", same))) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert sorted(a.status for a in answers) == [200] * 7 + [201], [a.body for a in answers]
            assert len({a.data["file_key"] for a in answers}) == 1

            created = api.request("create", "POST", "/assets/images", json_body={"file_key": file_key, "name": "x"})
            assert created.status == 201, created.body
            assert created.data["url"].startswith(f"{endpoint}/{bucket}/{file_key}?")
            status, body, _ = fetch(created.data["url"])
            assert (status, hashlib.sha256(body).hexdigest()) == (200, first.data["file_hash"])
        finally:
            server.stop()

        stored = {file_key, answers[0].data["file_key"]}
        assert object_keys(client, bucket) == stored
        assert files_under(media) == set()
        client.put_object(Bucket=bucket, Key="images/00/orphan.png", Body=b"left by a crash")
        listed = manage(env, "verify_assets", "--min-age-minutes", "0")
        assert listed.returncode == 1
        assert "orphan: images/00/orphan.png" in listed.stdout
        fixed = manage(env, "verify_assets", "--min-age-minutes", "0", "--fix-orphans")
        assert fixed.returncode == 0, fixed.stdout + fixed.stderr
        assert object_keys(client, bucket) == stored
        assert "records checked: 2, missing: 0, wrong content: 0, orphans: 1 (removed)" in fixed.stdout


def test_a_rendition_is_rendered_from_the_bucket_stored_in_it_and_then_served_without_a_lookup(api, s3, monkeypatch):
    content = encode(stripes((300, 100), (RED, RED, BLUE)), "JPEG")
    key = api.post(
        f"{API}/assets/images/upload", {"file": SimpleUploadedFile("p.jpg", content)}, format="multipart"
    ).json()["data"]["file_key"]
    image = api.post(f"{API}/assets/images", {"file_key": key, "name": "S3", "gravity": "east"}, format="json")
    image_id = image.json()["data"]["id"]
    data = api.get(f"{API}/assets/images/by-id/{image_id}", {"renditions": "fill-50x50.webp"}).json()["data"]
    path = path_of(data["renditions"]["fill-50x50.webp"]["url"])

    first = DjangoClient().get(path)
    body = b"".join(first.streaming_content)
    assert first.status_code == 200
    assert close_to(decode(body).convert("RGB").getpixel((25, 25)), BLUE)  # the east side
    record = Rendition.objects.get()
    assert record.key in object_keys(s3.client, s3.bucket)
    assert s3.client.head_object(Bucket=s3.bucket, Key=record.key)["ContentType"] == "image/webp"

    monkeypatch.setattr(S3Storage, "exists", mock.Mock(side_effect=AssertionError("exists() on a hit")))
    again = DjangoClient().get(path)
    assert again.status_code == 200 and b"".join(again.streaming_content) == body
