from django.apps import AppConfig


class CategoriesConfig(AppConfig):
    name = "categories"
    verbose_name = "Categories"

    def ready(self) -> None:
        # Explicit registration for the audit trail (core.AuditLogEntry).
        from auditlog.registry import auditlog

        from categories.models import Category, CategoryLocale

        auditlog.register(Category, exclude_fields=["locales", "search_text"])  # search_text: derived
        auditlog.register(CategoryLocale)

        from categories import services
        from core import purge, search

        # What a search of categories matches (core.search): the live names the services keep.
        search.register(Category, columns=["search_text"])

        # purge_deleted: whole categories, then soft-deleted names of live ones.
        purge.register(
            "categories", lambda cutoff, dry_run: services.categories_purge_deleted(cutoff=cutoff, dry_run=dry_run)
        )
        purge.register(
            "category locales",
            lambda cutoff, dry_run: services.category_locales_purge_deleted(cutoff=cutoff, dry_run=dry_run),
        )
