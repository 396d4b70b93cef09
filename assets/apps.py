from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Asset images"

    def ready(self) -> None:
        # Explicit registration for the audit trail (core.AuditLogEntry).
        from auditlog.registry import auditlog

        from assets.models import AssetImage, AssetImageLocale, StoredFile

        auditlog.register(AssetImage, exclude_fields=["locales"])
        auditlog.register(AssetImageLocale)
        auditlog.register(StoredFile)
