"""Category writes reach the audit trail (core.AuditLogEntry) with the right events."""

import pytest

from categories.models import Category, CategoryLocale
from core.models import AuditLogEntry
from core.services import api_key_create
from tests.utils import API

pytestmark = pytest.mark.django_db


def events(obj) -> list[str]:
    return [entry.event for entry in AuditLogEntry.objects.get_for_object(obj).order_by("timestamp", "pk")]


def test_api_writes_are_recorded_with_the_key_and_events(client_for):
    api_key, raw = api_key_create(name="editor", roles=["categories:write"])
    client = client_for(raw)
    body = {"locales": [{"locale": "en", "name": "News"}, {"locale": "fr", "name": "Nouvelles"}]}
    category_id = client.post(f"{API}/categories", body, format="json").json()["data"]["id"]
    patch = {"is_archived": True, "locales": [{"locale": "en", "name": "Latest"}, {"locale": "de", "name": "Neues"}]}
    assert client.patch(f"{API}/categories/{category_id}", patch, format="json").status_code == 200
    assert client.delete(f"{API}/categories/{category_id}").status_code == 204
    assert client.post(f"{API}/categories/{category_id}/restore").status_code == 200

    category = Category.objects.get(pk=category_id)
    assert events(category) == ["create", "update", "soft delete", "restore"]
    trail = AuditLogEntry.objects.get_for_object(category)
    assert {entry.actor_label for entry in trail} == {f"api key editor ({api_key.prefix})"}
    assert "is_archived" in trail.filter(event="update").get().changes
    locales = {loc.locale: loc for loc in CategoryLocale.objects.filter(category=category)}
    assert events(locales["en"]) == ["create", "update"]
    assert events(locales["fr"]) == ["create", "soft delete"]
    assert events(locales["de"]) == ["create"]


def test_a_swap_of_codes_is_recorded_as_updates(api):
    body = {"locales": [{"locale": "en", "name": "English"}, {"locale": "fr", "name": "Français"}]}
    created = api.post(f"{API}/categories", body, format="json").json()["data"]
    en, fr = created["locales"]
    swap = [{"id": en["id"], "locale": "fr", "name": "x"}, {"id": fr["id"], "locale": "en", "name": "y"}]
    assert api.patch(f"{API}/categories/{created['id']}", {"locales": swap}, format="json").status_code == 200
    for item, new_code in ((en, "fr"), (fr, "en")):
        locale = CategoryLocale.objects.get(pk=item["id"])
        assert locale.locale == new_code and locale.deleted_at is None
        assert events(locale) == ["create", "update"]
