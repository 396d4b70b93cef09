"""List API keys: prefix, name, roles, expiry, last use, state. Never the secret."""

from core.management.base import AuditedCommand
from core.models import APIKey


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(AuditedCommand):
    help = "List API keys (prefix, name, roles, created, expires, last used, state). The secret is never shown."

    def add_arguments(self, parser):
        parser.add_argument("--active", action="store_true", help="Only keys that still work (default: all keys).")

    def handle(self, *args, active, **options):
        keys = (APIKey.objects.active() if active else APIKey.objects.all()).order_by("-created")
        rows = [("PREFIX", "NAME", "ROLES", "CREATED", "EXPIRES", "LAST USED", "STATE")]
        for key in keys:
            state = "revoked" if key.revoked else "expired" if key.has_expired else "active"
            rows.append(
                (
                    key.prefix,
                    key.name,
                    ",".join(key.roles),
                    _when(key.created),
                    _when(key.expiry_date) if key.expiry_date else "never",
                    _when(key.last_used_at),
                    state,
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for index, row in enumerate(rows):
            line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            self.stdout.write(self.style.MIGRATE_HEADING(line) if index == 0 else line)
        self.stdout.write(f"{len(rows) - 1} key(s).")
