from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core: API keys and audit trail"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from core.db import use_fast_timestamp_loader

        connection_created.connect(use_fast_timestamp_loader, dispatch_uid="core.db.use_fast_timestamp_loader")

        # Explicit registration for the audit trail; the hash is never recorded.
        from auditlog.registry import auditlog

        from core.models import APIKey

        auditlog.register(APIKey, exclude_fields=["hashed_key", "id", "last_used_at"])
