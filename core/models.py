"""What every app shares: the soft-delete base and API keys with roles."""

import uuid

from auditlog.models import AbstractLogEntry
from django.db import models
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager

ROLE_CHOICES = [
    ("assets:read", "assets:read"),
    ("assets:write", "assets:write"),
    ("categories:read", "categories:read"),
    ("categories:write", "categories:write"),
    ("references:read", "references:read"),
    ("references:write", "references:write"),
    ("admin", "admin (everything)"),
]
ROLES = frozenset(code for code, _ in ROLE_CHOICES)


class SoftDeleteQuerySet(models.QuerySet):
    """Visibility vocabulary: `alive()` and `deleted()`."""

    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class AliveManager(models.Manager.from_queryset(SoftDeleteQuerySet)):
    def get_queryset(self):
        return super().get_queryset().alive()


class TimestampedModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    inserted_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class SoftDeleteModel(TimestampedModel):
    """`delete()` stays a real delete; soft delete and restore are services.

    `objects` shows live rows only; `all_objects` shows every row and is used
    on purpose (restore, admin, `include_deleted`, purge).
    """

    deleted_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    objects = AliveManager()
    all_objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def visible(cls, *, include_deleted: bool = False) -> SoftDeleteQuerySet:
        """Live rows; every row when the caller asked for soft-deleted ones too (`include_deleted`)."""
        # all_objects on purpose: only when include_deleted asks for it.
        return cls.all_objects.all() if include_deleted else cls.objects.all()

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class APIKeyManager(BaseAPIKeyManager):
    def active(self):
        """Keys that still work: not revoked, not expired."""
        return self.filter(revoked=False).exclude(expiry_date__lt=timezone.now())


class APIKey(AbstractAPIKey):
    """An API key: stored as a hash (djangorestframework-api-key), with roles."""

    objects = APIKeyManager()

    roles = models.JSONField(default=list, blank=True, help_text="Roles granted to this key.")
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    def has_role(self, role: str) -> bool:
        return "admin" in self.roles or role in self.roles


class IdempotencyRecord(models.Model):
    """The first answer to a create sent with an `Idempotency-Key` (contract §2).

    Kept in the database so that a retry reaching another server process gets
    the same answer; older than 24 hours, a record no longer counts.
    """

    api_key_prefix = models.CharField(max_length=16)
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=64)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key_prefix", "key"], name="idempotency_key_per_api_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"


class AuditLogEntry(AbstractLogEntry):
    """One recorded write: django-auditlog's entry, plus who (for keys and
    commands too, not only Django users) and the domain event."""

    actor_label = models.CharField(max_length=200, default="system", db_index=True)
    event = models.CharField(max_length=16, default="update", db_index=True)

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "audit entry"
        verbose_name_plural = "audit trail"
        indexes = [models.Index(fields=["content_type", "object_pk"], name="audit_entity")]

    def save(self, *args, **kwargs):
        if self._state.adding:
            from core.audit import current_actor, event_name

            label, user = current_actor()
            self.actor_label = label
            if self.actor_id is None and user is not None and getattr(user, "pk", None):
                self.actor = user
            self.event = event_name(self.action, self.changes)
        super().save(*args, **kwargs)
