"""Import every image file of a folder through the upload and create services.

Safe to interrupt and run again: files are recognised by their content, so a
second run creates only what the first did not (each file is its own
transaction), and a file already imported is reported as such.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.management.base import CommandError

from assets.services import image_create_from_upload
from core.exceptions import DomainError
from core.management.base import AuditedCommand
from core.validators import is_language_tag

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}


@dataclass
class Summary:
    created: int = 0
    present: int = 0
    failed: list[tuple[Path, str]] = field(default_factory=list)


def find_images(folder: Path, recursive: bool) -> list[Path]:
    pattern = folder.rglob("*") if recursive else folder.glob("*")
    return sorted(
        path
        for path in pattern
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")
    )


def reason(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return f"{exc.error}: {' '.join(exc.messages(fields=False))}" if exc.details else exc.error
    return f"{type(exc).__name__}: {exc}"


def import_one(path: Path, *, locale: str | None, credit: str) -> bool:
    """Import one file; True when an image was created, False when it was already there."""
    locales = [{"locale": locale, "credit": credit}] if locale else []
    with path.open("rb") as handle:
        _image, created = image_create_from_upload(
            file=File(handle, name=path.name), name=path.stem[:255] or path.name[:255], locales=locales
        )
    return created


class Command(AuditedCommand):
    help = (
        "Upload every image file (.jpg, .jpeg, .png, .gif, .webp) found in DIR and create an image for each, "
        "named after the file. Files are judged by their content; identical files are stored once. "
        "Interrupt at any time and run again: only what is left is done. Exit code 1 when a file failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", help="Folder to import from.")
        parser.add_argument(
            "--locale", default=None, help="Add a caption entry in this locale (e.g. en). Default: none."
        )
        parser.add_argument(
            "--credit", default="", help="Credit for that locale entry (needs --locale). Default: empty."
        )
        parser.add_argument("--recursive", action="store_true", help="Also import from sub-folders (default: off).")

    def handle(self, *args, dir, locale, credit, recursive, **options):
        folder = Path(dir)
        if not folder.is_dir():
            raise CommandError(f"{folder} is not a folder.")
        if locale is not None and not is_language_tag(locale):
            raise CommandError(f"--locale {locale!r} is not a well-formed BCP 47 language tag.")
        if credit and locale is None:
            raise CommandError("--credit needs --locale (the credit belongs to a locale entry).")
        if len(credit) > 255:
            raise CommandError("--credit is longer than 255 characters.")
        paths = find_images(folder, recursive)
        total_bytes = sum(path.stat().st_size for path in paths)
        self.stdout.write(f"Found {len(paths)} image file(s), {total_bytes} bytes, in {folder}.")
        summary = Summary()
        progress = self.progress(
            total=total_bytes,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            left="import what is left",
            report=lambda: self._report(summary),
        )
        with progress as bar:
            for index, path in enumerate(paths, start=1):
                bar.set_postfix_str(f"file {index}/{len(paths)}")
                try:
                    if import_one(path, locale=locale, credit=credit):
                        summary.created += 1
                    else:
                        summary.present += 1
                        self.stdout.write(f"already present: {path}")
                except (DomainError, OSError) as exc:
                    summary.failed.append((path, reason(exc)))
                bar.update(path.stat().st_size if path.exists() else 0)
        self._report(summary)
        if summary.failed:
            raise CommandError(f"{len(summary.failed)} file(s) failed.", returncode=1)

    def _report(self, summary: Summary) -> None:
        for path, why in summary.failed:
            self.stdout.write(self.style.ERROR(f"failed: {path}: {why}"))
        self.stdout.write(
            self.style.SUCCESS(
                f"created: {summary.created}, already present: {summary.present}, failed: {len(summary.failed)}"
            )
        )
