"""Does a page of the category list cost the same at any depth? (contract §5: keyset, never OFFSET)

Fills PostgreSQL with N categories (two locales each) using INSERT ... SELECT
generate_series, then times the first, a middle and the last page through the
code path of `GET /categories`: the selector, the django-filter FilterSet, the
keyset paginator and the output serializer. Prints the medians, the ratio
last/first (target ≤ 1.25) and the EXPLAIN of the deep page's query.

    .venv/bin/python -m tools.bench.category_pagination --rows 1000000

Reaching a deep page without walking there: a cursor only names a row's
position, `(inserted_at, id)`, signed by the paginator. During setup (not
timed) the row at the wanted depth is read with one OFFSET query, and
`KeysetPagination.encode_cursor` signs it, the very function that writes
`meta.next`, so the timed request is exactly what a client holding that cursor
would send. For the last page the row is the one just before the last `limit`
rows, so that page ends the list (`meta.next` is null, checked below).

A table that already holds N categories is reused (use --refill to rebuild).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_categories"
ROOT = Path(__file__).resolve().parents[2]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="categories to create (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=20, help="page size (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=51, help="timed runs per page (default: %(default)s)")
    parser.add_argument("--refill", action="store_true", help="rebuild the rows even if the count matches")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", DEFAULT_URL),
        help="PostgreSQL URL (default: $DATABASE_URL or %(default)s)",
    )
    return parser.parse_args()


def ensure_database(url: str) -> None:
    """Create the benchmark database if missing, connecting to the `postgres` maintenance database."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def setup_django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "backoffice.settings"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def fill(rows: int, refill: bool) -> None:
    from categories.models import Category, CategoryLocale
    from tools.bench.fill import count_rows, emptied, reusing, vacuum

    category_table, locale_table = Category._meta.db_table, CategoryLocale._meta.db_table
    if reusing(count_rows(category_table), rows, refill, f"{rows:,} categories"):
        return
    started = time.perf_counter()
    with emptied(locale_table, category_table) as cursor:
        # One second apart, in pairs with the same inserted_at (ties broken by id);
        # 1 in 97 soft-deleted, 1 in 10 archived.
        cursor.execute(
            f"""
            INSERT INTO {category_table} (id, inserted_at, updated_at, deleted_at, svg_icon, is_archived)
            SELECT gen_random_uuid(), t, t, CASE WHEN i %% 97 = 0 THEN t + interval '1 day' END, NULL, i %% 10 = 0
            FROM (
                SELECT i, timestamptz '2015-01-01 00:00:00+00' + (i / 2) * interval '1 second' AS t
                FROM generate_series(1, %s) AS i
            ) AS series
            """,
            [rows],
        )
        print(f"  {rows:,} categories in {time.perf_counter() - started:.1f} s")
        cursor.execute(
            f"""
            INSERT INTO {locale_table} (id, category_id, locale, name, deleted_at)
            SELECT gen_random_uuid(), c.id, l.code, l.word || ' ' || left(c.id::text, 8), NULL
            FROM {category_table} AS c
            CROSS JOIN (VALUES ('en', 'Category'), ('fr', 'Catégorie')) AS l(code, word)
            """
        )
        print(f"  {2 * rows:,} locales, total {time.perf_counter() - started:.1f} s")
    vacuum(category_table, locale_table)
    print(f"filled and analysed in {time.perf_counter() - started:.1f} s")


class Page:
    """`GET /categories?limit=…&after=…` without HTTP: the view's own steps, in order."""

    def __init__(self, limit: int):
        from django.test import RequestFactory

        from categories.api.views import CategoryCollectionView

        self.limit = limit
        self.factory = RequestFactory()
        self.view = CategoryCollectionView()

    def fetch(self, after: str | None = None) -> tuple[list[dict], dict]:
        from rest_framework.request import Request

        from categories import selectors
        from categories.api.filters import CategoryFilter
        from categories.api.serializers import CategoryOutputSerializer
        from core.api.filters import apply_filters
        from core.api.pagination import KeysetPagination

        params = {"limit": str(self.limit), **({"after": after} if after else {})}
        request = Request(self.factory.get("/api/core/v2/categories", params))
        self.view.request = request
        queryset = apply_filters(
            CategoryFilter, request, selectors.category_list(include_deleted=self.view.include_deleted())
        )
        paginator = KeysetPagination()
        page = paginator.paginate_queryset(queryset, request, view=self.view)
        data = [CategoryOutputSerializer.represent(category) for category in page]
        return data, paginator.get_meta()


def cursor_at(depth: int, view) -> str:
    """A signed cursor naming the live row at `depth` in list order (setup only: one OFFSET query)."""
    from categories.models import Category
    from core.api.pagination import KeysetPagination

    row = Category.objects.order_by(*KeysetPagination.ordering).only("id", "inserted_at")[depth]
    return KeysetPagination().encode_cursor(row, view)


def measure(page: Page, cursors: dict[str, str | None], runs: int) -> dict[str, list[float]]:
    """Milliseconds per page, interleaved: each round times every page, in a rotating order,
    so that a burst of load on the machine weighs on all of them alike."""
    labels = list(cursors)
    for _ in range(3):  # warm-up: caches, plans, connection
        for label in labels:
            page.fetch(cursors[label])
    timings: dict[str, list[float]] = {label: [] for label in labels}
    for round_number in range(runs):
        shift = round_number % len(labels)
        for label in labels[shift:] + labels[:shift]:
            started = time.perf_counter()
            page.fetch(cursors[label])
            timings[label].append((time.perf_counter() - started) * 1000)
    return timings


def explain(page: Page, after: str) -> tuple[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of the queries the deep page really ran, captured as sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        page.fetch(after)
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return captured.captured_queries[0]["sql"], plans


def main() -> None:
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("This benchmark needs PostgreSQL: set DATABASE_URL or --database-url.")
    ensure_database(args.database_url)
    setup_django(args.database_url)
    fill(args.rows, args.refill)

    from categories.models import Category

    live = Category.objects.count()
    page = Page(args.limit)
    second_cursor = cursor_at(args.limit - 1, page.view)
    middle_cursor = cursor_at(live // 2, page.view)
    last_cursor = cursor_at(live - args.limit - 1, page.view)
    print(f"\n{live:,} live categories of {args.rows:,}; page size {args.limit}; median of {args.runs} runs")

    # "second" also carries a cursor (decoding it costs the same at any depth): last/second
    # isolates the effect of depth alone, last/first is the figure the target is about.
    cursors = {"first": None, "second": second_cursor, "middle": middle_cursor, "last": last_cursor}
    for label, after in cursors.items():
        data, meta = page.fetch(after)
        assert len(data) == args.limit and all(len(item["locales"]) == 2 for item in data), label
        assert (meta["next"] is None) == (label == "last"), f"only the last page ends the list ({label})"
    timings = measure(page, cursors, args.runs)
    medians = {label: statistics.median(values) for label, values in timings.items()}
    for label, values in timings.items():
        quartiles = statistics.quantiles(values, n=4)
        print(
            f"  {label:>6} page: median {medians[label]:6.2f} ms"
            f"   (quartiles {quartiles[0]:.2f} / {quartiles[2]:.2f} ms, min {min(values):.2f} ms)"
        )
    ratio = medians["last"] / medians["first"]
    print(f"  ratio last/first:   {ratio:.3f} (target <= 1.25) {'OK' if ratio <= 1.25 else 'OVER TARGET'}")
    print(f"  ratio middle/first: {medians['middle'] / medians['first']:.3f}")
    print(f"  ratio last/second:  {medians['last'] / medians['second']:.3f}")

    _sql, first_plans = explain(page, None)
    sql, plans = explain(page, last_cursor)
    print("\nDatabase time of the page query (EXPLAIN ANALYZE), first vs last page:")
    print(f"  first: {execution_time(first_plans[0])}   last: {execution_time(plans[0])}")
    print("\nDeep page query (as sent by the paginator):\n  " + sql)
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the deep page query:\n" + plans[0])
    if len(plans) > 1:
        print("\nEXPLAIN (ANALYZE, BUFFERS) of its locale prefetch:\n" + plans[1])


def execution_time(plan: str) -> str:
    return next((line.split(":", 1)[1].strip() for line in plan.splitlines() if line.startswith("Execution Time")), "?")


if __name__ == "__main__":
    main()
