"""Erase for good what was soft-deleted long enough ago, and files no image uses."""

from datetime import timedelta

from django.core.management.base import CommandError
from django.utils import timezone

from core.management.base import AuditedCommand
from core.purge import purgers


class Command(AuditedCommand):
    help = (
        "Erase for good the images, categories and category locales soft-deleted more than DAYS days ago, "
        "and the stored files (records and bytes) that no live or deleted image uses and that were uploaded "
        "more than DAYS days ago. Each row is erased in its own transaction: an interrupted run can simply "
        "be run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, required=True, metavar="DAYS", help="Only what was deleted more than DAYS ago."
        )
        parser.add_argument("--dry-run", action="store_true", help="Count what would be erased; erase nothing.")

    def handle(self, *args, older_than, dry_run, **options):
        if older_than < 0:
            raise CommandError("--older-than takes a number of days, 0 or more.")
        cutoff = timezone.now() - timedelta(days=older_than)
        verb = "would erase" if dry_run else "erased"
        total = 0
        for purger in purgers():
            count = purger.run(cutoff, dry_run)
            total += count
            self.stdout.write(f"{purger.label}: {verb} {count}")
        style = self.style.WARNING if dry_run else self.style.SUCCESS
        self.stdout.write(
            style(f"{'Dry run: ' if dry_run else ''}{verb} {total} in all (cutoff {cutoff.isoformat()}).")
        )
