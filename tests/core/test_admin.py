"""API keys in the admin: the key shown once, then only its prefix; roles; revoke."""

import re
from urllib.parse import quote as url_quote

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import reverse

from core.admin import HistoryAdminMixin
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


def _messages_in_cookie(client) -> list[str]:
    """The messages Django's cookie storage carries for the browser (signed, compressed: decoded here)."""
    from django.contrib.messages.storage.cookie import CookieStorage

    cookie = client.cookies.get(CookieStorage.cookie_name)
    if cookie is None or not cookie.value:
        return []
    return [str(message) for message in CookieStorage(None)._decode(cookie.value) or []]


def test_adding_a_key_shows_it_once_on_a_page_of_its_own(admin_client, client_for):
    response = admin_client.post(reverse("admin:core_apikey_add"), {"name": "partner", "roles": ["assets:read"]})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    api_key = APIKey.objects.get(name="partner")
    page = response.content.decode()
    raw = re.search(r'<code id="new-api-key">([^<]+)</code>', page)[1]
    assert raw.startswith(api_key.prefix + ".")
    assert raw not in api_key.hashed_key and raw != api_key.id
    assert api_key.roles == ["assets:read"]
    # Never in a cookie (the messages travel in one) nor in the session.
    assert not any(raw in message for message in _messages_in_cookie(admin_client))
    assert all(raw not in morsel.value for morsel in response.cookies.values())
    assert raw not in str(dict(admin_client.session))
    # The key works with its role, and no other page ever shows it again.
    assert client_for(raw).get(f"{API}/assets/images").status_code == 200
    change = admin_client.get(reverse("admin:core_apikey_change", args=[api_key.pk])).content.decode()
    assert raw not in change and api_key.prefix in change
    listing = admin_client.get(reverse("admin:core_apikey_changelist")).content.decode()
    assert raw not in listing and "partner" in listing


def test_the_page_of_the_new_key_leads_on(admin_client):
    response = admin_client.post(reverse("admin:core_apikey_add"), {"name": "partner", "roles": ["assets:read"]})
    api_key = APIKey.objects.get(name="partner")
    page = response.content.decode()
    assert reverse("admin:core_apikey_change", args=[quote(api_key.pk)]) in page
    assert reverse("admin:core_apikey_changelist") in page


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


def test_every_history_page_answers(admin_client, client_for):
    """Keys created and edited in the admin, revoked, used through the API: each History page renders."""
    admin_client.post(reverse("admin:core_apikey_add"), {"name": "from admin", "roles": ["assets:read"]})
    created = APIKey.objects.get(name="from admin")
    admin_client.post(
        reverse("admin:core_apikey_change", args=[created.pk]), {"name": "renamed", "roles": ["categories:read"]}
    )
    used, raw = api_key_create(name="used", roles=["assets:read"])
    assert client_for(raw).get(f"{API}/assets/images").status_code == 200
    admin_client.post(
        reverse("admin:core_apikey_changelist"), {"action": "revoke_keys", "_selected_action": [created.pk, used.pk]}
    )
    for api_key in APIKey.objects.all():
        # The History link as the change page gives it: the admin quotes the "$" of the id as "_24".
        change = admin_client.get(reverse("admin:core_apikey_change", args=[quote(api_key.pk)])).content.decode()
        history_url = re.search(r'href="([^"]+/history/)"', change)[1]
        assert "_24" in history_url
        response = admin_client.get(history_url)
        assert response.status_code == 200, api_key.name
        assert "Revoked" in response.content.decode()
    entries = admin_client.get(reverse("admin:core_auditlogentry_changelist"))
    assert entries.status_code == 200
    for entry_id in entries.context["cl"].result_list.values_list("pk", flat=True):
        assert admin_client.get(reverse("admin:core_auditlogentry_change", args=[entry_id])).status_code == 200


@pytest.mark.parametrize(
    "model_admin", [m for m in admin.site._registry.values() if isinstance(m, HistoryAdminMixin)], ids=str
)
def test_the_history_of_an_entity_that_is_gone_is_not_a_500(admin_client, model_admin):
    """The review's 500: a History link for a key no longer there (erased, or a stale id) gave
    NoReverseMatch in the audit history's breadcrumbs; now the admin's usual "does not exist" redirect."""
    opts = model_admin.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=["gone"])
    response = admin_client.get(url)
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_the_history_page_at_either_address_and_without_the_view_permission(admin_client, client, django_user_model):
    """The admin's History link (id quoted the admin's way) and django-auditlog's own URL (id
    percent-encoded) show the same page; a staff user who may not view the key gets neither."""
    api_key, _raw = api_key_create(name="website", roles=["assets:read"])
    history = reverse("admin:core_apikey_history", args=[quote(api_key.pk)])
    auditlog = reverse("admin:core_apikey_auditlog", args=[url_quote(api_key.pk, safe="")])
    for url in (history, auditlog):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert response.context["object"] == api_key
    client.force_login(django_user_model.objects.create_user("clerk", is_staff=True))
    assert client.get(history).status_code == 403
    assert client.get(auditlog).status_code == 403
