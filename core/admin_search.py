"""Changelists at the scale of a newsroom's library: the indexed search, and no full count.

Django's changelist counts every matching row on every page (`COUNT(*)`,
twice with `show_full_result_count`) and searches with `icontains` over
`search_fields`, joins included. An admin using `SearchAdminMixin` searches
through its app's selector instead (core.search: the same indexed match as
the API) and counts with `EstimatedCountPaginator`.
"""

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

from core import search
from core.exceptions import BadRequest


def planner_estimate(queryset) -> int:
    """The number of rows PostgreSQL's planner expects the queryset to return (EXPLAIN, not run)."""
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """Counts exactly up to EXACT_COUNT_LIMIT rows, then trusts PostgreSQL's estimate.

    The exact part is `SELECT count(*) FROM (... LIMIT 10001)`: it stops at the
    limit, so a page of a million-row list costs what counting 10,001 rows
    costs. Beyond the limit the page count comes from the planner's estimate
    (at least the limit): the last pages of a huge list may then be empty or
    out of reach, a price worth paying over counting a million rows per page.
    SQLite (development) counts as Django does.
    """

    EXACT_COUNT_LIMIT = 10_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if connections[queryset.db].vendor != "postgresql":
            return super().count
        bounded = queryset.order_by()[: self.EXACT_COUNT_LIMIT + 1].count()
        if bounded <= self.EXACT_COUNT_LIMIT:
            return bounded
        return max(planner_estimate(queryset), bounded)


class SearchAdminMixin:
    """The changelist's search through `search_selector(queryset=, term=)` (the app's selector),
    without counting all rows. Keep `search_fields` non-empty: it shows the search box."""

    search_selector = None  # staticmethod(<app>.selectors.<entity>_search)
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_search_results(self, request, queryset, search_term):
        try:
            term = search.clean_term(search_term)
        except BadRequest:
            messages.warning(request, f"Type at least {search.MIN_TERM_LENGTH} characters to search.")
            return queryset.none(), False
        if term is None:
            return queryset, False
        # No duplicates: the selectors filter the rows themselves, never through a join.
        return self.search_selector(queryset=queryset, term=term), False
