"""Create the local demo: an admin user and an admin API key, both printed once.

Running it again changes nothing that an earlier run printed: a server started
by an earlier `tasks.py run` may still be in use with that password and key.
"""

from django.contrib.auth import get_user_model
from django.utils.crypto import get_random_string

from core.management.base import AuditedCommand
from core.models import APIKey
from core.services import api_key_create

DEMO_KEY_NAME = "demo"


class Command(AuditedCommand):
    help = (
        "For trying the project locally: create the demo admin user and a demo API key, and print both. "
        "Run again, it keeps them (a running server may use them) unless asked for new ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="Admin user name (default: admin).")
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Where the server runs (default: %(default)s)."
        )
        parser.add_argument("--new-key", action="store_true", help="Create another demo key; earlier ones stay usable.")
        parser.add_argument("--new-password", action="store_true", help="Set and print a new admin password.")

    def handle(self, *args, username, base_url, new_key, new_password, **options):
        base_url = base_url.rstrip("/")
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"email": "admin@example.com"}
        )
        password = None
        if created or new_password or not user.has_usable_password():
            password = get_random_string(16)
            user.set_password(password)
        user.is_staff = user.is_superuser = True
        user.save()
        live = APIKey.objects.active().filter(name=DEMO_KEY_NAME).order_by("-created").first()
        key = None
        if live is None or new_key:
            _, key = api_key_create(name=DEMO_KEY_NAME, roles=["admin"])
        self.stdout.write(self.style.SUCCESS("Demo ready (local use only):"))
        again = ".venv/bin/python manage.py setup_demo"
        shown_password = password or f"unchanged (a new one: {again} --new-password)"
        self.stdout.write(f"  admin:   {base_url}/admin/  user {username}  password {shown_password}")
        self.stdout.write(
            f"  API key: {key}"
            if key
            else f"  API key unchanged: the demo key {live.prefix}… printed by an earlier run still works "
            f"(another one: {again} --new-key)"
        )
        self.stdout.write(f"  docs:    {base_url}/api/core/v2/docs/")
