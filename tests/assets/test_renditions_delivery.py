"""Public delivery at /r/…: rendering, caching headers, visibility, errors (contract §8)."""

from unittest import mock

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image

from assets import services as image_services
from assets.models import Rendition
from assets.renditions import engine
from assets.renditions.specs import parse_operation
from tests.assets.renditions_helpers import (
    BLUE,
    GREEN,
    RED,
    close_to,
    decode,
    encode,
    path_of,
    stripes,
    upload_image,
)
from tests.utils import API

pytestmark = pytest.mark.django_db


@pytest.fixture
def public():
    return Client()


def url_of(api, image, spec: str) -> str:
    response = api.get(f"{API}/assets/images/by-id/{image.id}", {"renditions": spec})
    assert response.status_code == 200, response.content
    return path_of(response.json()["data"]["renditions"][spec]["url"])


def fetch(public, path: str, **headers):
    response = public.get(path, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


@pytest.mark.parametrize(
    "gravity,colour",
    [("west", RED), ("northwest", RED), ("center", GREEN), ("north", GREEN), ("east", BLUE), ("southeast", BLUE)],
)
def test_a_fill_crops_the_side_the_gravity_names_landscape(api, public, gravity, colour):
    image = upload_image(encode(stripes((300, 100)), "PNG"), gravity=gravity)
    response, body = fetch(public, url_of(api, image, "fill-100x100.png"))
    assert response.status_code == 200
    rendered = decode(body).convert("RGB")
    assert rendered.size == (100, 100)
    assert close_to(rendered.getpixel((10, 50)), colour) and close_to(rendered.getpixel((90, 50)), colour)


@pytest.mark.parametrize("gravity,colour", [("north", RED), ("northeast", RED), ("west", GREEN), ("south", BLUE)])
def test_a_fill_crops_the_side_the_gravity_names_portrait(api, public, gravity, colour):
    image = upload_image(encode(stripes((100, 300), vertical_bands=False), "PNG"), gravity=gravity)
    _, body = fetch(public, url_of(api, image, "fill-50x50.webp"))
    rendered = decode(body).convert("RGB")
    assert rendered.size == (50, 50)
    assert close_to(rendered.getpixel((25, 5)), colour) and close_to(rendered.getpixel((25, 45)), colour)


@pytest.mark.parametrize("gravity,colour", [("west", RED), ("center", GREEN), ("southeast", BLUE)])
def test_a_large_jpeg_decoded_shrunk_is_cropped_at_the_gravity_too(api, public, gravity, colour):
    # 1200×400 to 100×100: decoded at 1/4 by libjpeg, read in order, cut, then reduced.
    image = upload_image(encode(stripes((1200, 400)), "JPEG", quality=95), gravity=gravity, filename="wide.jpg")
    _, body = fetch(public, url_of(api, image, "fill-100x100.png"))
    rendered = decode(body).convert("RGB")
    assert rendered.size == (100, 100)
    assert close_to(rendered.getpixel((10, 50)), colour) and close_to(rendered.getpixel((90, 50)), colour)


@pytest.mark.parametrize("gravity,colour", [("north", RED), ("south", BLUE)])
def test_a_large_rotated_jpeg_is_cropped_at_the_gravity_of_the_upright_image(api, public, gravity, colour):
    photo = stripes((1200, 400))  # red | green | blue, left to right, as stored; upright: red on top
    exif = photo.getexif()
    exif[0x0112] = 6
    image = upload_image(encode(photo, "JPEG", quality=95, exif=exif.tobytes()), gravity=gravity, filename="phone.jpg")
    _, body = fetch(public, url_of(api, image, "fill-100x100.png"))
    rendered = decode(body).convert("RGB")
    assert rendered.size == (100, 100)
    assert close_to(rendered.getpixel((50, 10)), colour) and close_to(rendered.getpixel((50, 90)), colour)


def test_headers_etag_and_304(api, public):
    image = upload_image(encode(stripes(), "PNG"))
    path = url_of(api, image, "card.webp")
    response, body = fetch(public, path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert int(response["Content-Length"]) == len(body)
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    etag = response["ETag"]
    again, body_again = fetch(public, path)
    assert (again["ETag"], body_again) == (etag, body)
    not_modified = public.get(path, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    head = public.head(path)
    assert head.status_code == 200 and head["Content-Length"] == str(len(body)) and head.content == b""


def test_the_announced_size_is_the_real_size(api, public):
    image = upload_image(encode(stripes((301, 97)), "JPEG"), filename="odd.jpg")
    for spec in ("fill-64x64.png", "fit-100x100.jpeg", "width-33.webp", "fill-800x450.png", "width-123.avif"):
        data = api.get(f"{API}/assets/images/by-id/{image.id}", {"renditions": spec}).json()["data"]
        announced = data["renditions"][spec]
        _, body = fetch(public, path_of(announced["url"]))
        assert decode(body).size == (announced["width"], announced["height"]), spec


def test_a_hit_is_one_query_and_never_asks_storage_whether_the_file_exists(
    api, public, django_assert_num_queries, monkeypatch
):
    image = upload_image(encode(stripes(), "PNG"))
    path = url_of(api, image, "thumb.webp")
    first, _ = fetch(public, path)
    assert first.status_code == 200
    monkeypatch.setattr(FileSystemStorage, "exists", mock.Mock(side_effect=AssertionError("exists() on a hit")))
    monkeypatch.setattr(engine, "render", mock.Mock(side_effect=AssertionError("rendered on a hit")))
    with django_assert_num_queries(1):
        response, body = fetch(public, path)
    assert response.status_code == 200 and body


def test_a_first_hit_stores_bytes_and_one_record(api, public):
    image = upload_image(encode(stripes(), "PNG"))
    path = url_of(api, image, "card.jpeg")
    _, body = fetch(public, path)
    fetch(public, path)
    record = Rendition.objects.get()
    assert (record.operation, record.gravity, record.format, record.byte_size) == (
        "fill-800x450",
        "center",
        "jpeg",
        len(body),
    )
    with default_storage.open(record.key, "rb") as handle:
        assert handle.read() == body


def test_a_tampered_or_foreign_url_is_a_403_before_any_query_or_storage_access(
    api, public, django_assert_num_queries, monkeypatch, settings
):
    image = upload_image(encode(stripes(), "PNG"))
    path = url_of(api, image, "card.webp")
    tampered = path.replace("fill-800x450", "fill-800x451")
    settings.RENDITION_SIGNING_KEYS = ["someone-elses-key"]
    foreign = url_of(api, image, "card.webp")
    settings.RENDITION_SIGNING_KEYS = ["ours"]
    for method in ("open", "exists", "path"):
        monkeypatch.setattr(FileSystemStorage, method, mock.Mock(side_effect=AssertionError(method)))
    for bad in (tampered, foreign, path, "/r/", "/r/nothing", "/r/" + "A" * 43 + "/x.webp"):
        with django_assert_num_queries(0):
            response = public.get(bad)
        assert response.status_code == 403, bad
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"error": "Invalid rendition URL"}


def test_key_rotation_old_urls_keep_working_until_the_old_key_is_dropped(api, public, settings):
    image = upload_image(encode(stripes(), "PNG"))
    settings.RENDITION_SIGNING_KEYS = ["key-2025"]
    old = url_of(api, image, "thumb.png")
    settings.RENDITION_SIGNING_KEYS = ["key-2026", "key-2025"]
    new = url_of(api, image, "thumb.png")
    assert old != new
    assert fetch(public, old)[0].status_code == 200
    assert fetch(public, new)[0].status_code == 200
    settings.RENDITION_SIGNING_KEYS = ["key-2026"]
    assert fetch(public, old)[0].status_code == 403
    assert fetch(public, new)[0].status_code == 200


def test_a_soft_deleted_image_is_a_404_no_store_and_served_again_once_restored(api, public):
    image = upload_image(encode(stripes(), "PNG"))
    path = url_of(api, image, "thumb.webp")
    assert fetch(public, path)[0].status_code == 200
    image_services.image_soft_delete(image=image)
    gone = public.get(path)
    assert gone.status_code == 404
    assert gone["Cache-Control"] == "no-store"
    assert gone.json() == {"error": "Entity not found"}
    image.refresh_from_db()
    image_services.image_restore(image=image)
    assert fetch(public, path)[0].status_code == 200


def test_a_deleted_image_is_never_rendered(api, public):
    image = upload_image(encode(stripes(), "PNG"))
    path = url_of(api, image, "thumb.webp")
    image_services.image_soft_delete(image=image)
    assert public.get(path).status_code == 404
    assert not Rendition.objects.exists()


def test_purge_deleted_erases_the_renditions_with_the_image(api, public):
    image = upload_image(encode(stripes(), "PNG"))
    path = url_of(api, image, "thumb.webp")
    fetch(public, path)
    key = Rendition.objects.get().key
    image_services.image_soft_delete(image=image)
    image.__class__.all_objects.filter(pk=image.pk).update(deleted_at=timezone.now() - timezone.timedelta(days=40))
    call_command("purge_deleted", "--older-than", "30")
    assert not Rendition.objects.exists()
    assert not default_storage.exists(key)
    assert public.get(path).status_code == 404


def test_a_missing_rendition_file_is_rendered_again(api, public):
    image = upload_image(encode(stripes(), "PNG"))
    path = url_of(api, image, "thumb.webp")
    _, body = fetch(public, path)
    default_storage.delete(Rendition.objects.get().key)
    response, again = fetch(public, path)
    assert response.status_code == 200 and again == body
    assert Rendition.objects.count() == 1


def test_an_exif_rotated_phone_photo_is_rendered_upright(api, public):
    photo = stripes((300, 100))  # red | green | blue, left to right, as stored
    exif = photo.getexif()
    exif[0x0112] = 6  # the camera says: turn a quarter clockwise to show it (the left side goes on top)
    exif[0x010F] = "PhoneMaker"
    image = upload_image(encode(photo, "JPEG", exif=exif.tobytes()), filename="phone.jpg")
    _, body = fetch(public, url_of(api, image, "width-50.jpeg"))
    rendered = decode(body)
    assert rendered.size == (50, 150)
    assert close_to(rendered.getpixel((25, 10)), RED) and close_to(rendered.getpixel((25, 140)), BLUE)
    assert not rendered.getexif()  # metadata stripped (the camera's make, and the orientation)


def test_a_cmyk_jpeg_comes_out_srgb_with_its_colours(api, public):
    cmyk = Image.new("CMYK", (120, 80), (0, 255, 255, 0))  # full magenta and yellow: red
    image = upload_image(encode(cmyk, "JPEG"), filename="print.jpg")
    _, body = fetch(public, url_of(api, image, "width-60.jpeg"))
    rendered = decode(body)
    assert rendered.mode == "RGB"
    red, green, blue = rendered.getpixel((30, 20))
    assert red > 180 and green < 90 and blue < 90, (red, green, blue)
    assert "icc_profile" not in rendered.info


def test_an_animated_gif_gives_its_first_frame_as_a_still(api, public):
    frames = [Image.new("RGB", (60, 40), colour) for colour in (RED, BLUE, GREEN)]
    content = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    image = upload_image(content, filename="anim.gif")
    _, body = fetch(public, url_of(api, image, "fit-30x30.webp"))
    rendered = decode(body)
    assert getattr(rendered, "n_frames", 1) == 1
    assert rendered.size == (30, 20)
    assert close_to(rendered.convert("RGB").getpixel((15, 10)), RED)


def test_a_source_that_cannot_be_rendered_is_a_logged_json_422(api, public, caplog):
    image = upload_image(encode(stripes(), "PNG"))
    with default_storage.open(image.file.key, "wb") as handle:  # damaged in storage after the upload
        handle.write(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    response = public.get(url_of(api, image, "thumb.webp"))
    assert response.status_code == 422
    assert response.json()["error"] == "Unprocessable image"
    assert "cannot be rendered" in caplog.text
    assert not Rendition.objects.exists()


def test_a_missing_source_is_a_logged_404(api, public, caplog):
    image = upload_image(encode(stripes(), "PNG"))
    default_storage.delete(image.file.key)
    response = public.get(url_of(api, image, "thumb.webp"))
    assert response.status_code == 404 and response.json() == {"error": "Entity not found"}
    assert "missing from storage" in caplog.text


def test_busy_render_slots_give_a_503_with_retry_after(api, public, settings, monkeypatch):
    image = upload_image(encode(stripes(), "PNG"))
    settings.RENDITION_MAX_CONCURRENT = 1
    settings.RENDITION_QUEUE_SECONDS = 0
    slots = engine._render_slots()
    slots.acquire()
    try:
        response = public.get(url_of(api, image, "thumb.webp"))
    finally:
        slots.release()
    assert response.status_code == 503 and response["Retry-After"]


def test_a_render_past_the_time_limit_is_stopped(api, public, settings):
    image = upload_image(encode(Image.new("RGB", (2000, 2000), RED), "PNG"))
    settings.RENDITION_TIMEOUT_SECONDS = -1  # already late when the encoder starts
    response = public.get(url_of(api, image, "fill-1900x1900.png"))
    assert response.status_code == 503
    assert response.json()["error"] == "Render timed out"


def test_other_methods_are_a_json_405(api, public):
    image = upload_image(encode(stripes(), "PNG"))
    response = public.post(url_of(api, image, "thumb.webp"))
    assert response.status_code == 405 and response.json()["error"] == "Method not allowed"


def test_without_the_middleware_the_urlconf_route_answers_the_same(api, public, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("RenditionMiddleware")]
    image = upload_image(encode(stripes(), "PNG"))
    path = url_of(api, image, "thumb.webp")
    assert fetch(public, path)[0].status_code == 200
    assert public.get(path.replace("_center", "_north")).status_code == 403
    assert public.get("/r/garbage").json() == {"error": "Invalid rendition URL"}


def test_an_embedded_icc_profile_is_converted_to_srgb_and_dropped(api, public):
    import pyvips

    srgb = (60, 170, 90)
    source = (pyvips.Image.black(80, 60) + list(srgb)).cast("uchar").copy(interpretation="srgb")
    display_p3 = source.icc_transform("p3", input_profile="srgb")  # the same colour, as Display P3 numbers
    image = upload_image(display_p3.jpegsave_buffer(Q=95), filename="p3.jpg")
    assert not close_to(decode(display_p3.jpegsave_buffer(Q=95)).getpixel((40, 30)), srgb, tolerance=12)
    _, body = fetch(public, url_of(api, image, "width-40.png"))
    rendered = decode(body).convert("RGB")
    assert close_to(rendered.getpixel((20, 15)), srgb, tolerance=6)
    assert "icc_profile" not in decode(body).info


def test_webp_sharp_colour_conversion_follows_its_setting(settings):
    """RENDITION_WEBP_SMART_SUBSAMPLE reaches the encoder: off by default, and on it changes the bytes."""
    source = encode(stripes(size=(90, 30), colours=(RED, BLUE, GREEN)), "PNG")
    operation = parse_operation("width-90")

    def render() -> bytes:
        return engine.render(
            source=source, operation=operation, gravity="", fmt="webp", source_size=(90, 30), output_size=(90, 30)
        )

    assert settings.RENDITION_WEBP_SMART_SUBSAMPLE is False
    plain = render()
    settings.RENDITION_WEBP_SMART_SUBSAMPLE = True
    sharp = render()
    assert plain != sharp
    assert decode(sharp).size == decode(plain).size == (90, 30)
