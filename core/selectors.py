"""Reads shared by every app."""

from core.exceptions import EntityNotFound
from core.validators import parse_uuid


def get_visible(model, raw_id, *, include_deleted: bool = False, queryset=None):
    """An entity by its path id: 400 for a bad UUID, 404 when absent or soft-deleted."""
    pk = parse_uuid(raw_id)
    if queryset is None:
        # all_objects on purpose: include_deleted asks for soft-deleted rows too.
        queryset = model.all_objects.all() if include_deleted else model.objects.all()
    instance = queryset.filter(pk=pk).first()
    if instance is None:
        raise EntityNotFound()
    return instance
