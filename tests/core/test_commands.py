"""The core management commands: create_api_key and setup_demo."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from core.models import APIKey
from tests.utils import API

LIST = f"{API}/assets/images"


def run(*args) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().rstrip("\n").split("\n")


@pytest.mark.django_db
class TestCreateAPIKey:
    def test_prints_the_key_alone_on_the_last_line(self):
        lines = run("create_api_key", "--name", "ci", "--roles", "assets:read")
        key = lines[-1]
        assert re.fullmatch(r"[A-Za-z0-9]+\.[A-Za-z0-9]+", key)
        api_key = APIKey.objects.get()
        assert key.startswith(api_key.prefix + ".")
        assert api_key.name == "ci"
        # The key appears only on its own line.
        assert all(key not in line for line in lines[:-1])

    def test_the_key_works_with_its_roles(self, client_for):
        key = run("create_api_key", "--name", "ci", "--roles", "assets:read")[-1]
        client = client_for(key)
        assert client.get(LIST).status_code == 200
        assert client.post(LIST, {"file_key": "x", "name": "n"}, format="json").status_code == 403

    def test_several_roles(self, client_for):
        key = run("create_api_key", "--name", "ci", "--roles", "assets:read, assets:write")[-1]
        assert sorted(APIKey.objects.get().roles) == ["assets:read", "assets:write"]
        assert client_for(key).post(LIST, {"file_key": "x", "name": "n"}, format="json").status_code == 400

    def test_admin_role(self, client_for):
        key = run("create_api_key", "--name", "ops", "--roles", "admin")[-1]
        assert client_for(key).get(LIST).status_code == 200

    @pytest.mark.parametrize("roles", ["assets:delete", "root", "", ",", "assets:read,bogus"])
    def test_bad_role_is_a_command_error(self, roles):
        with pytest.raises(CommandError, match="roles"):
            run("create_api_key", "--name", "ci", "--roles", roles)
        assert not APIKey.objects.exists()

    @pytest.mark.parametrize("name", ["", "   ", "n" * 51])
    def test_bad_name_is_a_command_error(self, name):
        with pytest.raises(CommandError, match="name"):
            run("create_api_key", "--name", name, "--roles", "admin")

    def test_expires_in_days_sets_the_expiry(self):
        run("create_api_key", "--name", "ci", "--roles", "admin", "--expires-in-days", "30")
        expiry = APIKey.objects.get().expiry_date
        assert abs(expiry - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)

    def test_no_expiry_by_default(self):
        run("create_api_key", "--name", "ci", "--roles", "admin")
        assert APIKey.objects.get().expiry_date is None

    @pytest.mark.parametrize("days", ["0", "-3"])
    def test_expiry_must_be_positive(self, days):
        with pytest.raises(CommandError, match="expires_in_days"):
            run("create_api_key", "--name", "ci", "--roles", "admin", "--expires-in-days", days)

    def test_only_the_hash_is_stored(self):
        key = run("create_api_key", "--name", "ci", "--roles", "admin")[-1]
        assert key not in str(APIKey.objects.values().get())


@pytest.mark.django_db
class TestSetupDemo:
    def test_creates_an_admin_user_and_a_working_key(self, client_for):
        lines = run("setup_demo")
        user = get_user_model().objects.get(username="admin")
        assert user.is_staff and user.is_superuser
        key_line = next(line for line in lines if "API key:" in line)
        key = key_line.split("API key:")[1].strip()
        assert client_for(key).get(LIST).status_code == 200

    def test_the_printed_password_logs_in(self, client):
        lines = run("setup_demo")
        password = re.search(r"password (\S+)", "\n".join(lines)).group(1)
        assert client.login(username="admin", password=password)

    def test_running_again_keeps_the_printed_key_and_password(self, client_for, client):
        lines = run("setup_demo")
        key = next(line for line in lines if "API key:" in line).split("API key:")[1].strip()
        password = re.search(r"password (\S+)", "\n".join(lines)).group(1)
        again = "\n".join(run("setup_demo"))
        assert "API key unchanged" in again and key.split(".")[0] in again
        assert key not in again and "password unchanged" in again
        assert client_for(key).get(LIST).status_code == 200
        assert client.login(username="admin", password=password)
        assert APIKey.objects.count() == 1 and get_user_model().objects.count() == 1

    def test_new_key_adds_one_and_the_earlier_one_still_works(self, client_for):
        first = next(line for line in run("setup_demo") if "API key:" in line).split("API key:")[1].strip()
        second = next(line for line in run("setup_demo", "--new-key") if "API key:" in line).split("API key:")[1]
        assert first != second.strip()
        assert client_for(first).get(LIST).status_code == 200
        assert client_for(second.strip()).get(LIST).status_code == 200

    def test_a_revoked_demo_key_is_replaced(self, client_for):
        run("setup_demo")
        APIKey.objects.update(revoked=True)
        key = next(line for line in run("setup_demo") if "API key:" in line).split("API key:")[1].strip()
        assert client_for(key).get(LIST).status_code == 200

    def test_new_password_is_printed_and_logs_in(self, client):
        run("setup_demo")
        password = re.search(r"password (\S+)", "\n".join(run("setup_demo", "--new-password"))).group(1)
        assert password != "unchanged"
        assert client.login(username="admin", password=password)
