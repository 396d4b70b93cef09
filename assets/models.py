"""Asset images, their captions per locale, and the stored files they describe."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.models import SoftDeleteModel
from core.search import trigram_index


class StoredFile(models.Model):
    """One file in storage, addressed by its content: same bytes, same key."""

    key = models.CharField(max_length=255, unique=True)
    sha256 = models.CharField(max_length=64, unique=True)
    byte_size = models.BigIntegerField()
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # The EXIF orientation (1..8; 1 when the file has none), read at upload: rendition
    # sizes are computed from it without opening the file.
    orientation = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(byte_size__gte=0), name="stored_file_size_not_negative"),
            models.CheckConstraint(
                condition=Q(orientation__gte=1, orientation__lte=8), name="stored_file_orientation_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def upright_size(self) -> tuple[int, int]:
        """(width, height) as the image is seen: orientations 5 to 8 turn it a quarter."""
        return (self.height, self.width) if self.orientation >= 5 else (self.width, self.height)


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
    # Name, credits and caption text of every locale (core.search.joined), written by the
    # services: what `search` matches, in one indexed column rather than a join.
    search_text = models.TextField(blank=True, default="", db_default="", editable=False)

    class Meta:
        ordering = ["-inserted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["file"], condition=Q(deleted_at__isnull=True), name="one_live_image_per_file"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="asset_image_name_not_empty"),
            models.CheckConstraint(condition=Q(gravity__in=Gravity.values), name="asset_image_gravity_valid"),
        ]
        indexes = [
            models.Index(fields=["-inserted_at", "-id"], name="asset_image_keyset"),
            trigram_index("search_text", name="asset_image_search_trgm"),
        ]

    def __str__(self) -> str:
        return self.name


class AssetImageLocale(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    image = models.ForeignKey(AssetImage, on_delete=models.CASCADE, related_name="locales")
    locale = models.CharField(max_length=64)
    credit = models.CharField(max_length=255, blank=True, default="")
    caption_html = models.TextField(blank=True, default="")
    # The plain text of caption_html, derived on every write (core.sanitize.html_to_text).
    caption_text = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ["locale"]
        constraints = [
            models.UniqueConstraint(fields=["image", "locale"], name="one_caption_per_locale_per_image"),
        ]

    def __str__(self) -> str:
        return self.locale


class Rendition(models.Model):
    """One rendered output of a stored file, stored once and served many times.

    Unique per output: the file's bytes, the operation (size, quality), the
    gravity (only for crops; "" otherwise, so fits and widths are shared when an
    editor changes the gravity) and the format.
    """

    file = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="renditions")
    operation = models.CharField(max_length=64)
    gravity = models.CharField(max_length=16, blank=True, default="")
    format = models.CharField(max_length=8)
    key = models.CharField(max_length=255, unique=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    byte_size = models.BigIntegerField()
    etag = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file", "operation", "gravity", "format"], name="one_rendition_per_output"),
        ]

    def __str__(self) -> str:
        return self.key
