"""Query shapes that keep a search's plan bounded whatever the planner assumes (docs/search.md).

A page of a search is `WHERE <match> ORDER BY <list order> LIMIT n`. PostgreSQL
picks between two plans by its estimate of the matches, assuming they spread
evenly over the list's order: walk the order's index and filter until n rows
match, or find every match through the trigram index and sort them. When the
matches bunch at the far end of the order (the oldest rows of a newest-first
list), the walk reads nearly the whole table. The callers (the admin's
SearchPaginator, the API's KeysetPagination) combine two shapes instead:
- `within_window`: the search among the first rows of the list's order only,
  a range that bounds the walk; exact when it yields the whole page; read by
  `walked`, so that PostgreSQL walks that range instead of reading the
  trigram index (which the second shape would read again);
- `unwalkable`: the same order written so that no index serves it, so the
  matches are found by the trigram index and sorted (cheap when they are few).
Both return the rows the plain query returns, in the same order; `page_rows`
combines them as both callers do.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, transaction
from django.db.models import F, OrderBy, Q
from django.db.models.functions import Coalesce


def ordering_of(queryset) -> list:
    query = queryset.query
    if query.order_by:
        return list(query.order_by)
    if query.default_ordering:
        return list(queryset.model._meta.ordering)
    return []


def unwalkable(queryset):
    """`queryset` in the same order, written `COALESCE(col, col)` so that no index gives that order:
    PostgreSQL then finds the rows by their filter (the trigram index) and sorts them."""
    terms = []
    for term in ordering_of(queryset):
        if isinstance(term, str):
            if term == "?":
                return queryset
            descending = term.startswith("-")
            expression = F(term.lstrip("-+"))
            terms.append(OrderBy(Coalesce(expression, expression), descending=descending))
        elif isinstance(term, OrderBy):
            inner = term.expression
            terms.append(
                OrderBy(
                    Coalesce(inner, inner),
                    descending=term.descending,
                    nulls_first=term.nulls_first,
                    nulls_last=term.nulls_last,
                )
            )
        else:  # an expression ordered ascending
            terms.append(OrderBy(Coalesce(term, term)))
    return queryset.order_by(*terms)


def within_window(queryset, *, rows: int, start: Q | None = None):
    """`queryset` restricted to the table's first `rows` rows in its order (from `start`, a
    keyset cursor's condition), by a range on the order's first column, ties included: the rows
    it keeps are a prefix of the queryset's. None when the first column is not a plain non-null
    column, or when fewer rows follow (the plain walk reads no more than `rows` then)."""
    terms = ordering_of(queryset)
    first = terms[0] if terms else None
    if not isinstance(first, str) or "__" in first or first == "?":
        return None
    name = first.lstrip("-+")
    model = queryset.model
    try:
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not field.concrete or field.null:
        return None
    table = model._base_manager.filter(start) if start is not None else model._base_manager.all()
    edge = table.order_by(first).values_list(field.attname, flat=True)[rows - 1 : rows].first()
    if edge is None:
        return None
    lookup = "gte" if first.startswith("-") else "lte"
    return queryset.filter(**{f"{field.attname}__{lookup}": edge})


def walked(rows) -> list:
    """The rows of `rows` (a sliced queryset: a window's page), with PostgreSQL's bitmap scans
    off for that query. The window is a range of a few thousand rows in the order's index: its
    walk is bounded, while a bitmap scan of the trigram index reads the posting lists of every
    row sharing the term's trigrams (tens of ms at a million rows for `Photo 10`), which the
    sorted fetch must then read a second time when the window lacks the page."""
    connection = connections[rows.db]
    if connection.vendor != "postgresql":
        return list(rows)
    outer = connection.in_atomic_block
    with transaction.atomic(using=rows.db, savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_bitmapscan'), set_config('enable_bitmapscan', 'off', true)")
            previous = cursor.fetchone()[0]
        if not outer:
            return list(rows)  # the setting ends with the transaction opened here
        try:
            return list(rows)
        finally:  # inside the caller's transaction: put the setting back for its next queries
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('enable_bitmapscan', %s, true)", [previous])


def page_rows(queryset, bottom: int, top: int, *, window: int, start: Q | None = None) -> list:
    """Rows `bottom` to `top` of `queryset`, looked for within its first `window` rows (from
    `start`) first, walked, else sorted from all the matches: the plain query's rows either way."""
    windowed = within_window(queryset, rows=window, start=start)
    if windowed is None:  # fewer rows than the window: the plain walk is short
        return list(queryset[bottom:top])
    rows = walked(windowed[bottom:top])
    if len(rows) == top - bottom:
        return rows
    return list(unwalkable(queryset)[bottom:top])
