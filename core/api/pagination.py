"""Keyset cursor pagination for every list (contract §5 "Pagination").

Order: newest first by `inserted_at`, ties broken by `id`. A cursor names a
row's position, `(inserted_at, id)`, signed with the SECRET_KEY so that a
client cannot alter it unnoticed. A page is read with a range condition on
that position (never OFFSET), so its cost does not grow with depth, and rows
inserted or deleted elsewhere never make a row served twice or skipped.

DRF's CursorPagination is not used: it answers an invalid cursor with 404,
builds absolute links instead of the contract's `meta` and falls back to
OFFSET within ties.
"""

from urllib.parse import urlencode

from django.core import signing
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from core.api.envelope import Envelope
from core.exceptions import BadRequest
from core.search_plans import page_rows

# A cursor as django.core.signing writes it: base64url payload, base62 timestamp and a
# base64url HMAC-SHA256, colon-separated. Empty is the same as no cursor.
CURSOR_PATTERN = "^(?:[A-Za-z0-9_-]{1,400}:[A-Za-z0-9]{1,12}:[A-Za-z0-9_-]{43})?$"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_RESERVED = {"after", "before", "limit", "x-api-key"}


class KeysetPagination(BasePagination):
    ordering = ("-inserted_at", "-id")
    # A searched page is first looked for among the WINDOW_FACTOR x (limit + 1) rows that follow
    # the cursor (core.search_plans).
    WINDOW_FACTOR = 100

    def _salt(self, view) -> str:
        return "backoffice.cursor:" + getattr(view, "cursor_scope", type(view).__name__)

    def encode_cursor(self, row, view) -> str:
        return signing.dumps([row.inserted_at.isoformat(), str(row.id)], salt=self._salt(view))

    def decode_cursor(self, value: str, view, param: str):
        try:
            stamp, row_id = signing.loads(value, salt=self._salt(view))
            inserted_at = parse_datetime(stamp)
        except (signing.BadSignature, ValueError, TypeError):
            inserted_at = None
        if inserted_at is None:
            raise BadRequest({param: ["Invalid cursor."]})
        return inserted_at, row_id

    def parse_limit(self, request) -> int:
        raw = request.query_params.get("limit")
        if raw is None:
            return DEFAULT_LIMIT
        # `limit=` is refused like any other text that is not a number: the schema's type is integer.
        # isascii: "²".isdigit() is true, but int("²") fails.
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
            raise BadRequest({"limit": [f"Enter a whole number from 1 to {MAX_LIMIT}."]})
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        params = request.query_params
        limit = self.parse_limit(request)
        after, before = params.get("after"), params.get("before")
        if after and before:
            raise BadRequest({"before": ["Send either after or before, not both."]})
        self.request, self.view, self.limit = request, view, limit

        searched = bool(params.get("search", "").strip())
        if before:
            t, row_id = self.decode_cursor(before, view, "before")
            newer = Q(inserted_at__gte=t) & (Q(inserted_at__gt=t) | Q(id__gt=row_id))
            rows = self.fetch(queryset.filter(newer).order_by("inserted_at", "id"), limit + 1, searched, newer)
            has_more_before = len(rows) > limit
            rows = rows[:limit][::-1]
            self.has_previous, self.has_next = has_more_before, True
        else:
            qs = queryset.order_by(*self.ordering)
            older = None
            if after:
                t, row_id = self.decode_cursor(after, view, "after")
                # The redundant `lte` keeps the condition an index range scan.
                older = Q(inserted_at__lte=t) & (Q(inserted_at__lt=t) | Q(id__lt=row_id))
                qs = qs.filter(older)
            rows = self.fetch(qs, limit + 1, searched, older)
            self.has_next = len(rows) > limit
            self.has_previous = bool(after)
            rows = rows[:limit]
        self.rows = rows
        return rows

    def fetch(self, queryset, n: int, searched: bool, start: Q | None) -> list:
        """The first `n` rows of `queryset`. A search's matches may bunch far from the cursor,
        where walking the order's index would read most of the table: they are looked for among
        the rows that follow the cursor first, and else sorted from the trigram index's matches
        (core.search_plans). The same rows either way."""
        if not searched:
            return list(queryset[:n])
        return page_rows(queryset, 0, n, window=self.WINDOW_FACTOR * n, start=start)

    def base_path(self) -> str:
        query = [("limit", str(self.limit))]
        for key, values in self.request.query_params.lists():
            if key not in _RESERVED:
                query.extend((key, value) for value in values)
        return f"{self.request.path}?{urlencode(query)}"

    def get_meta(self) -> dict:
        rows = self.rows
        return {
            "base": self.base_path(),
            "next": self.encode_cursor(rows[-1], self.view) if rows and self.has_next else None,
            "previous": self.encode_cursor(rows[0], self.view) if rows and self.has_previous else None,
        }

    def get_paginated_response(self, data) -> Response:
        return Response(Envelope(data=data, meta=self.get_meta()))

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["data", "meta"],
            "properties": {
                "data": schema,
                "meta": {
                    "type": "object",
                    "required": ["base", "next", "previous"],
                    "properties": {
                        "base": {"type": "string"},
                        "next": {"type": "string", "nullable": True},
                        "previous": {"type": "string", "nullable": True},
                    },
                },
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": "after",
                "in": "query",
                "required": False,
                "description": "Cursor from a previous page's meta.next (opaque, signed for this list).",
                "schema": {"type": "string", "pattern": CURSOR_PATTERN},
            },
            {
                "name": "before",
                "in": "query",
                "required": False,
                "description": "Cursor from a previous page's meta.previous (opaque, signed for this list).",
                "schema": {"type": "string", "pattern": CURSOR_PATTERN},
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": f"Page size, 1..{MAX_LIMIT} (default {DEFAULT_LIMIT}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            },
        ]
