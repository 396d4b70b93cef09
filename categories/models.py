"""Categories and their names per locale."""

import uuid

from django.db import models
from django.db.models import Q

from core.models import SoftDeleteModel, SoftDeleteQuerySet
from core.search import trigram_index
from core.validators import validate_language_tag


class Category(SoftDeleteModel):
    svg_icon = models.TextField(null=True, blank=True, help_text="Sanitized inline SVG markup.")
    is_archived = models.BooleanField(default=False, help_text="Kept for old content; hides nothing by itself.")
    # The names of the live locales (core.search.joined), written by the services: what
    # `search` matches, in one indexed column rather than a subquery on the locales.
    search_text = models.TextField(blank=True, default="", db_default="", editable=False)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["-inserted_at", "-id"]
        indexes = [
            # Keyset pagination (core.api.pagination): one index range scan per page,
            # whatever the depth. The partial one serves the default list (live rows).
            models.Index(fields=["-inserted_at", "-id"], name="category_keyset"),
            models.Index(
                fields=["-inserted_at", "-id"], condition=Q(deleted_at__isnull=True), name="category_keyset_live"
            ),
            trigram_index("search_text", name="category_search_trgm"),
        ]

    def __str__(self) -> str:
        # Uses the locales prefetched by a selector or the admin when there are some, else one query.
        locales = getattr(self, "shown_locales", None)
        if locales is None:
            locales = self.locales.all()
        names = [loc.name for loc in locales if loc.deleted_at is None]
        return names[0] if names else str(self.id)


class CategoryLocale(models.Model):
    """A category's name in one locale; replaced locales are soft-deleted, not erased."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="locales")
    locale = models.CharField(max_length=64, validators=[validate_language_tag], help_text="BCP 47 tag, e.g. pt-BR.")
    name = models.CharField(max_length=255)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Every row by default (the reverse relation `category.locales` too):
    # which ones are shown depends on the request, see categories.selectors.
    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["locale", "deleted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "locale"],
                condition=Q(deleted_at__isnull=True),
                name="one_live_locale_per_category",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="category_locale_name_not_empty"),
            models.CheckConstraint(condition=~Q(locale=""), name="category_locale_code_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.locale}: {self.name}"
