"""Renditions on object storage (moto's S3 server on loopback): rendered from the bucket, stored and served there."""

from types import SimpleNamespace
from unittest import mock

import pytest
from django.test import Client
from storages.backends.s3 import S3Storage

from assets.models import Rendition
from reliability.objectstore import create_bucket, moto_server, object_keys, s3_client, storage_options
from tests.assets.renditions_helpers import BLUE, RED, close_to, decode, encode, path_of, stripes
from tests.utils import API

pytest.importorskip("moto.server", reason="moto[server] is in requirements.txt; install it to run these")
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def endpoint():
    with moto_server() as url:
        yield url


@pytest.fixture
def s3(settings, endpoint):
    client = s3_client(endpoint)
    bucket = create_bucket(client)
    settings.STORAGES = {**settings.STORAGES, "default": storage_options(endpoint, bucket)}
    return SimpleNamespace(client=client, bucket=bucket)


def test_a_rendition_is_rendered_from_the_bucket_stored_in_it_and_then_served_without_a_lookup(api, s3, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = encode(stripes((300, 100), (RED, RED, BLUE)), "JPEG")
    key = api.post(
        f"{API}/assets/images/upload", {"file": SimpleUploadedFile("p.jpg", content)}, format="multipart"
    ).json()["data"]["file_key"]
    image = api.post(f"{API}/assets/images", {"file_key": key, "name": "S3", "gravity": "east"}, format="json")
    image_id = image.json()["data"]["id"]
    data = api.get(f"{API}/assets/images/by-id/{image_id}", {"renditions": "fill-50x50.webp"}).json()["data"]
    path = path_of(data["renditions"]["fill-50x50.webp"]["url"])

    first = Client().get(path)
    body = b"".join(first.streaming_content)
    assert first.status_code == 200
    assert close_to(decode(body).convert("RGB").getpixel((25, 25)), BLUE)  # the east side
    record = Rendition.objects.get()
    assert record.key in object_keys(s3.client, s3.bucket)
    assert s3.client.head_object(Bucket=s3.bucket, Key=record.key)["ContentType"] == "image/webp"

    monkeypatch.setattr(S3Storage, "exists", mock.Mock(side_effect=AssertionError("exists() on a hit")))
    again = Client().get(path)
    assert again.status_code == 200 and b"".join(again.streaming_content) == body
