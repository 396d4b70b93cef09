"""An S3-compatible server on loopback (moto's server mode) and the few bucket reads the checks need."""

import contextlib
import hashlib
import secrets

REGION = "us-east-1"
ACCESS_KEY = "reliability-access-key"
SECRET_KEY = "reliability-secret-key"


@contextlib.contextmanager
def moto_server():
    """Start moto's S3 server on 127.0.0.1 and a free port; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )


def create_bucket(client) -> str:
    name = f"backoffice-{secrets.token_hex(6)}"
    client.create_bucket(Bucket=name)
    return name


def storage_options(endpoint: str, bucket: str) -> dict:
    """The S3 storage settings exactly as backoffice/settings.py builds them from the S3_* variables."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "region_name": REGION,
            "file_overwrite": True,
            "querystring_auth": True,
        },
    }


def s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    """The production environment variables for the same bucket (servers and commands run with these)."""
    return {
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
        "S3_REGION": REGION,
    }


def object_keys(client, bucket: str) -> set[str]:
    keys = set()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def object_sha256(client, bucket: str, key: str) -> str:
    return hashlib.sha256(client.get_object(Bucket=bucket, Key=key)["Body"].read()).hexdigest()
