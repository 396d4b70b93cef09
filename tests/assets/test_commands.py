"""Staff commands for images: import_images and verify_assets."""

import io
import os
import time
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from assets import services as asset_services
from assets.models import AssetImage, StoredFile
from tests.utils import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "incoming"
    (root / "sub").mkdir(parents=True)
    (root / "one.png").write_bytes(image_bytes("PNG", (10, 10), (1, 2, 3)))
    (root / "two.jpg").write_bytes(image_bytes("JPEG", (12, 8), (9, 9, 9)))
    (root / "copy-of-one.png").write_bytes(image_bytes("PNG", (10, 10), (1, 2, 3)))
    (root / "broken.gif").write_bytes(b"GIF89a not really")
    (root / "notes.txt").write_text("not an image")
    (root / "sub" / "three.webp").write_bytes(image_bytes("WEBP", (6, 6), (50, 60, 70)))
    return root


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


class TestImportImages:
    def test_imports_dedups_reports_failures_and_exits_1(self, folder):
        out = io.StringIO()
        with pytest.raises(CommandError) as excinfo:
            call_command("import_images", str(folder), "--locale", "en", "--credit", "Staff", stdout=out)
        assert excinfo.value.returncode == 1
        text = out.getvalue()
        assert "created: 2, already present: 1, failed: 1" in text
        assert "broken.gif: " in text.split("failed: ", 1)[1]  # the bad file is reported with its reason
        assert AssetImage.objects.count() == 2  # one.png and two.jpg; copy-of-one is the same bytes
        assert StoredFile.objects.count() == 2
        image = AssetImage.objects.get(name="two")
        assert [(loc.locale, loc.credit) for loc in image.locales.all()] == [("en", "Staff")]

    def test_recursive_includes_sub_folders(self, folder):
        (folder / "broken.gif").unlink()
        text = run("import_images", str(folder), "--recursive")
        assert "created: 3, already present: 1, failed: 0" in text
        assert AssetImage.objects.filter(name="three").exists()

    def test_second_run_does_only_what_is_left(self, folder):
        (folder / "broken.gif").unlink()
        run("import_images", str(folder))
        text = run("import_images", str(folder))
        assert "created: 0, already present: 3, failed: 0" in text
        assert AssetImage.objects.count() == 2

    def test_interrupted_run_resumes(self, folder, monkeypatch):
        (folder / "broken.gif").unlink()
        real = asset_services.image_create
        calls = {"n": 0}

        def interrupt_on_second(**kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt  # after the upload of the 2nd file, before its image
            return real(**kwargs)

        monkeypatch.setattr(asset_services, "image_create", interrupt_on_second)
        with pytest.raises(SystemExit) as excinfo:
            run("import_images", str(folder))
        assert excinfo.value.code == 130
        assert AssetImage.objects.count() == 1
        assert StoredFile.objects.count() == 2  # the second file was stored, its image not yet created
        monkeypatch.setattr(asset_services, "image_create", real)
        text = run("import_images", str(folder))
        assert "created: 1, already present: 2, failed: 0" in text
        assert AssetImage.objects.count() == 2

    def test_refuses_bad_arguments(self, folder, tmp_path):
        with pytest.raises(CommandError, match="not a folder"):
            run("import_images", str(tmp_path / "missing"))
        with pytest.raises(CommandError, match="BCP 47"):
            run("import_images", str(folder), "--locale", "en_US")
        with pytest.raises(CommandError, match="needs --locale"):
            run("import_images", str(folder), "--credit", "x")


def _age(key: str, seconds: int) -> None:
    path = default_storage.path(key)
    past = time.time() - seconds
    os.utime(path, (past, past))


class TestVerifyAssets:
    def test_clean_storage_passes(self, folder):
        (folder / "broken.gif").unlink()
        run("import_images", str(folder))
        text = run("verify_assets")
        assert "records checked: 2, missing: 0, wrong content: 0, orphans: 0" in text

    def test_reports_and_removes_old_orphans_only(self):
        default_storage.save("images/ab/orphan.png", io.BytesIO(b"left by a crash"))
        default_storage.save("images/cd/fresh.png", io.BytesIO(b"upload in progress"))
        _age("images/ab/orphan.png", 2 * 3600)
        out = io.StringIO()
        with pytest.raises(CommandError) as excinfo:
            call_command("verify_assets", stdout=out)
        assert excinfo.value.returncode == 1
        assert "orphan: images/ab/orphan.png" in out.getvalue()
        assert "fresh.png" not in out.getvalue()
        text = run("verify_assets", "--fix-orphans")
        assert "orphan removed: images/ab/orphan.png" in text
        assert not default_storage.exists("images/ab/orphan.png")
        assert default_storage.exists("images/cd/fresh.png")
        # With no minimum age, the fresh file counts too.
        assert "orphan: images/cd/fresh.png" in _failing("verify_assets", "--min-age-minutes", "0")

    def test_reports_missing_and_changed_files(self, folder):
        (folder / "broken.gif").unlink()
        run("import_images", str(folder))
        first, second = StoredFile.objects.order_by("key")
        default_storage.delete(first.key)
        with open(default_storage.path(second.key), "r+b") as handle:
            handle.seek(0)
            handle.write(b"\x00\x00")
        text = _failing("verify_assets")
        assert f"missing: {first.key}" in text
        assert f"wrong content: {second.key}" in text


def _failing(*args) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(*args, stdout=out)
    return out.getvalue()
