"""Reads for references: one by its ref, many in one query."""

import functools
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from core import search
from core.db import rfc3339_sql
from core.exceptions import EntityNotFound
from core.timestamps import rfc3339
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


def reference_search(*, queryset, term: str):
    """The references of `queryset` whose provider, outside id or URN contain `term` (any case)."""
    return search.search(queryset, term)


class LookupRow(NamedTuple):
    """A reference as the lookup reads it: the fields of the answer, no model
    instance, timestamps already written as RFC 3339 text (`rfc3339`).
    """

    id: int
    provider: str
    external_id: str
    urn: str
    expires_at: str | None
    inserted_at: str
    updated_at: str


_LOOKUP_FIELDS = LookupRow._fields


def references_lookup(*, refs: Iterable[str]) -> list[LookupRow]:
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
    now = timezone.now()
    if connection.vendor == "postgresql":
        return _lookup_postgresql(list(pairs), now)
    ids_by_provider: dict[str, list[str]] = defaultdict(list)
    for provider, external_id in pairs:
        ids_by_provider[provider].append(external_id)
    # One (provider = p AND external_id IN (...)) term per provider: portable
    # (no tuple IN on SQLite), and each term is a range of the unique index.
    condition = Q()
    for provider, ids in ids_by_provider.items():
        condition |= Q(provider=provider, external_id__in=ids)
    rows = Reference.objects.live(now).filter(condition).order_by().values_list(*_LOOKUP_FIELDS)
    found = {(row[1], row[2]): LookupRow(*row[:4], *map(rfc3339, row[4:])) for row in rows}
    return [found[pair] for pair in pairs if pair in found]


@functools.cache
def _lookup_sql_postgresql() -> str:
    q = connection.ops.quote_name

    def column(name: str) -> str:
        return f"r.{q(Reference._meta.get_field(name).column)}"

    columns = [column(name) for name in _LOOKUP_FIELDS]
    columns = ", ".join(columns[:4] + [rfc3339_sql(each) for each in columns[4:]])
    return (
        f"SELECT {columns} FROM unnest(%s::varchar[], %s::varchar[]) WITH ORDINALITY AS asked(provider, external_id, n)"
        f" JOIN {q(Reference._meta.db_table)} r"
        f" ON {column('provider')} = asked.provider AND {column('external_id')} = asked.external_id"
        f" WHERE {column('expires_at')} IS NULL OR {column('expires_at')} > %s"
        " ORDER BY asked.n"
    )


def _lookup_postgresql(pairs: list[tuple[str, str]], now: datetime) -> list[LookupRow]:
    """The same answer in SQL written out, PostgreSQL only: two array parameters
    whatever the number of refs, joined to the unique index, in the order asked,
    timestamps formatted by PostgreSQL.

    Why not the ORM: building and compiling the portable query, with one
    parameter per ref, then binding it, cost more than the whole single-ref
    request (docs/performance.md: 1,270 → 200 µs of CPU for 100 refs); and
    300 timestamps read as datetimes and written back as text cost another
    200 µs.
    """
    providers, external_ids = map(list, zip(*pairs, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(_lookup_sql_postgresql(), [providers, external_ids, now])
        return [LookupRow(*row) for row in cursor.fetchall()]
