"""Reads for references: one by its ref, many in one query."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from core.exceptions import EntityNotFound
from references.models import Reference
from references.validators import is_external_id, is_provider


def split_ref(ref) -> tuple[str, str] | None:
    """`provider:id` split at the first colon, or None when it cannot name a reference."""
    if not isinstance(ref, str):
        return None
    provider, colon, external_id = ref.partition(":")
    # A value that no reference can have is answered without a query (a NUL
    # would even make PostgreSQL refuse the query).
    if not colon or not is_provider(provider) or not is_external_id(external_id):
        return None
    return provider, external_id


def parse_ref(ref) -> tuple[str, str]:
    """(provider, id) of a ref; a ref that cannot name a reference is a 404 (it names nothing)."""
    pair = split_ref(ref)
    if pair is None:
        raise EntityNotFound()
    return pair


def reference_get(*, ref: str) -> Reference:
    """The live reference named by `ref`, or 404 (unknown, expired or malformed)."""
    provider, external_id = parse_ref(ref)
    try:
        return Reference.objects.live().get(provider=provider, external_id=external_id)
    except Reference.DoesNotExist:
        raise EntityNotFound() from None


def references_lookup(*, refs: Iterable[str]) -> list[Reference]:
    """The live references among `refs`, in the order asked, in one query.

    Unknown, expired and malformed refs are left out. A ref asked several
    times is answered once, at its first position: the answer is the set of
    references found, in the order asked.
    """
    pairs: dict[tuple[str, str], None] = {}  # ordered set
    for ref in refs:
        pair = split_ref(ref)
        if pair is not None:
            pairs.setdefault(pair)
    if not pairs:
        return []
    ids_by_provider: dict[str, list[str]] = defaultdict(list)
    for provider, external_id in pairs:
        ids_by_provider[provider].append(external_id)
    # One (provider = p AND external_id IN (...)) term per provider: portable
    # (no tuple IN on SQLite), and each term is a range of the unique index.
    condition = Q()
    for provider, ids in ids_by_provider.items():
        condition |= Q(provider=provider, external_id__in=ids)
    found = {
        (ref.provider, ref.external_id): ref
        for ref in Reference.objects.live(timezone.now()).filter(condition).order_by()
    }
    return [found[pair] for pair in pairs if pair in found]
