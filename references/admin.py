"""The editors' admin for references, through the same services and rules as the API."""

from operator import methodcaller

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from core.admin import HistoryAdminMixin, NarrowingFilter
from core.admin_search import SearchAdminMixin
from core.exceptions import DomainError
from core.validators import validate_urn
from references import selectors, services
from references.models import Reference
from references.validators import validate_external_id, validate_provider

# Service error fields → form fields (the API calls the external id `id`).
_FORM_FIELD = {"id": "external_id"}


class ExpiredFilter(NarrowingFilter):
    title = "status"
    parameter_name = "status"
    narrowings = {"live": ("Live", methodcaller("live")), "expired": ("Expired", methodcaller("expired"))}


class ReferenceForm(forms.ModelForm):
    """Validated with the API's validators and saved by the services, during
    validation: the admin offers no later point where a conflict (a live
    reference, maybe created a moment ago by the API) could still become a
    form error. The admin's change view runs in a transaction, so a failure
    after this rolls the write back.
    """

    class Meta:
        model = Reference
        fields = ["provider", "external_id", "urn", "expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The same rules as the API, shown next to each field.
        for name, validator in (
            ("provider", validate_provider),
            ("external_id", validate_external_id),
            ("urn", validate_urn),
        ):
            if name in self.fields:
                self.fields[name].validators.append(validator)
                # Ids and providers are taken as typed: " a" and "a" are two ids.
                self.fields[name].strip = False

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            if self.instance.pk is None:
                self.instance = services.reference_create(
                    provider=cleaned["provider"],
                    external_id=cleaned["external_id"],
                    urn=cleaned["urn"],
                    expires_at=cleaned.get("expires_at"),
                )
            else:
                services.reference_update(
                    reference=self.instance, urn=cleaned["urn"], expires_at=cleaned.get("expires_at")
                )
        except DomainError as exc:
            self._add_service_errors(exc)
        return cleaned

    def _add_service_errors(self, exc: DomainError) -> None:
        details = exc.details if isinstance(exc.details, dict) else {}
        if not details:
            self.add_error(None, exc.error)
        for field, messages_ in details.items():
            name = _FORM_FIELD.get(field, field)
            self.add_error(name if name in self.fields else None, messages_)

    def _get_validation_exclusions(self):
        # Uniqueness is the service's rule (an expired row is replaced, not a
        # duplicate): the model's UniqueConstraint check would refuse a
        # replacement. The id's other rules are the validators above.
        return {*super()._get_validation_exclusions(), "external_id"}


@admin.register(Reference)
class ReferenceAdmin(SearchAdminMixin, HistoryAdminMixin, admin.ModelAdmin):
    form = ReferenceForm
    list_display = ["provider", "outside_id", "urn", "expires_at", "expired"]
    list_display_links = ["provider", "outside_id"]
    list_filter = [ExpiredFilter]
    search_fields = ["provider", "external_id", "urn"]
    search_help_text = "Provider, outside id or URN (at least 2 characters)."
    search_selector = staticmethod(selectors.reference_search)
    readonly_fields = ["inserted_at", "updated_at"]
    # Newest first (the primary key follows insertion), as the other lists. Ordered by
    # provider, a search matching one provider's rows walked past every other provider's
    # first (1.2 s at 1,000,000 references for `youtube`, docs/performance.md).
    ordering = ["-id"]
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # The pair is the reference's identity: to change it, delete and add.
            return ["provider", "external_id", *self.readonly_fields]
        return self.readonly_fields

    @admin.display(description="id", ordering="external_id")
    def outside_id(self, obj: Reference) -> str:
        return obj.external_id

    @admin.display(description="expired", boolean=True, ordering="expires_at")
    def expired(self, obj: Reference) -> bool:
        return obj.is_expired(timezone.now())

    def save_model(self, request, obj, form, change):
        # Already saved by the services in ReferenceForm.clean.
        pass

    def delete_model(self, request, obj):
        try:
            services.reference_delete(reference=obj)
        except DomainError:
            self.message_user(request, f"“{obj}” was already deleted.", messages.WARNING)

    def delete_queryset(self, request, queryset):
        for reference in queryset:
            try:
                services.reference_delete(reference=reference)
            except DomainError:
                continue  # erased meanwhile: what was asked is done
