"""Create the local demo: an admin user and an admin API key, both printed."""

from django.contrib.auth import get_user_model
from django.utils.crypto import get_random_string

from core.management.base import AuditedCommand
from core.models import APIKey
from core.services import api_key_create, api_key_revoke

DEMO_KEY_NAME = "demo"


class Command(AuditedCommand):
    help = "For trying the project locally: (re)create the demo admin user and a demo API key, and print both."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="Admin user name (default: admin).")

    def handle(self, *args, username, **options):
        password = get_random_string(16)
        user, _ = get_user_model().objects.get_or_create(username=username, defaults={"email": "admin@example.com"})
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        # One demo key at a time: earlier ones are revoked.
        for old in APIKey.objects.filter(name=DEMO_KEY_NAME, revoked=False):
            api_key_revoke(api_key=old)
        _, key = api_key_create(name=DEMO_KEY_NAME, roles=["admin"])
        self.stdout.write(self.style.SUCCESS("Demo ready (local use only):"))
        self.stdout.write(f"  admin:   http://127.0.0.1:8000/admin/  user {username}  password {password}")
        self.stdout.write(f"  API key: {key}")
        self.stdout.write("  docs:    http://127.0.0.1:8000/api/core/v2/docs/")
