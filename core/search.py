"""Search, for the API's `?search=` and the admin's search box alike (docs/search.md).

What a search means: a case-insensitive substring of the searchable text of
a row, at least MIN_TERM_LENGTH characters, `%` and `_` taken literally.

The seam: selectors call `search(queryset, term)`, which hands the work to
the configured backend (setting `BACKOFFICE_SEARCH_BACKEND`). The backend
returns a queryset, so the callers' other filters, their order and the
keyset pagination stay as they are whatever answers the search. The one
backend today, `DatabaseSearch`, filters with `icontains` on the columns each
app registers (`register()` in its AppConfig.ready, the shape of core.purge).
On PostgreSQL a trigram GIN index on each such column (`trigram_index`)
serves that filter; SQLite scans.

Where a row's text lives in other tables (an image's captions, a category's
locale names), the app keeps it in a `search_text` column of the row itself,
written by its services (`joined`): a condition on a joined table cannot use
the index together with the list's order and paging.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.migrations.operations import AddIndex
from django.db.models.functions import Cast, Upper
from django.utils.module_loading import import_string

from core.exceptions import BadRequest

MIN_TERM_LENGTH = 2
# Between the parts of a `search_text`: a term cannot match across two of them
# unless it holds a line break itself.
SEPARATOR = "\n"

_COLUMNS: dict[type[models.Model], tuple[str, ...]] = {}


def register(model: type[models.Model], *, columns: Iterable[str]) -> None:
    """The columns whose text a search of `model` matches (each one indexed on PostgreSQL)."""
    _COLUMNS[model] = tuple(columns)


def columns_of(model: type[models.Model]) -> tuple[str, ...]:
    return _COLUMNS[model]


def clean_term(value: str | None, *, field: str = "search") -> str | None:
    """The term to search, None for no search, or a 400 when it is too short to search."""
    term = (value or "").strip()
    if not term:
        return None
    if len(term) < MIN_TERM_LENGTH:
        raise BadRequest({field: [f"Give at least {MIN_TERM_LENGTH} characters to search."]})
    return term


def joined(parts: Iterable[str]) -> str:
    """A row's searchable text made of its parts (empty parts left out)."""
    return SEPARATOR.join(part for part in parts if part)


class SearchBackend:
    """What answers a search: the rows of `queryset` that match `term`, as a queryset.

    An implementation must leave the queryset's order and other filters alone;
    callers page it with keysets. An external engine (docs/search.md) would
    ask the engine for the matching ids and return `queryset.filter(pk__in=...)`.
    """

    def filter(self, queryset: models.QuerySet, term: str) -> models.QuerySet:
        raise NotImplementedError


class DatabaseSearch(SearchBackend):
    """`icontains` on the registered columns (ORed): `UPPER(col::text) LIKE UPPER('%term%')`
    on PostgreSQL, which the trigram index on that very expression serves."""

    def filter(self, queryset: models.QuerySet, term: str) -> models.QuerySet:
        condition = models.Q()
        for column in columns_of(queryset.model):
            condition |= models.Q(**{f"{column}__icontains": term})
        return queryset.filter(condition)


def backend() -> SearchBackend:
    return import_string(getattr(settings, "BACKOFFICE_SEARCH_BACKEND", "core.search.DatabaseSearch"))()


def search(queryset: models.QuerySet, term: str) -> models.QuerySet:
    """The rows of `queryset` whose text contains `term` (already cleaned by `clean_term`)."""
    return backend().filter(queryset, term)


def trigram_index(column: str, *, name: str) -> GinIndex:
    """A GIN trigram index on `UPPER(column::text)`: the expression `icontains` compiles to on
    PostgreSQL, so the planner can use it for `LIKE '%term%'` (pg_trgm, created by core's migration)."""
    return GinIndex(OpClass(Upper(Cast(column, models.TextField())), name="gin_trgm_ops"), name=name)


class AddIndexOnPostgreSQL(AddIndex):
    """AddIndex for PostgreSQL-only indexes (GIN, operator classes): the migration state has the
    index on every database, SQLite's schema does not (it has no such index type; it scans)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
