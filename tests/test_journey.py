"""A consumer's whole journey through a client generated from the served schema.

openapi-python-client (pinned in requirements.txt) generates a Python client
from `/api/core/v2/openapi.json` as a live server serves it, into the test's
temporary folder (nothing generated is kept), offline. The client then does
what a consumer does: upload, create, read by id, key and hash, page through
the categories both ways, references and their lookup, and meets the error
bodies. What it cannot express (a typo in a path, say) is not its business.
"""

import importlib
import json
import re
import subprocess
import sys
import uuid
from io import BytesIO
from urllib.parse import quote

import httpx
import pytest

from tests.utils import API, image_bytes

PACKAGE = "generated_backoffice_client"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture
def generated(live_server, tmp_path, monkeypatch):
    """The client package generated from the live server's schema, imported."""
    schema = httpx.get(f"{live_server.url}{API}/openapi.json", timeout=30)
    assert schema.status_code == 200
    (tmp_path / "openapi.json").write_bytes(schema.content)
    # No post hooks: the generator would run ruff over the output, which nothing here needs.
    (tmp_path / "config.json").write_text(json.dumps({"post_hooks": []}))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(tmp_path / "openapi.json"),
            "--config",
            str(tmp_path / "config.json"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower(), result.stdout + result.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield importlib.import_module(PACKAGE)
    for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def module(package, name: str):
    return importlib.import_module(f"{package.__name__}.{name}")


def client_with(package, base_url: str, key: str | None):
    client = module(package, "client")
    if key is None:
        return client.Client(base_url=base_url, raise_on_unexpected_status=True)
    return client.AuthenticatedClient(
        base_url=base_url, token=key, prefix="", auth_header_name="x-api-key", raise_on_unexpected_status=True
    )


def timestamps_of(value) -> list[str]:
    """Every *_at value of a JSON answer, at any depth."""
    found = []
    if isinstance(value, dict):
        for name, item in value.items():
            if name.endswith("_at") and item is not None:
                found.append(item)
            else:
                found.extend(timestamps_of(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(timestamps_of(item))
    return found


@pytest.mark.django_db(transaction=True)
def test_a_consumer_journey_through_the_generated_client(generated, live_server, make_key):
    api = lambda name: module(generated, f"api.{name}")  # noqa: E731
    models = module(generated, "models")
    types = module(generated, "types")
    client = client_with(generated, live_server.url, make_key("admin"))
    answers = []

    def call(operation, **kwargs):
        response = operation.sync_detailed(client=client, **kwargs)
        answers.append(json.loads(response.content) if response.content else None)
        return response

    # Upload: new bytes 201, the same bytes again 200 with the same key.
    photo = image_bytes("PNG", size=(40, 30))
    upload = lambda: call(  # noqa: E731
        api("asset_images.asset_images_upload"),
        body=models.UploadRequest(
            file=types.File(payload=BytesIO(photo), file_name="photo.png", mime_type="image/png")
        ),
    )
    first = upload()
    assert first.status_code == 201
    stored = first.parsed.data
    assert (stored.content_type, stored.width, stored.height) == ("image/png", 40, 30)
    assert upload().status_code == 200 and upload().parsed.data.file_key == stored.file_key

    # Create the image that describes it; caption_text is derived from the stored caption.
    created = call(
        api("asset_images.asset_images_create"),
        body=models.ImageCreateRequest(
            file_key=stored.file_key,
            name="Harbour at dawn",
            gravity=models.GravityEnum.NORTH,
            locales=[models.ImageLocaleInputRequest(locale="en", caption_html="<p>The <em>harbour</em></p>")],
        ),
        idempotency_key=str(uuid.uuid4()),
    )
    assert created.status_code == 201, created.content
    image = created.parsed.data
    assert image.locales[0].caption_text == "The harbour"
    assert image.gravity == models.GravityEnum.NORTH

    # Read it by id, by storage key and by content hash: the same image each time.
    by_id = call(api("asset_images.asset_images_get_by_id"), id=image.id)
    by_key = call(api("asset_images.asset_images_get_by_key"), file_key=stored.file_key)
    by_hash = call(api("asset_images.asset_images_get_by_hash"), file_hash=stored.file_hash)
    for response in (by_id, by_key, by_hash):
        assert response.status_code == 200
        assert response.parsed.data.to_dict() == image.to_dict()

    # Soft delete, invisible, restore.
    assert call(api("asset_images.asset_images_delete"), id=image.id).status_code == 204
    gone = call(api("asset_images.asset_images_get_by_id"), id=image.id)
    assert (gone.status_code, gone.parsed.error) == (404, "Entity not found")
    restored = call(api("asset_images.asset_images_restore"), id=image.id)
    assert restored.status_code == 200 and restored.parsed.data.deleted_at is None

    # Categories: 25 of them, paged forward by meta.next, then back by meta.previous.
    names = [f"Category {index:02}" for index in range(25)]
    for name in names:
        body = models.CategoryCreateRequest(locales=[models.CategoryLocaleCreateRequest(locale="en", name=name)])
        assert call(api("categories.categories_create"), body=body).status_code == 201
    list_categories = api("categories.categories_list")
    pages, after = [], types.UNSET
    while True:
        page = call(list_categories, limit=10, after=after)
        assert page.status_code == 200, page.content
        pages.append([item.locales[0].name for item in page.parsed.data])
        if page.parsed.meta.next_ is None:
            break
        after = page.parsed.meta.next_
    assert [len(page) for page in pages] == [10, 10, 5]
    assert sum(pages, []) == list(reversed(names))  # newest first
    before = page.parsed.meta.previous
    back = []
    while before is not None:
        page = call(list_categories, limit=10, before=before)
        assert page.status_code == 200, page.content
        back.insert(0, [item.locales[0].name for item in page.parsed.data])
        before = page.parsed.meta.previous
    assert back == pages[:2]

    # References: the ref goes to the generated client as it is; the client encodes it.
    ref = "facebook:10158/posts:42?x=1#top"
    created_ref = call(
        api("references.references_create"),
        body=models.ReferenceCreateRequest(
            provider="facebook", id="10158/posts:42?x=1#top", urn=f"urn:docs:content:{uuid.uuid4()}"
        ),
    )
    assert created_ref.status_code == 201, created_ref.content
    got = call(api("references.references_get"), ref=ref)
    assert got.status_code == 200 and got.parsed.data.id == "10158/posts:42?x=1#top"
    # Encoding it first as well (as for a URL built by hand) encodes it twice: another ref, 404.
    assert call(api("references.references_get"), ref=quote(ref, safe="")).status_code == 404
    found = call(
        api("references.references_lookup"),
        body=models.ReferenceLookupRequest(refs=["twitter:1790", ref, "nonsense"]),
    )
    assert found.status_code == 200 and [item.id for item in found.parsed.data] == ["10158/posts:42?x=1#top"]
    assert call(api("references.references_delete"), ref=ref).status_code == 204
    assert call(api("references.references_get"), ref=ref).status_code == 404

    # Error bodies, parsed by the client as the schema's Error.
    bad_uuid = call(api("asset_images.asset_images_get_by_id"), id="123")
    assert (bad_uuid.status_code, bad_uuid.parsed.error) == (400, "Invalid uuid sent")
    bad_limit = call(list_categories, limit=0)
    assert bad_limit.status_code == 400 and bad_limit.parsed.error == "Bad Request"
    assert "limit" in bad_limit.parsed.details
    conflict = call(
        api("asset_images.asset_images_create"),
        body=models.ImageCreateRequest(file_key=stored.file_key, name="Twice"),
    )
    assert (conflict.status_code, conflict.parsed.error) == (409, "Conflict")
    anonymous = client_with(generated, live_server.url, None)
    no_key = api("categories.categories_list").sync_detailed(client=anonymous)
    assert (no_key.status_code, no_key.parsed.error) == (401, "Unauthorized API KEY")
    reader = client_with(generated, live_server.url, make_key("categories:read", name="reader"))
    no_role = api("asset_images.asset_images_list").sync_detailed(client=reader)
    assert (no_role.status_code, no_role.parsed.error) == (403, "Unauthorized roles")

    # Every timestamp of every answer: six fractional digits and Z.
    stamps = timestamps_of(answers)
    assert stamps and all(TIMESTAMP.match(stamp) for stamp in stamps), [s for s in stamps if not TIMESTAMP.match(s)]
