"""Core's services, called directly (as the admin and the commands do)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.exceptions import BadRequest
from core.models import APIKey
from core.services import api_key_create, api_key_update

API = "/api/core/v2"

pytestmark = pytest.mark.django_db


def test_api_key_create_takes_an_expiry_date_or_days_not_both():
    when = timezone.now() + timedelta(days=3)
    api_key, _secret = api_key_create(name="dated", roles=["admin"], expiry_date=when)
    assert api_key.expiry_date == when
    with pytest.raises(BadRequest):
        api_key_create(name="both", roles=["admin"], expiry_date=when, expires_in_days=2)


def test_api_key_update_checks_like_create_and_applies(client_for):
    api_key, secret = api_key_create(name="k", roles=["assets:read"])
    assert client_for(secret).get(f"{API}/categories").status_code == 403
    api_key_update(api_key=api_key, name=" renamed ", roles=["categories:read"], expiry_date=None)
    assert client_for(secret).get(f"{API}/categories").status_code == 200
    assert APIKey.objects.get(pk=api_key.pk).name == "renamed"
    with pytest.raises(BadRequest):
        api_key_update(api_key=api_key, name="k", roles=["nope"], expiry_date=None)


def test_api_key_update_cannot_undo_a_revocation():
    api_key, _secret = api_key_create(name="k", roles=["admin"])
    api_key_update(api_key=api_key, name="k", roles=["admin"], expiry_date=None, revoked=True)
    api_key_update(api_key=api_key, name="k", roles=["admin"], expiry_date=None, revoked=False)
    assert APIKey.objects.get(pk=api_key.pk).revoked
