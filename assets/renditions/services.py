"""Writes for renditions: render once, store the bytes, record the output."""

import contextlib
import hashlib
import logging
import os
import threading
import weakref

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction

from assets.models import AssetImage, Rendition, StoredFile
from assets.renditions import engine
from assets.renditions.signing import RenditionRef
from assets.renditions.specs import FORMATS, Operation

logger = logging.getLogger("backoffice.renditions")
ROOT = "renditions"


class SourceMissing(Exception):
    """The original file is not in storage (verify_assets tells more)."""


def rendition_key(*, sha256: str, operation: Operation, gravity: str, fmt: str) -> str:
    """Where an output is stored: beside nothing else, named by what determines it."""
    variant = operation.name + (f"_{gravity}" if gravity else "")
    return f"{ROOT}/{sha256[:2]}/{sha256}/{variant}.{fmt}"


# Process-local locks by rendition key (SQLite has no advisory locks; see _render_lock).
_local_locks: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
_local_locks_guard = threading.Lock()


@contextlib.contextmanager
def _render_lock(key: str):
    """One render of an output at a time.

    PostgreSQL: a transaction-level advisory lock, so that first hits in every
    process and on every server wait for the one that renders. SQLite (local
    trial, single host): a lock shared by the threads of this process only;
    two processes may then both render, and the unique record keeps one.
    """
    if connection.vendor == "postgresql":
        lock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])
            yield
        return
    with _local_locks_guard:
        lock = _local_locks.get(key)
        if lock is None:
            lock = _local_locks[key] = threading.Lock()
    with lock:
        yield


def _source(stored: StoredFile) -> str | bytes:
    """A local path when the storage has one (libvips then reads only what it needs), else the bytes."""
    try:
        path = default_storage.path(stored.key)
    except NotImplementedError:  # object storage: the original, at most the upload limit, in memory
        try:
            with default_storage.open(stored.key, "rb") as handle:
                return handle.read()
        except (FileNotFoundError, OSError) as exc:
            raise SourceMissing(stored.key) from exc
    if not os.path.exists(path):
        raise SourceMissing(stored.key)
    return path


def _find(stored: StoredFile, operation: Operation, gravity: str, fmt: str) -> Rendition | None:
    return Rendition.objects.filter(file=stored, operation=operation.name, gravity=gravity, format=fmt).first()


def rendition_ensure(
    *, stored: StoredFile, operation: Operation, gravity: str, fmt: str, check_storage: bool = False
) -> tuple[Rendition, bool]:
    """The output's record, rendered and stored first if needed; (record, rendered now).

    With check_storage (staff commands, never a request), a record whose file
    is missing from storage is dropped and the output rendered again.

    Not one transaction around everything on purpose: on SQLite a transaction
    takes the database's write lock, which a render would hold for its whole
    duration. On PostgreSQL the advisory lock's transaction does surround it.
    Bytes are stored before the record, so a crash leaves an orphan file
    (verify_assets), never a record without its file.
    """
    gravity = gravity if operation.crops else ""
    existing = _find(stored, operation, gravity, fmt)
    if existing is not None and check_storage and not default_storage.exists(existing.key):
        rendition_forget(key=existing.key)
        existing = None
    if existing is not None:
        return existing, False
    key = rendition_key(sha256=stored.sha256, operation=operation, gravity=gravity, fmt=fmt)
    with _render_lock(key):
        existing = _find(stored, operation, gravity, fmt)  # rendered while this request waited
        if existing is not None:
            return existing, False
        upright = stored.upright_size
        size = operation.output_size(*upright)
        data = engine.render(
            source=_source(stored),
            operation=operation,
            gravity=gravity,
            fmt=fmt,
            source_size=upright,
            output_size=size,
        )
        content = ContentFile(data)
        content.content_type = FORMATS[fmt]  # object storage serves it with this type
        if default_storage.exists(key):
            # A file without a record: left by an interrupted render. Replace it, never trust it.
            default_storage.delete(key)
        saved = default_storage.save(key, content)
        if saved != key:  # another process stored the same output in between (SQLite only)
            default_storage.delete(saved)
        try:
            with transaction.atomic():
                record = Rendition.objects.create(
                    file=stored,
                    operation=operation.name,
                    gravity=gravity,
                    format=fmt,
                    key=key,
                    width=size[0],
                    height=size[1],
                    byte_size=len(data),
                    etag=hashlib.sha256(data).hexdigest()[:32],
                )
        except IntegrityError:  # the backstop: another process recorded it first
            return _find(stored, operation, gravity, fmt), False
    logger.info("rendered %s (%d bytes)", key, len(data))
    return record, True


def rendition_for_ref(*, ref: RenditionRef) -> Rendition | None:
    """The record behind a verified URL, rendered if needed; None when the image is gone or changed file."""
    image = AssetImage.objects.select_related("file").filter(pk=ref.image_id).first()  # live images only
    if image is None or image.file.sha256 != ref.sha256:
        return None
    record, _ = rendition_ensure(stored=image.file, operation=ref.operation, gravity=ref.gravity, fmt=ref.format)
    return record


def rendition_forget(*, key: str) -> None:
    """Drop the record of an output whose file went missing, so that the next hit renders it again."""
    Rendition.objects.filter(key=key).delete()


def renditions_purge_unused(*, cutoff=None, dry_run: bool = False) -> int:
    """Erase the renditions of files that no image (live or deleted) uses: record first, then bytes.

    Runs in purge_deleted after the images are erased; the cutoff does not
    apply (those renditions can never be served again).
    """
    unused = Rendition.objects.filter(file__images__isnull=True)
    if dry_run:
        return unused.count()
    erased = 0
    for pk, key in unused.values_list("pk", "key").iterator():
        with transaction.atomic():
            deleted, _ = Rendition.objects.filter(pk=pk, file__images__isnull=True).delete()
        if deleted:
            default_storage.delete(key)
            erased += 1
    return erased
