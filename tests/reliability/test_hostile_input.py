"""Hostile input corpus (issue 7, item 3): each case with its expected status, and what was stored.

CORPUS is the data table. A refused case must leave every table's row counts
(live and all) and the storage exactly as they were. An accepted case (a
sanitized caption or icon, an odd but valid name, a polyglot that is a real
image) names a check of what was stored instead.
"""

import io
import json
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from assets.models import AssetImage, StoredFile
from categories.models import Category
from categories.services import category_create
from references.models import Reference
from tests.factories import stored_file
from tests.reliability.helpers import db_snapshot, stored_files
from tests.utils import API, image_bytes

NOTHING = object()
ASCII_CONTROL = "".join(chr(c) for c in range(32)) + "\x7f"


# --- files -------------------------------------------------------------------------------------


def png_declaring(width: int, height: int) -> bytes:
    """A tiny real PNG whose IHDR claims another size (CRC fixed, so only the size lies)."""
    data = bytearray(image_bytes("PNG", size=(1, 1)))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def noise_png(side: int) -> bytes:
    """A PNG that does not compress (random pixels), so its size is about side² × 3 bytes."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), random.Random(7).randbytes(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def gif_js_polyglot() -> bytes:
    """A real 1×1 GIF whose first bytes also read as JavaScript (`GIF89a=...;alert(1)//`)."""
    gif = bytearray(image_bytes("GIF", size=(1, 1)))
    # The logical screen width field (bytes 6-7) becomes "/*"; the JS ends in a trailer comment.
    gif[6:8] = b"/*"
    return bytes(gif) + b"*/=1;alert(document.domain)//"


def jpeg_with_zip() -> bytes:
    zipped = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return image_bytes("JPEG", size=(16, 16)) + zipped.getvalue()


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>&d;</text></svg>'
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
)
XXE_PARAMETER = (
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>'
    '<svg xmlns="http://www.w3.org/2000/svg"/>'
)
SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8">{}</svg>'


# --- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str  # {category} and {file_key} are filled from the context
    status: int
    json: Any = NOTHING  # a body sent as JSON
    raw: bytes | None = None  # or raw bytes with `content_type`
    content_type: str = "application/json"
    upload: bytes | None = None  # or a multipart upload of these bytes
    filename: str = "upload.png"
    stored: Callable[[dict, dict], None] | None = None  # check(response body, context) of an accepted case
    settings: dict = field(default_factory=dict)


def _category_names(body, ctx) -> list[str]:
    category = Category.objects.get(pk=body["data"]["id"])
    return [locale.name for locale in category.locales.all()]


def stored_name(expected: str) -> Callable:
    def check(body, ctx):
        assert body["data"]["locales"][0]["name"] == expected
        assert _category_names(body, ctx) == [expected]

    return check


def clean_caption(*forbidden: str, keeps: str = "") -> Callable:
    def check(body, ctx):
        image = AssetImage.objects.get(pk=body["data"]["id"])
        stored = image.locales.get().caption_html
        assert stored == body["data"]["locales"][0]["caption_html"]
        for needle in forbidden:
            assert needle.lower() not in stored.lower(), stored
        assert keeps in stored

    return check


def clean_icon(*forbidden: str, keeps: str = "<svg") -> Callable:
    def check(body, ctx):
        stored = Category.objects.get(pk=body["data"]["id"]).svg_icon
        assert stored == body["data"]["svg_icon"]
        for needle in forbidden:
            assert needle.lower() not in stored.lower(), stored
        assert keeps in stored

    return check


def stored_as(content_type: str) -> Callable:
    def check(body, ctx):
        data = body["data"]
        assert data["content_type"] == content_type
        record = StoredFile.objects.get(key=data["file_key"])
        assert record.content_type == content_type
        assert data["file_key"].startswith("images/") and ".." not in data["file_key"]
        # Content-addressed: the name is the hash of the bytes, whatever the client called the file.
        assert set(stored_files()) - ctx["files_before"] == {data["file_key"]}
        assert not [p for p in ctx["tmp_path"].iterdir() if p.name != "media"], "a file escaped MEDIA_ROOT"

    return check


def _cat(name: str, **extra) -> dict:
    return {"locales": [{"locale": "en", "name": name}], **extra}


def _image(**extra) -> dict:
    return {"file_key": "{file_key}", "name": "Photo", **extra}


def _caption(html: str) -> dict:
    return _image(locales=[{"locale": "en", "caption_html": html}])


def _ref(**extra) -> dict:
    return {"provider": "facebook", "id": "post-1", "urn": "urn:docs:content:1", **extra}


CATS, IMAGES, REFS, UPLOAD = (
    f"{API}/categories",
    f"{API}/assets/images",
    f"{API}/references",
    f"{API}/assets/images/upload",
)
NESTED = ("[" * 100_000 + "]" * 100_000).encode()


def caption_case(name: str, html: str, *forbidden: str, keeps: str = "") -> Case:
    """A caption stored sanitized (201): none of `forbidden` left, `keeps` kept."""
    return Case(
        f"caption: {name}", "POST", IMAGES, 201, json=_caption(html), stored=clean_caption(*forbidden, keeps=keeps)
    )


def icon_case(name: str, inner: str, *forbidden: str, keeps: str = "<svg") -> Case:
    """An SVG icon (`inner` in an <svg>) stored sanitized (201)."""
    body = _cat("A", svg_icon=SVG.format(inner))
    return Case(f"svg: {name}", "POST", CATS, 201, json=body, stored=clean_icon(*forbidden, keeps=keeps))


def upload_case(name: str, data: bytes, filename: str, content_type: str) -> Case:
    """An upload accepted (201) and stored as `content_type`, whatever its name says."""
    return Case(f"upload: {name}", "POST", UPLOAD, 201, upload=data, filename=filename, stored=stored_as(content_type))


CORPUS = [
    # Invalid UUIDs in paths and bodies.
    Case("uuid: word", "GET", f"{CATS}/not-a-uuid", 400),
    Case("uuid: sql injection", "GET", f"{CATS}/'%20OR%201=1--", 400),
    Case("uuid: one char off", "DELETE", f"{IMAGES}/00000000-0000-0000-0000-00000000000g", 400),
    Case("uuid: 10k chars", "GET", f"{IMAGES}/by-id/{'a' * 10_000}", 400),
    Case("uuid: percent-encoded NUL", "POST", f"{CATS}/%00/restore", 400),
    Case(
        "uuid: in PATCH locale id",
        "PATCH",
        f"{CATS}/{{category}}",
        400,
        json={"locales": [{"id": "x", **_cat("A")["locales"][0]}]},
    ),
    Case("hash: 64 hex + newline", "GET", f"{IMAGES}/by-hash/{'a' * 64}%0A", 400),
    Case("hash: 65 hex", "GET", f"{IMAGES}/by-hash/{'a' * 65}", 400),
    # Malformed and deeply nested JSON.
    Case("json: cut short", "POST", CATS, 400, raw=b'{"locales": [{"locale": "en"'),
    Case("json: trailing garbage", "POST", CATS, 400, raw=b'{"locales": []} xx'),
    Case("json: 100k nested arrays", "POST", CATS, 400, raw=NESTED),
    Case("json: 100k nested objects", "POST", REFS, 400, raw=b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
    Case("json: invalid UTF-8", "POST", CATS, 400, raw=b'{"locales": [{"locale": "en", "name": "\xff\xfe"}]}'),
    Case("json: NaN", "POST", CATS, 400, raw=b'{"locales": [{"locale": "en", "name": "A"}], "is_archived": NaN}'),
    Case("json: top-level array", "POST", CATS, 400, json=[_cat("A")]),
    Case("json: top-level string", "POST", REFS, 400, json="facebook:1"),
    Case("json: null", "POST", IMAGES, 400, json=None),
    Case("json: duplicate keys", "POST", CATS, 400, raw=b'{"locales": [], "locales": []}'),
    Case(
        "json: form-encoded body",
        "POST",
        CATS,
        415,
        raw=b"locales=en",
        content_type="application/x-www-form-urlencoded",
    ),
    Case("json: XML body", "POST", REFS, 415, raw=b"<ref/>", content_type="application/xml"),
    # Wrong types.
    Case("type: locales as a string", "POST", CATS, 400, json={"locales": "en"}),
    Case("type: name as a number", "POST", CATS, 400, json={"locales": [{"locale": "en", "name": 42}]}),
    Case("type: is_archived as a string", "POST", CATS, 400, json=_cat("A", is_archived="true")),
    Case("type: locale as an object", "POST", IMAGES, 400, json=_image(locales=[{"locale": {"en": 1}}])),
    Case("type: refs as an object", "POST", f"{REFS}/lookup", 400, json={"refs": {"facebook": "1"}}),
    Case("type: expires_at as a number", "POST", REFS, 400, json=_ref(expires_at=1700000000)),
    Case("type: gravity outside the enum", "POST", IMAGES, 400, json=_image(gravity="up")),
    Case("type: limit as text", "GET", f"{CATS}?limit=ten", 400),
    Case("type: include_deleted as text", "GET", f"{IMAGES}?include_deleted=maybe", 400),
    # Huge strings.
    Case("huge: 10k-char name", "POST", CATS, 400, json=_cat("n" * 10_000)),
    Case("huge: 256-char credit", "POST", IMAGES, 400, json=_image(locales=[{"locale": "en", "credit": "c" * 256}])),
    Case("huge: 100k-char reference id", "POST", REFS, 400, json=_ref(id="i" * 100_000)),
    Case("huge: body over the JSON limit", "POST", CATS, 413, json=_cat("x" * (2 * 1024 * 1024 + 10))),
    Case("huge: 1000 lookup refs", "POST", f"{REFS}/lookup", 400, json={"refs": [f"a:{i}" for i in range(1000)]}),
    Case("huge: 100k-char search", "GET", f"{CATS}?search={'s' * 100_000}", 400),
    # Unicode edge cases.
    Case("unicode: NUL in a name", "POST", CATS, 400, json=_cat("a\x00b")),
    Case("unicode: NUL in a reference id", "POST", REFS, 400, json=_ref(id="a\x00b")),
    Case("unicode: NUL in a file_key", "POST", IMAGES, 400, json={"file_key": "images/\x00", "name": "x"}),
    Case("unicode: NUL in search", "GET", f"{CATS}?search=a%00b", 400),
    Case("unicode: NUL in locale filter", "GET", f"{IMAGES}?locale=en%00", 400),
    Case("unicode: control chars in reference id", "POST", REFS, 400, json=_ref(id=ASCII_CONTROL)),
    Case("unicode: lone surrogate", "POST", CATS, 400, raw=b'{"locales": [{"locale": "en", "name": "\\ud800"}]}'),
    Case("unicode: lone low surrogate in a ref", "POST", f"{REFS}/lookup", 400, raw=b'{"refs": ["a:\\udfff"]}'),
    Case(
        "unicode: RTL override kept", "POST", CATS, 201, json=_cat("abc\u202edcba"), stored=stored_name("abc\u202edcba")
    ),
    Case("unicode: emoji kept", "POST", CATS, 201, json=_cat("📷👩🏽‍💻🇫🇷"), stored=stored_name("📷👩🏽‍💻🇫🇷")),
    Case("unicode: combining marks kept", "POST", CATS, 201, json=_cat("Z̴̡̛a̷l̸g̶o"), stored=stored_name("Z̴̡̛a̷l̸g̶o")),
    Case("unicode: non-ASCII locale tag", "POST", CATS, 400, json={"locales": [{"locale": "ｅｎ", "name": "A"}]}),
    # Caption HTML: stored sanitized (201), never refused.
    caption_case("script", "<p>hi<script>alert(1)</script></p>", "<script", "alert", keeps="<p>hi</p>"),
    caption_case(
        "event handler",
        '<p onclick="steal()">x</p><img src=x onerror=alert(1)>',
        "onclick",
        "onerror",
        "<img",
        keeps="x",
    ),
    caption_case("javascript: link", '<a href="javascript:alert(1)">x</a>', "javascript:", keeps="x</a>"),
    caption_case("entity-encoded javascript:", '<a href="&#106;avascript:alert(1)">x</a>', "javascript", "&#106;"),
    caption_case(
        "style and iframe",
        '<p style="background:url(x)">a</p><iframe src="https://e"></iframe>',
        "style",
        "iframe",
        keeps="<p>a</p>",
    ),
    caption_case("svg onload", '<svg onload="alert(1)"><p>a</p></svg>', "onload", "<svg"),
    caption_case(
        "good link kept", '<a href="https://example.com/a">a</a>', "javascript", keeps='href="https://example.com/a"'
    ),
    # SVG icons: sanitized (201) or refused (400).
    icon_case("script", "<script>alert(1)</script><rect/>", "<script", "alert", keeps="<rect"),
    icon_case("event handlers", '<rect onload="x()" onclick="y()"/>', "onload", "onclick", keeps="<rect"),
    icon_case(
        "foreignObject", "<foreignObject><p>x</p></foreignObject><circle/>", "foreignObject", "<p", keeps="<circle"
    ),
    icon_case(
        "external hrefs",
        '<image href="https://evil.example/i.png"/><use href="http://evil.example/s.svg#a"/>',
        "evil.example",
    ),
    icon_case("javascript: link", '<a href="javascript:alert(1)"><rect/></a>', "javascript", keeps="<rect"),
    icon_case(
        "style with external url", '<rect style="fill:url(https://evil.example/x)"/>', "evil.example", keeps="<rect"
    ),
    Case("svg: billion laughs", "POST", CATS, 400, json=_cat("A", svg_icon=BILLION_LAUGHS)),
    Case("svg: external entity", "POST", CATS, 400, json=_cat("A", svg_icon=XXE)),
    Case("svg: external parameter entity", "POST", CATS, 400, json=_cat("A", svg_icon=XXE_PARAMETER)),
    Case("svg: not SVG", "POST", CATS, 400, json=_cat("A", svg_icon="<html><body>x</body></html>")),
    Case("svg: not XML", "POST", CATS, 400, json=_cat("A", svg_icon="<svg><rect></svg")),
    Case("svg: over 64 KiB", "POST", CATS, 400, json=_cat("A", svg_icon=SVG.format("<!--" + "x" * 70_000 + "-->"))),
    Case("svg: 1000 levels deep", "POST", CATS, 400, json=_cat("A", svg_icon=SVG.format("<g>" * 1000 + "</g>" * 1000))),
    # Uploads.
    Case("upload: text file named .png", "POST", UPLOAD, 415, upload=b"just some text\n"),
    Case("upload: empty file", "POST", UPLOAD, 415, upload=b""),
    Case(
        "upload: PDF", "POST", UPLOAD, 415, upload=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", filename="a.pdf"
    ),
    Case("upload: HTML", "POST", UPLOAD, 415, upload=b"<html><script>alert(1)</script></html>", filename="a.html"),
    Case(
        "upload: SVG (scriptable, refused)",
        "POST",
        UPLOAD,
        415,
        upload=SVG.format("<script>1</script>").encode(),
        filename="a.svg",
    ),
    Case("upload: BMP (an image, not supported)", "POST", UPLOAD, 415, upload=image_bytes("BMP")),
    Case("upload: truncated PNG", "POST", UPLOAD, 400, upload=image_bytes("PNG", size=(64, 64))[:-30]),
    Case("upload: truncated JPEG", "POST", UPLOAD, 400, upload=image_bytes("JPEG", size=(64, 64))[:200]),
    Case("upload: PNG header only", "POST", UPLOAD, 400, upload=image_bytes("PNG")[:20]),
    Case(
        "upload: PNG with a broken CRC",
        "POST",
        UPLOAD,
        400,
        upload=image_bytes("PNG")[:29] + b"\0\0\0\0" + image_bytes("PNG")[33:],
    ),
    Case("upload: bomb 100000x100000 declared", "POST", UPLOAD, 400, upload=png_declaring(100_000, 100_000)),
    Case("upload: bomb 10000x10000 declared", "POST", UPLOAD, 400, upload=png_declaring(10_000, 10_000)),
    Case("upload: bomb 0x0 declared", "POST", UPLOAD, 400, upload=png_declaring(0, 0)),
    Case(
        "upload: over the size limit",
        "POST",
        UPLOAD,
        413,
        upload=noise_png(120),
        settings={"BACKOFFICE_UPLOAD_MAX_BYTES": 10_000},
    ),
    Case(
        "upload: no file field",
        "POST",
        UPLOAD,
        400,
        raw=b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b--\r\n',
        content_type="multipart/form-data; boundary=b",
    ),
    Case(
        "upload: broken multipart",
        "POST",
        UPLOAD,
        400,
        raw=b"--b\r\nContent-Disp",
        content_type="multipart/form-data; boundary=b",
    ),
    Case("upload: JSON instead of multipart", "POST", UPLOAD, 415, json={"file": "aGVsbG8="}),
    upload_case("path traversal name", image_bytes("PNG", color=(1, 2, 3)), "../../../../tmp/evil.png", "image/png"),
    upload_case("absolute name", image_bytes("PNG", color=(4, 5, 6)), "/etc/cron.d/evil", "image/png"),
    upload_case("GIF/JS polyglot (a real GIF)", gif_js_polyglot(), "x.js", "image/gif"),
    upload_case("JPEG with a ZIP appended", jpeg_with_zip(), "x.zip", "image/jpeg"),
    # file_key values that try to leave the storage.
    Case("file_key: ../", "POST", IMAGES, 400, json={"file_key": "../../etc/passwd", "name": "x"}),
    Case("file_key: absolute", "POST", IMAGES, 400, json={"file_key": "/etc/passwd", "name": "x"}),
    Case(
        "file_key: dot segments to a real key",
        "POST",
        IMAGES,
        400,
        json={"file_key": "images/../{file_key}", "name": "x"},
    ),
    Case("file_key: URL", "POST", IMAGES, 400, json={"file_key": "file:///etc/passwd", "name": "x"}),
    Case("file_key: by-key ../", "GET", f"{IMAGES}/by-key/..%2F..%2Fetc%2Fpasswd", 404),
    Case("file_key: by-key absolute", "GET", f"{IMAGES}/by-key/%2Fetc%2Fpasswd", 404),
    Case("file_key: hash mismatch", "POST", IMAGES, 400, json=_image(file_hash="0" * 64)),
]


@pytest.fixture
def context(db, tmp_path) -> dict:
    """Entities some cases point at, made before the snapshot."""
    return {
        "category": str(category_create(locales=[{"locale": "en", "name": "News"}]).id),
        "file_key": stored_file().key,
        "tmp_path": tmp_path,
    }


def _fill(value, ctx: dict):
    if isinstance(value, str):
        return value.replace("{category}", ctx["category"]).replace("{file_key}", ctx["file_key"])
    if isinstance(value, list):
        return [_fill(item, ctx) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, ctx) for key, item in value.items()}
    return value


def send(client, case: Case, ctx: dict):
    path = _fill(case.path, ctx)
    if case.upload is not None:
        return client.generic(case.method, path, **_multipart(case))
    if case.raw is not None:
        body = case.raw
    elif case.json is not NOTHING:
        body = json.dumps(_fill(case.json, ctx)).encode()
    else:
        return client.generic(case.method, path)
    return client.generic(case.method, path, body, content_type=case.content_type)


def _multipart(case: Case) -> dict:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    upload = SimpleUploadedFile("placeholder", case.upload, "image/png")
    upload.name = case.filename  # as sent, not cleaned by the test client
    return {"data": encode_multipart(BOUNDARY, {"file": upload}), "content_type": MULTIPART_CONTENT}


def test_the_corpus_is_large_and_its_ids_unique():
    assert len(CORPUS) >= 50
    assert len({case.id for case in CORPUS}) == len(CORPUS)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.id)
def test_hostile_input(api, context, case: Case, settings):
    for name, value in case.settings.items():
        setattr(settings, name, value)
    before, files_before = db_snapshot(), stored_files()
    context["files_before"] = files_before
    response = send(api, case, context)
    assert response.status_code == case.status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if case.status >= 400:
        assert isinstance(body["error"], str) and body["error"]
    if case.stored is not None:
        case.stored(body, context)
    elif response.request["REQUEST_METHOD"] != "GET" or case.status >= 400:
        after = db_snapshot()
        after.pop("core.APIKey"), before.pop("core.APIKey")  # last_used_at only
        assert after == before, "a refused request changed the database"
        assert stored_files() == files_before, "a refused request left a file"


@pytest.mark.django_db
def test_nothing_refused_reached_the_tables(api, context):
    """After the whole refused part of the corpus in one go: no category, image or reference beyond the context."""
    for case in CORPUS:
        if case.stored is None and not case.settings:
            send(api, case, context)
    assert Category.all_objects.count() == 1
    assert AssetImage.all_objects.count() == 0
    assert Reference.objects.count() == 0
