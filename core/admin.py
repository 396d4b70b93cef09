"""API keys in the admin: created with the key shown once, roles, expiry, revoke."""

from django import forms
from django.contrib import admin, messages
from rest_framework_api_key.models import APIKey as LibraryAPIKey

from core.admin_audit import HistoryAdminMixin
from core.auth import forget_cached_key
from core.models import ROLE_CHOICES, APIKey
from core.services import api_key_revoke

# The library registers its own model (without roles), which is not used here.
if admin.site.is_registered(LibraryAPIKey):
    admin.site.unregister(LibraryAPIKey)


class APIKeyForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = APIKey
        fields = ["name", "roles", "expiry_date", "revoked"]


@admin.register(APIKey)
class APIKeyAdmin(HistoryAdminMixin, admin.ModelAdmin):
    form = APIKeyForm
    list_display = ["prefix", "name", "roles_display", "created", "expiry_date", "last_used_at", "revoked"]
    list_filter = ["revoked", "created"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created", "last_used_at"]
    actions = ["revoke_keys"]

    @admin.display(description="roles")
    def roles_display(self, obj: APIKey) -> str:
        return ", ".join(obj.roles)

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.revoked:
            fields += ["name", "roles", "expiry_date", "revoked"]
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            key = APIKey.objects.assign_key(obj)
            obj.save()
            self.message_user(
                request,
                f"The API key for {obj.name} is: {key} — store it now, it will not be shown again.",
                messages.WARNING,
            )
        else:
            obj.save()
            forget_cached_key(obj.prefix)

    @admin.action(description="Revoke the selected API keys")
    def revoke_keys(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)
