"""Render the presets' renditions of every live image ahead of the first visitor.

Each output is rendered and recorded by the same service as a first request
(so it is never rendered twice, even with requests arriving meanwhile), one
at a time: interrupt whenever, and run again to do what is left.
"""

from django.conf import settings
from django.core.management.base import CommandError

from assets.models import AssetImage, Rendition
from assets.renditions import engine
from assets.renditions.services import SourceMissing, rendition_ensure
from assets.renditions.specs import FORMATS, InvalidSpec, parse_operation
from core.management.base import AuditedCommand


def comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Command(AuditedCommand):
    help = (
        "Render the renditions of the presets (RENDITION_PRESETS) in the given formats for every live image, "
        "as the first request would. Already rendered outputs are kept; by default their files are checked in "
        "storage and rendered again when missing. Interrupt at any time and run again. Exit code 1 when an image "
        "could not be rendered."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--presets", type=comma_list, default=None, help="Comma-separated preset names (default: every preset)."
        )
        parser.add_argument(
            "--formats", type=comma_list, default=["webp"], help="Comma-separated formats (default: webp)."
        )
        parser.add_argument(
            "--missing-only",
            action="store_true",
            help="Render only outputs without a record; trust existing records without asking storage (faster).",
        )

    def handle(self, *args, presets, formats, missing_only, **options):
        defined = settings.RENDITION_PRESETS
        presets = presets or sorted(defined)
        unknown = [name for name in presets if name not in defined]
        if unknown:
            raise CommandError(f"Unknown preset(s): {', '.join(unknown)}. Defined: {', '.join(sorted(defined))}.")
        bad_formats = [fmt for fmt in formats if fmt not in FORMATS]
        if bad_formats:
            raise CommandError(f"Unknown format(s): {', '.join(bad_formats)}. Use: {', '.join(FORMATS)}.")
        try:
            operations = [parse_operation(defined[name]) for name in presets]
        except InvalidSpec as exc:
            raise CommandError(f"A preset is not a valid operation: {exc}") from None

        images = AssetImage.objects.select_related("file").order_by("inserted_at", "id")
        done = set()
        if missing_only:
            done = set(Rendition.objects.values_list("file_id", "operation", "gravity", "format"))
        count = images.count()
        total = count * len(operations) * len(formats)
        self.stdout.write(f"{count} live image(s) × {len(operations)} preset(s) × {len(formats)} format(s) = {total}.")
        rendered = kept = 0
        failed: list[str] = []

        def report():  # the counts as they are when called
            self._report(rendered, kept, failed)

        with self.progress(total=total, unit="rendition", left="render what is left", report=report) as bar:
            for image in images.iterator(chunk_size=200):
                for operation in operations:
                    gravity = image.gravity if operation.crops else ""
                    for fmt in formats:
                        bar.update(1)
                        if (image.file_id, operation.name, gravity, fmt) in done:
                            kept += 1
                            continue
                        try:
                            _, now = rendition_ensure(
                                stored=image.file,
                                operation=operation,
                                gravity=gravity,
                                fmt=fmt,
                                check_storage=not missing_only,
                            )
                        except (engine.RenderError, SourceMissing) as exc:
                            failed.append(f"{image.name} ({image.id}) {operation.name}.{fmt}: {exc}")
                            continue
                        rendered += now
                        kept += not now
        self._report(rendered, kept, failed)
        if failed:
            raise CommandError(f"{len(failed)} rendition(s) failed.", returncode=1)

    def _report(self, rendered: int, kept: int, failed: list[str]) -> None:
        for line in failed:
            self.stdout.write(self.style.ERROR(f"failed: {line}"))
        self.stdout.write(self.style.SUCCESS(f"rendered: {rendered}, already there: {kept}, failed: {len(failed)}"))
