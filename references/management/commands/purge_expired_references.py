"""Erase expired references for good (contract §6)."""

from core.management.base import AuditedCommand
from references.services import references_purge_expired


class Command(AuditedCommand):
    help = (
        "Erase the references whose expires_at has passed (they already behave as if they did not exist). "
        "Safe to interrupt and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count the expired references; erase nothing (default: erase them).",
        )

    def handle(self, *args, dry_run: bool, **options):
        count = references_purge_expired(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"Would erase {count} expired reference(s) (dry run, nothing erased).")
        else:
            self.stdout.write(self.style.SUCCESS(f"Erased {count} expired reference(s)."))
