"""The audit trail in the admin: read-only, and each entity's history on its own page."""

from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin

from core.models import AuditLogEntry

# django-auditlog registers its own admin for the entry model; ours shows the actor label and event.
if admin.site.is_registered(AuditLogEntry):
    admin.site.unregister(AuditLogEntry)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    """Nobody edits the trail: no add, change or delete, from any admin user."""

    list_display = ["timestamp", "event", "content_type", "object_repr", "object_pk", "actor_label", "changed"]
    list_filter = ["event", "content_type"]
    search_fields = ["object_pk", "object_repr", "actor_label"]
    date_hierarchy = "timestamp"
    list_select_related = ["content_type"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="changed fields")
    def changed(self, obj) -> str:
        return ", ".join(sorted((obj.changes or {}).keys()))


class HistoryAdminMixin(AuditlogHistoryAdminMixin):
    """The admin's "History" button shows the audit trail of the entity (API, admin and commands)."""

    auditlog_history_per_page = 50

    def history_view(self, request, object_id, extra_context=None):
        return self.auditlog_history_view(request, object_id, extra_context)
