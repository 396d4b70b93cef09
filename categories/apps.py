from django.apps import AppConfig


class CategoriesConfig(AppConfig):
    name = "categories"
    verbose_name = "Categories"

    def ready(self) -> None:
        # Explicit registration for the audit trail (core.AuditLogEntry).
        from auditlog.registry import auditlog

        from categories.models import Category, CategoryLocale

        auditlog.register(Category, exclude_fields=["locales"])
        auditlog.register(CategoryLocale)
