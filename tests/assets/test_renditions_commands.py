"""Staff commands and renditions: render_renditions, and verify_assets knowing rendition files."""

import io
import os
import time

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from assets.models import Rendition
from assets.renditions import services as rendition_services
from assets.renditions.specs import parse_operation
from tests.assets.renditions_helpers import encode, path_of, stripes, upload_image
from tests.utils import API

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def failing(*args) -> tuple[int, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=out, stderr=io.StringIO())
    return caught.value.returncode, out.getvalue()


@pytest.fixture
def images():
    return [upload_image(encode(stripes((90 + n, 60)), "PNG"), name=f"photo {n}", gravity="east") for n in range(3)]


def test_render_renditions_renders_every_preset_and_format_once(images, settings):
    settings.RENDITION_PRESETS = {"thumb": "fill-20x20", "wide": "width-40"}
    text = run("render_renditions", "--formats", "webp,jpeg")
    assert "rendered: 12, already there: 0, failed: 0" in text
    assert Rendition.objects.count() == 12
    assert set(Rendition.objects.filter(operation="fill-20x20").values_list("gravity", flat=True)) == {"east"}
    assert set(Rendition.objects.filter(operation="width-40").values_list("gravity", flat=True)) == {""}
    again = run("render_renditions", "--formats", "webp,jpeg", "--missing-only")
    assert "rendered: 0, already there: 12, failed: 0" in again


def test_a_pre_rendered_output_is_what_the_first_visitor_gets(api, images, settings):
    settings.RENDITION_PRESETS = {"thumb": "fill-20x20"}
    run("render_renditions", "--presets", "thumb")
    data = api.get(f"{API}/assets/images/by-id/{images[0].id}", {"renditions": "thumb.webp"}).json()["data"]
    response = Client().get(path_of(data["renditions"]["thumb.webp"]["url"]))
    assert response.status_code == 200
    assert Rendition.objects.count() == 3  # nothing rendered by the request


def test_the_default_run_renders_again_what_storage_lost_missing_only_does_not(images, settings):
    settings.RENDITION_PRESETS = {"thumb": "fill-20x20"}
    run("render_renditions")
    lost = Rendition.objects.order_by("pk").first().key
    default_storage.delete(lost)
    assert "rendered: 0, already there: 3" in run("render_renditions", "--missing-only")
    assert not default_storage.exists(lost)
    assert "rendered: 1, already there: 2" in run("render_renditions")
    assert default_storage.exists(lost)


def test_an_interrupted_run_resumes(images, settings, monkeypatch):
    settings.RENDITION_PRESETS = {"thumb": "fill-20x20"}
    real = rendition_services.rendition_ensure
    calls = {"n": 0}

    def interrupt_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(**kwargs)

    from assets.management.commands import render_renditions

    monkeypatch.setattr(render_renditions, "rendition_ensure", interrupt_on_second)
    with pytest.raises(SystemExit) as caught:
        run("render_renditions")
    assert caught.value.code == 130
    assert Rendition.objects.count() == 1
    monkeypatch.setattr(render_renditions, "rendition_ensure", real)
    assert "rendered: 2, already there: 1, failed: 0" in run("render_renditions", "--missing-only")


def test_a_broken_source_is_reported_and_the_rest_rendered(images, settings):
    settings.RENDITION_PRESETS = {"thumb": "fill-20x20"}
    with default_storage.open(images[1].file.key, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    code, text = failing("render_renditions")
    assert code == 1
    assert "rendered: 2, already there: 0, failed: 1" in text
    assert "photo 1" in text


def test_bad_arguments_are_refused(images):
    with pytest.raises(CommandError, match="Unknown preset"):
        run("render_renditions", "--presets", "nope")
    with pytest.raises(CommandError, match="Unknown format"):
        run("render_renditions", "--formats", "gif")


def test_verify_assets_knows_rendition_files(images):
    operation = parse_operation("fit-30x30")
    records = [
        rendition_services.rendition_ensure(stored=image.file, operation=operation, gravity="", fmt="png")[0]
        for image in images
    ]
    text = run("verify_assets")
    assert "renditions checked: 3, missing renditions: 0" in text
    assert "orphans: 0" in text  # rendition files are known, not orphans

    default_storage.delete(records[0].key)
    orphan = default_storage.save("renditions/zz/left-by-a-crash.webp", io.BytesIO(b"half"))
    past = time.time() - 2 * 3600
    os.utime(default_storage.path(orphan), (past, past))
    code, text = failing("verify_assets")
    assert code == 1
    assert f"missing rendition: {records[0].key}" in text
    assert f"orphan: {orphan}" in text
    fixed = failing("verify_assets", "--fix-orphans")[1]
    assert f"orphan removed: {orphan}" in fixed
    assert not default_storage.exists(orphan)
