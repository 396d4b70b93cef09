"""Check stored files against their records, and find orphans in storage."""

import hashlib

from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.utils import timezone

from assets.models import Rendition, StoredFile
from assets.renditions.services import ROOT as RENDITIONS_ROOT
from assets.storage import CHUNK_SIZE
from core.management.base import AuditedCommand

ROOT = "images"


def walk(storage, folder: str):
    """Every file key under a folder of the storage, recursively."""
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from walk(storage, f"{folder}/{sub}")


def file_sha256(storage, key: str) -> str:
    hasher = hashlib.sha256()
    with storage.open(key, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def find_orphans(storage, min_age_seconds: int) -> list[str]:
    """Files under images/ and renditions/ that no record knows, older than the given age.

    Younger files are left alone: an upload or a render writes its file just
    before its record, and must not lose the file in between.
    """
    known = set(StoredFile.objects.values_list("key", flat=True))
    known.update(Rendition.objects.values_list("key", flat=True))
    now = timezone.now()
    orphans = []
    for key in (*walk(storage, ROOT), *walk(storage, RENDITIONS_ROOT)):
        if key in known:
            continue
        if min_age_seconds and (now - storage.get_modified_time(key)).total_seconds() < min_age_seconds:
            continue
        orphans.append(key)
    return orphans


class Command(AuditedCommand):
    help = (
        "Check that every stored-file record has its file in storage with the right SHA-256, that every "
        "rendition record has its file, and list files in storage that no record knows (orphans, e.g. from an "
        "interrupted upload or render). Exit code 1 when "
        "something is wrong (with --fix-orphans, orphans alone are fixed and do not count)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix-orphans", action="store_true", help="Delete the orphan files (default: list only).")
        parser.add_argument(
            "--quick", action="store_true", help="Check presence and size only, do not re-hash (default: re-hash)."
        )
        parser.add_argument(
            "--min-age-minutes",
            type=int,
            default=60,
            help="Only files older than this count as orphans, so uploads in progress are safe (default: 60).",
        )

    def handle(self, *args, fix_orphans, quick, min_age_minutes, **options):
        storage = default_storage
        missing, mismatched, checked = [], [], 0
        for record in StoredFile.objects.order_by("pk").iterator():
            checked += 1
            if not storage.exists(record.key):
                missing.append(record.key)
            elif quick and storage.size(record.key) != record.byte_size:
                mismatched.append(record.key)
            elif not quick and file_sha256(storage, record.key) != record.sha256:
                mismatched.append(record.key)
        # Renditions: presence only (they are derived; a missing one renders again once its record goes).
        missing_renditions, renditions_checked = [], 0
        for key in Rendition.objects.order_by("pk").values_list("key", flat=True).iterator():
            renditions_checked += 1
            if not storage.exists(key):
                missing_renditions.append(key)
        for key in missing:
            self.stdout.write(self.style.ERROR(f"missing: {key}"))
        for key in missing_renditions:
            self.stdout.write(self.style.ERROR(f"missing rendition: {key}"))
        for key in mismatched:
            self.stdout.write(self.style.ERROR(f"wrong content: {key}"))
        orphans = find_orphans(storage, min_age_minutes * 60)
        for key in orphans:
            if fix_orphans:
                storage.delete(key)
                self.stdout.write(self.style.WARNING(f"orphan removed: {key}"))
            else:
                self.stdout.write(self.style.WARNING(f"orphan: {key}"))
        self.stdout.write(f"renditions checked: {renditions_checked}, missing renditions: {len(missing_renditions)}")
        self.stdout.write(
            f"records checked: {checked}, missing: {len(missing)}, wrong content: {len(mismatched)}, "
            f"orphans: {len(orphans)}{' (removed)' if fix_orphans and orphans else ''}"
        )
        if missing_renditions:
            self.stdout.write("Missing renditions are rendered again by `render_renditions` (or on their next hit).")
        problems = len(missing) + len(mismatched) + len(missing_renditions) + (0 if fix_orphans else len(orphans))
        if problems:
            raise CommandError(f"{problems} problem(s) found.", returncode=1)
        self.stdout.write(self.style.SUCCESS("All stored files are in order."))
