"""Asset images, their captions per locale, and the stored files they describe."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import SoftDeleteModel


class StoredFile(models.Model):
    """One file in storage, addressed by its content: same bytes, same key."""

    key = models.CharField(max_length=255, unique=True)
    sha256 = models.CharField(max_length=64, unique=True)
    byte_size = models.BigIntegerField()
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(byte_size__gte=0), name="stored_file_size_not_negative"),
        ]

    def __str__(self) -> str:
        return self.key


class Gravity(models.TextChoices):
    CENTER = "center"
    NORTH = "north"
    NORTHEAST = "northeast"
    EAST = "east"
    SOUTHEAST = "southeast"
    SOUTH = "south"
    SOUTHWEST = "southwest"
    WEST = "west"
    NORTHWEST = "northwest"


class AssetImage(SoftDeleteModel):
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="images")
    name = models.CharField(max_length=255)
    gravity = models.CharField(max_length=16, choices=Gravity.choices, default=Gravity.CENTER)

    class Meta:
        ordering = ["-inserted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["file"], condition=Q(deleted_at__isnull=True), name="one_live_image_per_file"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="asset_image_name_not_empty"),
            models.CheckConstraint(condition=Q(gravity__in=Gravity.values), name="asset_image_gravity_valid"),
        ]
        indexes = [models.Index(fields=["-inserted_at", "-id"], name="asset_image_keyset")]

    def __str__(self) -> str:
        return self.name


class AssetImageLocale(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    image = models.ForeignKey(AssetImage, on_delete=models.CASCADE, related_name="locales")
    locale = models.CharField(max_length=64)
    credit = models.CharField(max_length=255, blank=True, default="")
    caption_html = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["locale"]
        constraints = [
            models.UniqueConstraint(fields=["image", "locale"], name="one_caption_per_locale_per_image"),
        ]

    def __str__(self) -> str:
        return self.locale
