"""Staff commands for API keys: list_api_keys and revoke_api_key."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from core.models import APIKey
from core.services import api_key_create
from tests.utils import API

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_list_shows_keys_and_their_state_but_never_the_secret():
    active, active_raw = api_key_create(name="website", roles=["assets:read", "categories:read"])
    revoked, revoked_raw = api_key_create(name="old app", roles=["admin"])
    revoked.revoked = True
    revoked.save()
    expired, expired_raw = api_key_create(name="trial", roles=["admin"], expires_in_days=1)
    APIKey.objects.filter(pk=expired.pk).update(expiry_date=timezone.now() - timedelta(days=1))
    text = run("list_api_keys")
    lines = {line.split()[0]: line for line in text.splitlines()[1:-1]}
    assert "assets:read,categories:read" in lines[active.prefix] and lines[active.prefix].endswith("active")
    assert lines[revoked.prefix].endswith("revoked")
    assert lines[expired.prefix].endswith("expired")
    for raw in (active_raw, revoked_raw, expired_raw):
        assert raw.split(".")[1] not in text
    assert text.strip().endswith("3 key(s).")
    active_only = run("list_api_keys", "--active")
    assert active.prefix in active_only and revoked.prefix not in active_only and expired.prefix not in active_only


def test_revoke_by_prefix_takes_effect_at_once(client_for):
    api_key, raw = api_key_create(name="partner", roles=["admin"])
    assert client_for(raw).get(f"{API}/assets/images").status_code == 200
    assert "Revoked the key" in run("revoke_api_key", api_key.prefix)
    assert client_for(raw).get(f"{API}/assets/images").status_code == 401
    assert "already revoked" in run("revoke_api_key", api_key.prefix)


def test_revoke_unknown_prefix_fails():
    with pytest.raises(CommandError, match="No API key"):
        run("revoke_api_key", "nope1234")
