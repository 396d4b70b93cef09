"""Changelists at the scale of a newsroom's library: the indexed search, and no full count.

Django's changelist counts every matching row on every page (`COUNT(*)`,
twice with `show_full_result_count`) and searches with `icontains` over
`search_fields`, joins included. An admin using `SearchAdminMixin` searches
through its app's selector instead (core.search: the same indexed match as
the API) and counts with `EstimatedCountPaginator`; a searched changelist
fetches its page with `SearchPaginator` (core.search_plans, docs/search.md).
"""

import json

from django.contrib import messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

from core import search
from core.exceptions import BadRequest
from core.search_plans import page_rows, unwalkable


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


class SearchPaginator(EstimatedCountPaginator):
    """The page of a search, fetched by the plan that suits where its matches lie.

    Asked for the first rows of a search in the list's order, PostgreSQL walks
    the order's index and filters, assuming the matches spread evenly: when
    they bunch at the far end of the order (`post-10` among a million
    references: the oldest 11,111 rows), it reads nearly the whole table. So:
    - *Few matches* (the count, at most EXACT_COUNT_LIMIT, is exact): the page
      is sorted from all the matches, which the trigram index finds, the order
      written so that no index can serve it (`unwalkable`).
    - *Many matches*: the page is first looked for among the newest
      `WINDOW_FACTOR` × (the rows up to the page's end) rows of the table, a
      range on the order's first column that bounds the walk (`within_window`,
      read by `walked`). The rows found
      there are the list's first rows exactly when there are enough of them;
      otherwise (many matches, bunched far away) they are sorted as above.
    Same rows, same order as the plain query: only the plan differs.
    """

    WINDOW_FACTOR = 100

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.page_rows(bottom, top), number, self)

    def page_rows(self, bottom: int, top: int):
        queryset = self.object_list
        if top <= bottom or not queryset.ordered:
            return queryset[bottom:top]
        if self.count <= self.EXACT_COUNT_LIMIT:
            return unwalkable(queryset)[bottom:top]
        return page_rows(queryset, bottom, top, window=self.WINDOW_FACTOR * top)


class SearchAdminMixin:
    """The changelist's search through `search_selector(queryset=, term=)` (the app's selector),
    without counting all rows. Keep `search_fields` non-empty: it shows the search box."""

    search_selector = None  # staticmethod(<app>.selectors.<entity>_search)
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # A searched list: its page through SearchPaginator's plans (the count stays the same).
        paginator = SearchPaginator if request.GET.get(SEARCH_VAR, "").strip() else self.paginator
        return paginator(queryset, per_page, orphans, allow_empty_first_page)

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
