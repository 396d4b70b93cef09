"""The audit trail: every write, from the API, the admin or a command, with who, what and which fields."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from assets.models import AssetImage, AssetImageLocale
from assets.services import image_create, stored_file_upload
from core.audit import acting_as
from core.models import AuditLogEntry
from core.services import api_key_create
from tests.utils import API, image_bytes

pytestmark = pytest.mark.django_db


def entries_for(obj):
    return AuditLogEntry.objects.get_for_object(obj).order_by("timestamp", "pk")


@pytest.fixture
def stored():
    return stored_file_upload(file=SimpleUploadedFile("a.png", image_bytes()))[0]


class TestThroughTheAPI:
    def test_create_soft_delete_restore_are_recorded_with_the_key(self, client_for, stored):
        api_key, raw = api_key_create(name="website", roles=["assets:write"])
        client = client_for(raw)
        body = {"file_key": stored.key, "name": "Harbour", "locales": [{"locale": "en", "caption_html": "<p>x</p>"}]}
        image_id = client.post(f"{API}/assets/images", body, format="json").json()["data"]["id"]
        assert client.delete(f"{API}/assets/images/{image_id}").status_code == 204
        assert client.post(f"{API}/assets/images/{image_id}/restore").status_code == 200
        image = AssetImage.objects.get(pk=image_id)
        trail = list(entries_for(image))
        assert [e.event for e in trail] == ["create", "soft delete", "restore"]
        assert {e.actor_label for e in trail} == {f"api key website ({api_key.prefix})"}
        assert set(trail[1].changes) >= {"deleted_at"}
        assert trail[0].changes["name"][1] == "Harbour"
        caption = AssetImageLocale.objects.get(image=image)
        assert [e.event for e in entries_for(caption)] == ["create"]

    def test_an_actor_does_not_leak_into_the_next_request(self, client_for, api, stored):
        api.post(f"{API}/assets/images", {"file_key": stored.key, "name": "A"}, format="json")
        with acting_as("outside"):
            pass
        image = image_create(
            file_key=stored_file_upload(file=SimpleUploadedFile("b.gif", image_bytes("GIF")))[0].key, name="B"
        )
        assert entries_for(image).get().actor_label == "system"


class TestThroughTheAdmin:
    def test_admin_changes_are_recorded_with_the_user_and_fields(self, admin_client, admin_user, stored):
        image = image_create(file_key=stored.key, name="Before")
        url = reverse("admin:assets_assetimage_change", args=[image.pk])
        data = {
            "name": "After",
            "gravity": "south",
            "locales-TOTAL_FORMS": "0",
            "locales-INITIAL_FORMS": "0",
        }
        assert admin_client.post(url, data).status_code == 302
        update = entries_for(image).filter(event="update").get()
        assert update.actor_label == f"user {admin_user.username}"
        assert update.actor_id == admin_user.pk
        assert set(update.changes) == {"name", "gravity", "updated_at"} or set(update.changes) >= {"name", "gravity"}
        assert update.changes["name"] == ["Before", "After"]

    def test_soft_delete_action_is_recorded(self, admin_client, admin_user, stored):
        image = image_create(file_key=stored.key, name="To delete")
        admin_client.post(
            reverse("admin:assets_assetimage_changelist"),
            {"action": "soft_delete_selected", "_selected_action": [str(image.pk)]},
        )
        entry = entries_for(image).get(event="soft delete")
        assert entry.actor_label == f"user {admin_user.username}"

    def test_history_page_shows_the_trail(self, admin_client, client_for, stored):
        api_key, raw = api_key_create(name="app", roles=["admin"])
        image_id = client_for(raw).post(f"{API}/assets/images", {"file_key": stored.key, "name": "X"}, format="json")
        image_id = image_id.json()["data"]["id"]
        client_for(raw).delete(f"{API}/assets/images/{image_id}")
        page = admin_client.get(reverse("admin:assets_assetimage_history", args=[image_id]))
        assert page.status_code == 200
        html = page.content.decode()
        assert f"api key app ({api_key.prefix})" in html
        assert "soft delete" in html and "create" in html

    def test_the_trail_cannot_be_edited_in_the_admin(self, admin_client, stored):
        image_create(file_key=stored.key, name="X")
        entry = AuditLogEntry.objects.first()
        assert admin_client.get(reverse("admin:core_auditlogentry_changelist")).status_code == 200
        assert admin_client.get(reverse("admin:core_auditlogentry_add")).status_code == 403
        page = admin_client.get(reverse("admin:core_auditlogentry_change", args=[entry.pk]))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # view only
        assert admin_client.post(reverse("admin:core_auditlogentry_delete", args=[entry.pk])).status_code == 403
        assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


class TestThroughCommands:
    def test_command_writes_are_recorded_with_the_command_name(self, tmp_path):
        (tmp_path / "one.png").write_bytes(image_bytes("PNG", (3, 3)))
        call_command("import_images", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO())
        image = AssetImage.objects.get()
        assert entries_for(image).get().actor_label == "command import_images"

    def test_api_key_commands_are_recorded_without_the_secret(self):
        out = io.StringIO()
        call_command("create_api_key", "--name", "cli", "--roles", "admin", stdout=out)
        raw = out.getvalue().strip().splitlines()[-1]
        call_command("revoke_api_key", raw.split(".")[0], stdout=io.StringIO())
        trail = AuditLogEntry.objects.filter(content_type__model="apikey").order_by("timestamp", "pk")
        assert [e.event for e in trail] == ["create", "update"]
        assert {e.actor_label for e in trail} == {"command create_api_key", "command revoke_api_key"}
        assert trail[1].changes["revoked"] == ["False", "True"] or trail[1].changes["revoked"] == [False, True]
        for entry in trail:
            assert raw not in str(entry.changes) and raw.split(".")[1] not in str(entry.serialized_data)
