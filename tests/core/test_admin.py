"""API keys in the admin: the key shown once, then only its prefix; roles; revoke."""

import pytest
from django.urls import reverse

from core.models import APIKey
from core.services import api_key_create
from tests.utils import API

pytestmark = pytest.mark.django_db


def test_changelist_and_add_page_render(admin_client):
    api_key_create(name="website", roles=["assets:read"])
    response = admin_client.get(reverse("admin:core_apikey_changelist"))
    assert response.status_code == 200
    assert "website" in response.content.decode()
    assert admin_client.get(reverse("admin:core_apikey_add")).status_code == 200


def test_adding_a_key_shows_it_once_and_stores_only_its_hash(admin_client, client_for):
    response = admin_client.post(
        reverse("admin:core_apikey_add"), {"name": "partner", "roles": ["assets:read"]}, follow=True
    )
    assert response.status_code == 200
    api_key = APIKey.objects.get(name="partner")
    message = next(str(m) for m in response.context["messages"] if "partner" in str(m))
    raw = message.split("is: ")[1].split(" ")[0]
    assert raw.startswith(api_key.prefix + ".")
    assert raw not in api_key.hashed_key and raw != api_key.id
    assert api_key.roles == ["assets:read"]
    # The key works with its role, and the change page never shows it again.
    assert client_for(raw).get(f"{API}/assets/images").status_code == 200
    change = admin_client.get(reverse("admin:core_apikey_change", args=[api_key.pk])).content.decode()
    assert raw not in change and api_key.prefix in change


def test_revoke_action_takes_effect_at_once(admin_client, client_for):
    api_key, raw = api_key_create(name="to revoke", roles=["admin"])
    assert client_for(raw).get(f"{API}/assets/images").status_code == 200
    admin_client.post(
        reverse("admin:core_apikey_changelist"), {"action": "revoke_keys", "_selected_action": [api_key.pk]}
    )
    api_key.refresh_from_db()
    assert api_key.revoked
    assert client_for(raw).get(f"{API}/assets/images").status_code == 401


def test_roles_edited_in_the_admin_apply_at_once(admin_client, client_for):
    api_key, raw = api_key_create(name="editable", roles=["assets:read"])
    assert client_for(raw).get(f"{API}/assets/images").status_code == 200
    admin_client.post(
        reverse("admin:core_apikey_change", args=[api_key.pk]), {"name": "editable", "roles": ["categories:read"]}
    )
    assert client_for(raw).get(f"{API}/assets/images").status_code == 403
