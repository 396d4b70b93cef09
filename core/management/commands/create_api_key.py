"""Create an API key; the key is printed alone on the last line, and never again."""

from django.core.management.base import CommandError

from core.exceptions import DomainError
from core.management.base import AuditedCommand
from core.models import ROLES
from core.services import api_key_create


class Command(AuditedCommand):
    help = (
        "Create an API key with roles. The key is shown once, alone on the last line "
        f"of the output; only its hash is stored. Roles: {', '.join(sorted(ROLES))}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="A name for the key (1-50 characters).")
        parser.add_argument(
            "--roles", required=True, help="Comma-separated roles, e.g. assets:read,assets:write, or admin."
        )
        parser.add_argument(
            "--expires-in-days", type=int, default=None, help="Days until the key expires (default: never)."
        )

    def handle(self, *args, name, roles, expires_in_days, **options):
        try:
            api_key, key = api_key_create(name=name, roles=roles.split(","), expires_in_days=expires_in_days)
        except DomainError as exc:
            raise CommandError("; ".join(exc.messages())) from exc
        expiry = api_key.expiry_date.isoformat() if api_key.expiry_date else "never"
        roles_text = ",".join(api_key.roles)
        self.stdout.write(
            self.style.SUCCESS(
                f"Created API key {api_key.prefix} ({api_key.name}); roles: {roles_text}; expires: {expiry}."
            )
        )
        self.stdout.write("Store it now: it is not shown again.")
        self.stdout.write(key)
