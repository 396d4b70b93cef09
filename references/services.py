"""Writes for references: every interface (REST, admin, command) calls these."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.exceptions import BadRequest, Conflict, EntityNotFound
from core.validators import is_urn
from references.models import Reference
from references.validators import PROVIDER_MESSAGE, external_id_error, is_provider

PURGE_BATCH_SIZE = 1000


def _check_urn_and_expiry(*, urn: str, expires_at: datetime | None, errors: dict) -> None:
    if not is_urn(urn):
        errors["urn"] = ["Enter a valid URN of at most 255 characters (RFC 8141: urn:<nid>:<nss>)."]
    if expires_at is not None and (not isinstance(expires_at, datetime) or timezone.is_naive(expires_at)):
        errors["expires_at"] = ["Give a timestamp with a timezone offset, such as 2019-08-24T14:15:22Z."]


def _check(*, provider: str, external_id: str, urn: str, expires_at: datetime | None) -> None:
    """The API's field rules, again here so that the admin and commands keep them too."""
    errors: dict[str, list[str]] = {}
    if not is_provider(provider):
        errors["provider"] = [PROVIDER_MESSAGE]
    id_error = external_id_error(external_id)
    if id_error is not None:
        errors["id"] = [id_error]
    _check_urn_and_expiry(urn=urn, expires_at=expires_at, errors=errors)
    if errors:
        raise BadRequest(errors)


def _conflict() -> Conflict:
    return Conflict({"id": ["A live reference with this provider and id already exists."]})


@transaction.atomic
def reference_create(*, provider: str, external_id: str, urn: str, expires_at: datetime | None = None) -> Reference:
    """Create `provider:external_id`; 409 while a live one exists, an expired one is replaced.

    Race-safe: two creates of a new ref meet on the unique constraint, and the
    loser then judges the winner's row like any existing one (409 while it is
    live; replaced when it expired while the loser waited); two creates over the
    same expired row meet on its row lock (PostgreSQL), and the second then sees
    a live row.
    """
    _check(provider=provider, external_id=external_id, urn=urn, expires_at=expires_at)
    # Bounded: each retry follows a concurrent insert or erase of this very ref.
    for _attempt in range(3):
        now = timezone.now()
        existing = Reference.objects.select_for_update().filter(provider=provider, external_id=external_id).first()
        if existing is not None:
            if not existing.is_expired(now):
                raise _conflict()
            # The expired reference is gone for the API: the replacement is a new one.
            existing.urn, existing.expires_at, existing.inserted_at = urn, expires_at, now
            existing.save()
            return existing
        try:
            with transaction.atomic():
                return Reference.objects.create(
                    provider=provider, external_id=external_id, urn=urn, expires_at=expires_at, inserted_at=now
                )
        except IntegrityError:
            # A concurrent request created the same ref between the read and the insert:
            # read it again (it may have expired while this request waited on its insert).
            continue
    raise _conflict()


@transaction.atomic
def reference_update(*, reference: Reference, urn: str, expires_at: datetime | None) -> Reference:
    """Change what a reference points to and until when (the admin's edit; the API has none)."""
    errors: dict[str, list[str]] = {}
    _check_urn_and_expiry(urn=urn, expires_at=expires_at, errors=errors)
    if errors:
        raise BadRequest(errors)
    if not Reference.objects.select_for_update().filter(pk=reference.pk).exists():
        raise EntityNotFound()
    reference.urn, reference.expires_at = urn, expires_at
    reference.save(update_fields=["urn", "expires_at", "updated_at"])
    return reference


@transaction.atomic
def reference_delete(*, reference: Reference) -> None:
    """Erase a reference for good; 404 when a concurrent request erased it first."""
    deleted, _ = Reference.objects.filter(pk=reference.pk).delete()
    if not deleted:
        raise EntityNotFound()


def references_purge_expired(*, dry_run: bool = False) -> int:
    """Erase the references expired by now; returns how many (or would, with dry_run).

    Batches of PURGE_BATCH_SIZE, each its own transaction, so a long purge
    holds no long lock and an interrupted one can simply be run again.
    """
    now = timezone.now()
    expired = Reference.objects.expired(now)
    if dry_run:
        return expired.count()
    erased = 0
    while True:
        batch = list(expired.order_by("pk").values_list("pk", flat=True)[:PURGE_BATCH_SIZE])
        if not batch:
            return erased
        with transaction.atomic():
            # Re-check the expiry: a batch row may have been replaced meanwhile.
            erased += Reference.objects.filter(pk__in=batch).expired(now).delete()[0]
