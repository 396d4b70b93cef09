"""The editors' admin for references: pages render, writes go through the services and their rules."""

import pytest
from django.urls import reverse

from references.models import Reference
from tests.references.factories import ReferenceFactory

pytestmark = pytest.mark.django_db

URN = "urn:docs:content:5f0c6c1e-6c1a-4a52-9a57-2f3e4c1d2b10"
CHANGELIST = "admin:references_reference_changelist"
ADD = "admin:references_reference_add"


def add_form(**fields) -> dict:
    return {
        "provider": "facebook",
        "external_id": "123",
        "urn": URN,
        "expires_at_0": "",
        "expires_at_1": "",
        **fields,
    }


@pytest.fixture
def refs():
    return {
        "live": ReferenceFactory(provider="facebook", external_id="live-post", expiring=True),
        "expired": ReferenceFactory(provider="twitter", external_id="old-tweet", expired=True),
    }


class TestChangelist:
    def test_lists_references_with_the_expired_column(self, admin_client, refs):
        response = admin_client.get(reverse(CHANGELIST))
        assert response.status_code == 200
        html = response.content.decode()
        assert "live-post" in html and "old-tweet" in html
        assert refs["live"].urn in html
        assert 'alt="True"' in html and 'alt="False"' in html  # the expired booleans

    def test_status_filter(self, admin_client, refs):
        url = reverse(CHANGELIST)
        live = admin_client.get(url, {"status": "live"}).content.decode()
        assert "live-post" in live and "old-tweet" not in live
        expired = admin_client.get(url, {"status": "expired"}).content.decode()
        assert "old-tweet" in expired and "live-post" not in expired

    @pytest.mark.parametrize(("query", "shown"), [("twitter", "old-tweet"), ("live-post", "live-post")])
    def test_search_by_provider_and_id(self, admin_client, refs, query, shown):
        html = admin_client.get(reverse(CHANGELIST), {"q": query}).content.decode()
        hidden = ({"old-tweet", "live-post"} - {shown}).pop()
        assert shown in html and hidden not in html

    def test_search_by_urn(self, admin_client, refs):
        html = admin_client.get(reverse(CHANGELIST), {"q": refs["expired"].urn}).content.decode()
        assert "old-tweet" in html and "live-post" not in html


class TestAdd:
    def test_page_renders(self, admin_client):
        assert admin_client.get(reverse(ADD)).status_code == 200

    def test_creates_through_the_service(self, admin_client):
        data = add_form(external_id="a:b/c", expires_at_0="2030-01-02", expires_at_1="03:04:05")
        response = admin_client.post(reverse(ADD), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        stored = Reference.objects.get()
        assert (stored.provider, stored.external_id, stored.urn) == ("facebook", "a:b/c", URN)
        assert stored.expires_at.isoformat() == "2030-01-02T03:04:05+00:00"

    def test_a_duplicate_of_a_live_reference_is_a_form_error(self, admin_client, refs):
        response = admin_client.post(reverse(ADD), add_form(external_id="live-post"))
        assert response.status_code == 200
        assert "A live reference with this provider and id already exists." in response.content.decode()
        assert Reference.objects.get(external_id="live-post").urn == refs["live"].urn
        assert Reference.objects.count() == 2

    def test_over_an_expired_reference_it_replaces_it(self, admin_client, refs):
        response = admin_client.post(reverse(ADD), add_form(provider="twitter", external_id="old-tweet"))
        assert response.status_code == 302
        stored = Reference.objects.get(external_id="old-tweet")
        assert stored.pk == refs["expired"].pk and stored.urn == URN and stored.expires_at is None

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"provider": "Face:Book"}, "lowercase letters a-z"),
            ({"external_id": "tab\there"}, "Control characters"),
            ({"urn": "not-a-urn"}, "Enter a valid URN"),
        ],
    )
    def test_the_api_rules_apply(self, admin_client, fields, message):
        response = admin_client.post(reverse(ADD), add_form(**fields))
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Reference.objects.exists()

    def test_over_an_expired_reference_only_the_real_errors_show(self, admin_client, refs):
        response = admin_client.post(reverse(ADD), add_form(provider="twitter", external_id="old-tweet", urn="nope"))
        html = response.content.decode()
        assert "Enter a valid URN" in html
        assert "already exists" not in html
        assert Reference.objects.get(external_id="old-tweet").urn == refs["expired"].urn

    def test_spaces_around_the_id_are_kept(self, admin_client):
        admin_client.post(reverse(ADD), add_form(external_id=" padded "))
        assert Reference.objects.get().external_id == " padded "


class TestChange:
    def test_page_renders_with_the_identity_read_only(self, admin_client, refs):
        url = reverse("admin:references_reference_change", args=[refs["live"].pk])
        response = admin_client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "live-post" in html
        assert 'name="external_id"' not in html and 'name="provider"' not in html
        assert 'name="urn"' in html

    def test_edits_urn_and_expiry_through_the_service(self, admin_client, refs):
        url = reverse("admin:references_reference_change", args=[refs["expired"].pk])
        response = admin_client.post(url, {"urn": URN, "expires_at_0": "", "expires_at_1": ""})
        assert response.status_code == 302
        stored = Reference.objects.get(pk=refs["expired"].pk)
        assert (stored.urn, stored.expires_at) == (URN, None)

    def test_an_invalid_urn_is_a_form_error(self, admin_client, refs):
        url = reverse("admin:references_reference_change", args=[refs["live"].pk])
        response = admin_client.post(url, {"urn": "urn:", "expires_at_0": "", "expires_at_1": ""})
        assert response.status_code == 200
        assert "Enter a valid URN" in response.content.decode()
        assert Reference.objects.get(pk=refs["live"].pk).urn == refs["live"].urn


class TestHistory:
    def test_history_page_shows_the_audit_trail(self, admin_client, refs):
        url = reverse(ADD)
        admin_client.post(url, add_form(provider="twitter", external_id="old-tweet"))
        page = admin_client.get(reverse("admin:references_reference_history", args=[refs["expired"].pk]))
        assert page.status_code == 200
        assert URN in page.content.decode()


class TestDelete:
    def test_delete_page_erases_the_reference(self, admin_client, refs):
        url = reverse("admin:references_reference_delete", args=[refs["live"].pk])
        assert admin_client.get(url).status_code == 200
        assert admin_client.post(url, {"post": "yes"}).status_code == 302
        assert not Reference.objects.filter(pk=refs["live"].pk).exists()

    def test_delete_selected_action(self, admin_client, refs):
        pks = [str(r.pk) for r in refs.values()]
        admin_client.post(reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": pks, "post": "yes"})
        assert not Reference.objects.exists()
