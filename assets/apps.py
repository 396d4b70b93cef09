from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "assets"
    verbose_name = "Asset images"

    def ready(self) -> None:
        from django.core import checks

        from assets.renditions.checks import check_rendition_settings

        checks.register(check_rendition_settings)

        # Explicit registration for the audit trail (core.AuditLogEntry).
        from auditlog.registry import auditlog

        from assets.models import AssetImage, AssetImageLocale, StoredFile

        auditlog.register(AssetImage, exclude_fields=["locales", "search_text"])  # search_text: derived
        auditlog.register(AssetImageLocale)
        auditlog.register(StoredFile)  # not Rendition: derived data, recorded on public first hits

        from assets import services
        from core import purge, search

        # What a search of images matches (core.search): the text the services keep.
        search.register(AssetImage, columns=["search_text"])

        # purge_deleted: images first, then the files no image uses any more.
        purge.register("images", lambda cutoff, dry_run: services.images_purge_deleted(cutoff=cutoff, dry_run=dry_run))
        from assets.renditions import services as rendition_services

        # Renditions before the files: their records cascade with a file, their bytes would stay.
        purge.register(
            "renditions",
            lambda cutoff, dry_run: rendition_services.renditions_purge_unused(cutoff=cutoff, dry_run=dry_run),
        )
        purge.register(
            "stored files", lambda cutoff, dry_run: services.stored_files_purge_unused(cutoff=cutoff, dry_run=dry_run)
        )
