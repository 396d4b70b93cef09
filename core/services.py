"""Writes shared by every app: soft delete, restore, API keys."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import BadRequest, Conflict, EntityNotFound
from core.models import ROLES, APIKey, SoftDeleteModel
from core.selectors import forget_cached_key


@transaction.atomic
def soft_delete(*, instance: SoftDeleteModel) -> SoftDeleteModel:
    """Set `deleted_at`; deleting an already deleted entity is a 404 (contract §3)."""
    model = type(instance)
    # Lock the row so that a concurrent restore or delete sees one outcome.
    locked = model.all_objects.select_for_update().filter(pk=instance.pk).first()
    if locked is None or locked.deleted_at is not None:
        raise EntityNotFound()
    # save(), not update(): the audit trail records the change through the model's signals.
    locked.deleted_at = timezone.now()
    locked.save(update_fields=["deleted_at", "updated_at"])
    instance.deleted_at, instance.updated_at = locked.deleted_at, locked.updated_at
    return instance


def restore(*, instance: SoftDeleteModel, conflict_details=None) -> SoftDeleteModel:
    """Clear `deleted_at`; a live entity is returned as it is (idempotent).

    A restore that would break a uniqueness rule among live rows is a 409 and
    the entity stays deleted.
    """
    if instance.deleted_at is None:
        return instance
    deleted_at = instance.deleted_at
    try:
        with transaction.atomic():
            instance.deleted_at = None
            instance.save(update_fields=["deleted_at", "updated_at"])
    except IntegrityError:
        instance.deleted_at = deleted_at
        details = conflict_details(instance) if conflict_details else {"id": [str(instance.pk)]}
        raise Conflict(details) from None
    return instance


def validate_roles(roles) -> list[str]:
    roles = sorted({role.strip() for role in roles if role.strip()})
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise BadRequest(
            {
                "roles": [
                    f"Choose one or more of: {', '.join(sorted(ROLES))}."
                    + (f" Unknown: {', '.join(unknown)}." if unknown else "")
                ]
            }
        )
    return roles


@transaction.atomic
def _clean_key_name(name) -> str:
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise BadRequest({"name": ["Give a name of 1 to 50 characters."]})
    return name


@transaction.atomic
def api_key_create(
    *, name: str, roles, expires_in_days: int | None = None, expiry_date: datetime | None = None
) -> tuple[APIKey, str]:
    """Create a key; returns the row and the secret, which is never stored nor shown again.

    The expiry is given in days (the command) or as a date (the admin), not both.
    """
    name = _clean_key_name(name)
    if expires_in_days is not None and expires_in_days < 1:
        raise BadRequest({"expires_in_days": ["Give a whole number of days, at least 1."]})
    if expires_in_days is not None and expiry_date is not None:
        raise BadRequest({"expires_in_days": ["Give the days or the expiry date, not both."]})
    if expires_in_days:
        expiry_date = timezone.now() + timedelta(days=expires_in_days)
    return APIKey.objects.create_key(name=name, roles=validate_roles(roles), expiry_date=expiry_date)


@transaction.atomic
def api_key_update(*, api_key: APIKey, name: str, roles, expiry_date: datetime | None, revoked: bool = False) -> APIKey:
    """Change a key's name, roles and expiry, or revoke it; applies at once (cache dropped).

    A revoked key stays revoked (the library's rule): revoke is one way.
    """
    api_key.name = _clean_key_name(name)
    api_key.roles = validate_roles(roles)
    api_key.expiry_date = expiry_date
    api_key.revoked = api_key.revoked or revoked
    api_key.save(update_fields=["name", "roles", "expiry_date", "revoked"])
    forget_cached_key(api_key.prefix)
    return api_key


@transaction.atomic
def api_key_revoke(*, api_key: APIKey) -> APIKey:
    if not api_key.revoked:
        api_key.revoked = True
        api_key.save(update_fields=["revoked"])
    forget_cached_key(api_key.prefix)
    return api_key


def erase_soft_deleted(*, queryset, cutoff, dry_run: bool = False) -> int:
    """Erase for good the rows of `queryset` soft-deleted before the cutoff (related rows cascade).

    One transaction per row, so an interrupted purge can simply run again;
    returns how many rows were (or, with dry_run, would be) erased.
    """
    candidates = queryset.filter(deleted_at__lt=cutoff)
    if dry_run:
        return candidates.count()
    label = queryset.model._meta.label
    erased = 0
    for pk in candidates.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            # Re-checked under the transaction: a restore in between keeps the row.
            erased += queryset.filter(pk=pk, deleted_at__lt=cutoff).delete()[1].get(label, 0)
    return erased
