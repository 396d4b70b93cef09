"""References: an identifier on an outside platform mapped to a resource of ours (contract §6)."""

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.search import trigram_index
from references.validators import EXTERNAL_ID_MAX_LENGTH, PROVIDER_MAX_LENGTH, URN_MAX_LENGTH


class ReferenceQuerySet(models.QuerySet):
    """Visibility vocabulary: `live()` and `expired()`, as of `now`."""

    def live(self, now: datetime | None = None):
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now()))

    def expired(self, now: datetime | None = None):
        return self.filter(expires_at__lte=now or timezone.now())


class Reference(models.Model):
    """`provider:external_id` → `urn`. The API calls `external_id` just `id`.

    The primary key is a surrogate; the pair (provider, external_id) is unique
    over all rows: an expired row is replaced in place by `reference_create`.
    `objects` shows every row (expiry is a moment, not a state the default
    manager could freeze); readers use `.live()`.
    """

    provider = models.CharField(max_length=PROVIDER_MAX_LENGTH)
    external_id = models.CharField(
        "external id", max_length=EXTERNAL_ID_MAX_LENGTH, help_text="The identifier on the provider's platform."
    )
    urn = models.CharField("URN", max_length=URN_MAX_LENGTH, help_text="Our resource, e.g. urn:docs:content:<uuid>.")
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this moment the reference behaves as if it did not exist."
    )
    inserted_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        constraints = [
            # Also the index of every read: by ref and by lookup.
            models.UniqueConstraint(fields=["provider", "external_id"], name="one_reference_per_provider_id"),
            # The full provider charset would need a regex, which SQLite only knows
            # through a function Django registers (other clients of the file lack it).
            models.CheckConstraint(
                condition=~Q(provider="") & ~Q(provider__contains=":") & Q(provider=Lower("provider")),
                name="reference_provider_lowercase_no_colon",
            ),
            models.CheckConstraint(condition=~Q(external_id=""), name="reference_external_id_not_empty"),
            models.CheckConstraint(condition=Q(urn__istartswith="urn:"), name="reference_urn_is_urn"),
        ]
        indexes = [
            # For purge_expired_references; references without expiry stay out of it.
            models.Index(fields=["expires_at"], condition=Q(expires_at__isnull=False), name="reference_expiring"),
            # The admin's search (core.search): one per column, combined by a BitmapOr.
            trigram_index("provider", name="reference_provider_trgm"),
            trigram_index("external_id", name="reference_external_id_trgm"),
            trigram_index("urn", name="reference_urn_trgm"),
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        return f"{self.provider}:{self.external_id}"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
