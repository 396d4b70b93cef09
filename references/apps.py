from django.apps import AppConfig


class ReferencesConfig(AppConfig):
    name = "references"
    verbose_name = "References"

    def ready(self) -> None:
        # Explicit registration for the audit trail (core.AuditLogEntry).
        from auditlog.registry import auditlog

        from references.models import Reference

        auditlog.register(Reference)

        # What the admin's search of references matches (core.search).
        from core import search

        search.register(Reference, columns=["provider", "external_id", "urn"])
