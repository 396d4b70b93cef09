"""Revoke an API key by its prefix (the part before the dot). Cannot be undone."""

from django.core.management.base import CommandError

from core.management.base import AuditedCommand
from core.models import APIKey
from core.services import api_key_revoke


class Command(AuditedCommand):
    help = (
        "Revoke the API key with this prefix (the 8 characters before the dot; see list_api_keys). "
        "It stops working within API_KEY_CACHE_SECONDS in every server process. Cannot be undone."
    )

    def add_arguments(self, parser):
        parser.add_argument("prefix", help="The key's prefix.")

    def handle(self, *args, prefix, **options):
        api_key = APIKey.objects.filter(prefix=prefix.partition(".")[0]).first()
        if api_key is None:
            raise CommandError(f"No API key has the prefix {prefix!r}.")
        if api_key.revoked:
            self.stdout.write(f"The key {api_key.prefix} ({api_key.name}) was already revoked.")
            return
        api_key_revoke(api_key=api_key)
        self.stdout.write(self.style.SUCCESS(f"Revoked the key {api_key.prefix} ({api_key.name})."))
