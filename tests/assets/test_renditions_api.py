"""`?renditions=` on every image read and on the list (contract §8)."""

import pytest

from assets.renditions.signing import verify
from tests.assets.renditions_helpers import encode, path_of, stripes, upload_image
from tests.factories import AssetImageFactory, StoredFileFactory
from tests.utils import API

pytestmark = pytest.mark.django_db


@pytest.fixture
def image():
    return AssetImageFactory(file=StoredFileFactory(width=6000, height=4000), gravity="north")


def test_by_id_adds_signed_absolute_urls_with_the_real_output_size(api, image):
    response = api.get(f"{API}/assets/images/by-id/{image.id}?renditions=card.webp,width-640.avif,fit-4000x100.png")
    assert response.status_code == 200
    renditions = response.json()["data"]["renditions"]
    assert list(renditions) == ["card.webp", "width-640.avif", "fit-4000x100.png"]
    assert (renditions["card.webp"]["width"], renditions["card.webp"]["height"]) == (800, 450)
    assert (renditions["width-640.avif"]["width"], renditions["width-640.avif"]["height"]) == (640, 427)
    assert (renditions["fit-4000x100.png"]["width"], renditions["fit-4000x100.png"]["height"]) == (150, 100)
    url = renditions["card.webp"]["url"]
    assert url.startswith("http://testserver/r/")
    ref = verify(path_of(url).removeprefix("/r/"))
    assert (ref.image_id, ref.sha256, ref.gravity, ref.format) == (image.id, image.file.sha256, "north", "webp")


def test_by_key_by_hash_and_the_list_carry_them_too(api, image):
    for path in (f"by-key/{image.file.key}", f"by-hash/{image.file.sha256}"):
        data = api.get(f"{API}/assets/images/{path}?renditions=thumb.jpeg").json()["data"]
        assert data["renditions"]["thumb.jpeg"]["width"] == 160
    rows = api.get(f"{API}/assets/images?renditions=thumb.jpeg").json()["data"]
    assert rows[0]["renditions"]["thumb.jpeg"]["height"] == 160


def test_without_the_parameter_the_object_is_unchanged(api, image):
    assert "renditions" not in api.get(f"{API}/assets/images/by-id/{image.id}").json()["data"]


def test_the_base_url_setting_points_urls_elsewhere(api, image, settings):
    settings.RENDITION_BASE_URL = "https://img.example.com"
    data = api.get(f"{API}/assets/images/by-id/{image.id}?renditions=card.webp").json()["data"]
    assert data["renditions"]["card.webp"]["url"].startswith("https://img.example.com/r/")


def test_the_size_follows_the_exif_orientation_recorded_at_upload(api):
    exif = stripes((300, 100)).getexif()
    exif[0x0112] = 6  # shown turned a quarter clockwise: 100 wide, 300 high
    uploaded = upload_image(encode(stripes((300, 100)), "JPEG", exif=exif.tobytes()), filename="phone.jpg")
    assert uploaded.file.orientation == 6
    data = api.get(f"{API}/assets/images/by-id/{uploaded.id}?renditions=width-50.webp").json()["data"]
    assert (data["renditions"]["width-50.webp"]["width"], data["renditions"]["width-50.webp"]["height"]) == (50, 150)


@pytest.mark.parametrize(
    "asked", ["card.gif", "fill-0x10.webp", "card.webp,nope.webp", "fill-10x10.webp,width-9999.png"]
)
def test_a_bad_spec_is_a_400_naming_it(api, image, asked):
    response = api.get(f"{API}/assets/images/by-id/{image.id}", {"renditions": asked})
    assert response.status_code == 400
    body = response.json()
    bad = asked.split(",")[-1]
    assert body["error"] == "Bad Request"
    assert bad in body["details"]["renditions"][0]


def test_more_than_twenty_specs_is_a_400(api, image):
    asked = ",".join(f"width-{n}.webp" for n in range(1, 22))
    response = api.get(f"{API}/assets/images", {"renditions": asked})
    assert response.status_code == 400
    assert "20" in response.json()["details"]["renditions"][0]


def test_urls_for_a_list_page_cost_no_extra_query(api, django_assert_num_queries):
    AssetImageFactory.create_batch(20)
    api.get(f"{API}/assets/images?limit=20")  # warm the key cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as plain:
        assert api.get(f"{API}/assets/images?limit=20").status_code == 200
    with CaptureQueriesContext(connection) as with_urls:
        response = api.get(f"{API}/assets/images?limit=20&renditions=thumb.webp,card.webp,hero.avif")
    assert response.status_code == 200
    assert all(len(row["renditions"]) == 3 for row in response.json()["data"])
    assert len(with_urls) == len(plain)


def test_a_reader_key_suffices_and_no_key_is_a_401(client_for, make_key, image):
    assert client_for(make_key("assets:read")).get(f"{API}/assets/images?renditions=card.webp").status_code == 200
    assert client_for().get(f"{API}/assets/images?renditions=card.webp").status_code == 401


def test_the_migration_reads_the_orientation_of_existing_files():
    from importlib import import_module

    from django.apps import apps

    exif = stripes((30, 10)).getexif()
    exif[0x0112] = 8
    uploaded = upload_image(encode(stripes((30, 10)), "JPEG", exif=exif.tobytes()), filename="old.jpg")
    type(uploaded.file).objects.filter(pk=uploaded.file_id).update(orientation=1)  # as before the migration
    migration = import_module("assets.migrations.0002_stored_file_orientation_and_renditions")
    migration.read_orientations(apps, None)
    uploaded.file.refresh_from_db()
    assert uploaded.file.orientation == 8
