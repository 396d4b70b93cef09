"""Search and the admin at newsroom scale: 1,000,000 images, categories and references on PostgreSQL.

    .venv/bin/python -m tools.bench.search                     # database `searchbench`, kept for a rerun
    .venv/bin/python -m tools.bench.search --drop              # the same, then drop the database
    .venv/bin/python -m tools.bench.search --rows 100000       # a smaller run

Everything is timed in-process (wall clock, PostgreSQL's time included):
API requests through the real WSGI application with an API key, admin
pages through Django's test client with a logged-in superuser; each figure
is the median of --runs requests. The data comes from tools.bench.fill (SQL
generate_series); the `search_text` columns are written by one SQL UPDATE
that gives what the services write for that data (its captions hold no
entities and no block tags, so dropping the tags is html_to_text).

Order of the run, so that before and after are measured on one database:
1. the trigram indexes dropped: the searches as they were before (a scan);
2. the indexes built (their build time and size printed);
3. API searches (selective, medium, common, absent, and terms whose matches
   bunch among the oldest rows; first and deepest page), admin changelists
   (first page, filtered, searched), and EXPLAIN ANALYZE of the searches;
4. writes (image create, category PATCH), before and after alternating in
   --rounds samples (B A A B B A ...): "before" without the trigram indexes of
   the written tables and with search_text not written (the services' text
   functions stubbed), "after" as the migrations and services make it. Each
   sample starts from VACUUM and CHECKPOINT; each write is timed by the wall
   clock and by this process's CPU, and the server's CPU for the connection
   is read from /proc. The database is left with every index built.

    .venv/bin/python -m tools.bench.search --rows 200000 --only writes   # the writes alone
"""

import argparse
import json
import logging
import os
import statistics
import time
import warnings
from urllib.parse import urlencode, urlsplit

from tools.bench import category_pagination
from tools.bench.common import API, cpu_seconds, wsgi_environ
from tools.reliability.harness import with_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/searchbench"
SPARES = 1000
WRITTEN_NAME = "Benchmark write"  # the images the write measures create
TRIGRAM_INDEXES = {
    # name: (table, column)
    "asset_image_search_trgm": ("assets_assetimage", "search_text"),
    "category_search_trgm": ("categories_category", "search_text"),
    "reference_provider_trgm": ("references_reference", "provider"),
    "reference_external_id_trgm": ("references_reference", "external_id"),
    "reference_urn_trgm": ("references_reference", "urn"),
}
# The indexes of the tables the measured writes write to.
WRITTEN_INDEXES = ("asset_image_search_trgm", "category_search_trgm")
WRITTEN_TABLES = ("assets_assetimage", "assets_assetimagelocale", "categories_category", "categories_categorylocale")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="images, categories, references (%(default)s)")
    parser.add_argument("--runs", type=int, default=21, help="timed requests per figure (default: %(default)s)")
    parser.add_argument("--writes", type=int, default=40, help="timed writes of each kind per sample (%(default)s)")
    parser.add_argument("--rounds", type=int, default=6, help="before/after samples of the writes (%(default)s)")
    parser.add_argument("--only", choices=["reads", "writes"], help="measure only the reads or the writes")
    parser.add_argument("--database-url", default=DEFAULT_URL, help="PostgreSQL URL (default: %(default)s)")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end (it is large)")
    return parser.parse_args()


def drop_database(url: str) -> None:
    import psycopg
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    print(f"dropped database {name}")


def setup_django(url: str) -> None:
    """category_pagination's setup with production-like settings, no rate limit in the way, and quiet logs."""
    os.environ.update(DEBUG="0", ALLOWED_HOSTS="127.0.0.1,testserver", API_RATE_LIMIT="100000000/min")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-a-secret-0123456789-abcdefghijklmnop")
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic here
    category_pagination.setup_django(url)
    logging.disable(logging.WARNING)


def sql(statement: str, params=None) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


# The rows' search_text where it is empty, as the services write it: per table, what it holds, the SQL.
SEARCH_TEXT_FILLS = (
    (
        "assets_assetimage",
        "images",
        (
            # What image_search_text writes: name, credits, then caption texts, locales by code.
            r"""
            UPDATE assets_assetimage AS i SET search_text = s.t
            FROM (
                SELECT image_id,
                       string_agg(credit, E'\n' ORDER BY locale) || E'\n'
                       || string_agg(regexp_replace(caption_html, '<[^>]*>', '', 'g'), E'\n' ORDER BY locale) AS t
                FROM assets_assetimagelocale GROUP BY image_id
            ) AS s
            WHERE s.image_id = i.id
            """,
            r"UPDATE assets_assetimage SET search_text = name || E'\n' || search_text",
        ),
    ),
    (
        "categories_category",
        "categories",
        (
            r"""
            UPDATE categories_category AS c SET search_text = s.t
            FROM (
                SELECT category_id, string_agg(name, E'\n' ORDER BY locale) AS t
                FROM categories_categorylocale WHERE deleted_at IS NULL GROUP BY category_id
            ) AS s
            WHERE s.category_id = c.id AND c.search_text = ''
            """,
        ),
    ),
)


def fill(rows: int) -> None:
    from tools.bench.fill import fill_all
    from tools.bench.load import release_spare_files

    drop_indexes()
    # What an earlier run's writes left: its images, on spare files (the counts would not match)
    # and, for the categories it renamed without writing their text, an empty search_text.
    release_spare_files()
    fill_all(images=rows, spares=SPARES, categories=rows, references=rows)
    rewritten = False
    for table, what, statements in SEARCH_TEXT_FILLS:
        if sql(f"SELECT count(*) FROM {table} WHERE search_text = ''")[0][0]:
            started = time.perf_counter()
            for statement in statements:
                sql(statement)
            print(f"  {what}' search_text in {time.perf_counter() - started:.1f} s")
            rewritten = True
    if rewritten:  # a million rows updated: rewrite the tables without their dead versions
        for table in ("assets_assetimage", "categories_category"):
            sql(f"VACUUM (FULL, ANALYZE) {table}")


def drop_indexes(names=TRIGRAM_INDEXES) -> None:
    for name in names:
        sql(f'DROP INDEX IF EXISTS "{name}"')


def build_indexes(names=TRIGRAM_INDEXES, quiet: bool = False) -> None:
    for name in names:
        table, column = TRIGRAM_INDEXES[name]
        started = time.perf_counter()
        # The statement migrations write (core.search.trigram_index).
        sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER(("{column}")::text)) gin_trgm_ops)')
        size = sql("SELECT pg_size_pretty(pg_relation_size(%s::regclass))", [name])[0][0]
        if not quiet:
            print(f"  {name}: built in {time.perf_counter() - started:.1f} s, {size}")
    for table in {TRIGRAM_INDEXES[name][0] for name in names}:
        sql(f"ANALYZE {table}")


class Client:
    """API requests through the WSGI application; admin pages through Django's test client."""

    def __init__(self):
        from django.contrib.auth import get_user_model
        from django.core.wsgi import get_wsgi_application
        from django.test import Client as DjangoClient

        from core.services import api_key_create

        self.application = get_wsgi_application()
        _key, self.key = api_key_create(name="search benchmark", roles=["admin"])
        user_model = get_user_model()
        user = user_model.objects.filter(username="searchbench").first() or user_model.objects.create_superuser(
            "searchbench", "bench@example.com", "unused-password-0123"
        )
        self.admin = DjangoClient()
        self.admin.force_login(user)

    def api(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        path, _, query = path.partition("?")
        data = json.dumps(body).encode() if body is not None else b""
        status: list[str] = []
        environ = wsgi_environ(method=method, path=path, query=query, body=data, key=self.key)
        response = self.application(environ, lambda s, headers, exc_info=None: status.append(s))
        content = b"".join(response)
        response.close()
        return int(status[0].split()[0]), json.loads(content) if content else {}

    def page(self, path: str) -> int:
        return self.admin.get(path).status_code


def median_ms(call, runs: int) -> float:
    call()  # warm: the first call pays for imports and caches
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def api_get(client: Client, path: str, expect_rows: bool | None = None):
    def call():
        status, body = client.api("GET", path)
        assert status == 200, (path, status, body)
        if expect_rows is not None:
            assert bool(body["data"]) == expect_rows, path

    return call


def deepest_cursor(kind: str, term: str) -> str | None:
    """The cursor a client holds before the last page of a search: the row `limit` rows from its end."""
    from assets.api.views import ImageCollectionView
    from assets.selectors import image_list, image_search
    from categories.api.views import CategoryCollectionView
    from categories.selectors import category_list, category_search
    from core.api.pagination import KeysetPagination

    if kind == "images":
        queryset, view = image_search(queryset=image_list(), term=term), ImageCollectionView()
    else:
        queryset, view = category_search(queryset=category_list(), term=term), CategoryCollectionView()
    # Oldest first: the 21st oldest row is the cursor whose next page holds the last 20.
    row = queryset.order_by("inserted_at", "id").prefetch_related(None)[20:21].first()
    return None if row is None else KeysetPagination().encode_cursor(row, view)


def terms() -> dict[str, dict[str, str]]:
    """Search terms from the data itself: selective (a few rows), medium (thousands), common, absent."""
    from categories.models import Category

    name = Category.objects.order_by("inserted_at").values_list("search_text", flat=True)[100]
    code = name.split("\n")[0].split(" ")[1]  # 'Category 1a2b3c4d' -> '1a2b3c4d'
    return {
        "images": {
            "selective": "Photo 4242",  # Photo 4242, 42420..42429, 424200..424299: 111 images
            "medium": "Agency 7a",  # credits 'Agency ' + 4 hex digits: 1 in 256
            "common": "somewhere nice",  # every caption
            "absent": "zebra crossing",
            # Names are 'Photo <n>', n in the order of insertion: matches among the oldest rows
            # (and, at --rows 1000000, the newest: Photo 1000000).
            "rare, oldest": "Photo 10000",  # 10000, 100000..100009: 11 images
            "bunched, oldest": "Photo 10",  # 10, 100..109, ..., 100000..109999: 11,111 images
        },
        "categories": {
            "selective": code[:7],
            "medium": "Catégorie 7a",
            "common": "category",
            "absent": "zebra crossing",
        },
    }


def measure_api(client: Client, runs: int, all_terms, only=None) -> list[tuple[str, float]]:
    figures = []
    for kind, path in (("images", f"{API}/assets/images"), ("categories", f"{API}/categories")):
        for label, term in all_terms[kind].items():
            if only is not None and (kind, label) not in only:
                continue
            query = urlencode({"search": term})
            expect = {"absent": False, "common": True}.get(label)  # the others depend on --rows
            first = median_ms(api_get(client, f"{path}?{query}", expect_rows=expect), runs)
            figures.append((f"API {kind} search, {label} ({term!r}), first page", first))
            cursor = deepest_cursor(kind, term) if label != "absent" else None
            if cursor:
                deep = median_ms(api_get(client, f"{path}?{query}&{urlencode({'after': cursor})}", True), runs)
                figures.append((f"API {kind} search, {label}, deepest page", deep))
    return figures


def measure_admin(client: Client, runs: int, all_terms, only=None) -> list[tuple[str, float]]:
    pages = [
        ("images, first page", "/admin/assets/assetimage/"),
        ("images, filtered (gravity north)", "/admin/assets/assetimage/?gravity__exact=north"),
        ("images, filtered (deleted)", "/admin/assets/assetimage/?status=deleted"),
        ("images, searched (selective)", f"/admin/assets/assetimage/?q={all_terms['images']['selective']}"),
        ("images, searched (common)", f"/admin/assets/assetimage/?q={all_terms['images']['common']}"),
        ("images, searched (absent)", f"/admin/assets/assetimage/?q={all_terms['images']['absent']}"),
        ("images, searched (bunched, oldest)", f"/admin/assets/assetimage/?q={all_terms['images']['bunched, oldest']}"),
        ("images, searched (rare, oldest)", f"/admin/assets/assetimage/?q={all_terms['images']['rare, oldest']}"),
        ("categories, first page", "/admin/categories/category/"),
        ("categories, filtered (archived)", "/admin/categories/category/?is_archived__exact=1"),
        ("categories, searched (selective)", f"/admin/categories/category/?q={all_terms['categories']['selective']}"),
        ("categories, searched (common)", "/admin/categories/category/?q=category"),
        ("categories, searched (absent)", "/admin/categories/category/?q=zebra+crossing"),
        ("references, first page", "/admin/references/reference/"),
        ("references, filtered (live)", "/admin/references/reference/?status=live"),
        ("references, searched (selective)", "/admin/references/reference/?q=post-424242"),
        ("references, searched (common)", "/admin/references/reference/?q=youtube"),
        # Matches bunched in the oldest rows (post-1, post-1xxxxx): the newest-first walk reads far.
        ("references, searched (medium, bunched)", "/admin/references/reference/?q=post-1"),
        ("references, searched (bunched, oldest: post-10)", "/admin/references/reference/?q=post-10"),
        ("references, searched (rare, oldest: post-10000)", "/admin/references/reference/?q=post-10000"),
        ("references, searched (absent)", "/admin/references/reference/?q=zebra+crossing"),
    ]
    figures = []
    for label, path in pages:
        if only is not None and label not in only:
            continue

        def call(path=path):
            assert client.page(path) == 200, path

        figures.append((f"admin {label}", median_ms(call, runs)))
    return figures


class Writes:
    """Image create (POST /assets/images, one spare file each) and category PATCH (a rename)."""

    def __init__(self, client: Client):
        from categories.models import Category
        from tools.bench.load import spare_file_keys

        self.client = client
        self.spares = spare_file_keys()  # all free: fill() released them, and nothing wrote since
        self.categories = list(Category.objects.order_by("-inserted_at").values_list("pk", flat=True)[:50])
        self.turn = 0

    def image_create(self, n: int, timings: "Timings") -> None:
        for _ in range(n):
            key = self.spares.pop()
            with timings.write("image create"):
                status, body = self.client.api(
                    "POST",
                    f"{API}/assets/images",
                    {
                        "file_key": key,
                        "name": WRITTEN_NAME,
                        "locales": [
                            {"locale": "en", "credit": "Agency", "caption_html": "<p>A <em>new</em> caption</p>"},
                            {
                                "locale": "fr",
                                "credit": "Agence",
                                "caption_html": "<p>Une <em>nouvelle</em> légende</p>",
                            },
                        ],
                    },
                )
            assert status == 201, body

    def category_patch(self, n: int, timings: "Timings") -> None:
        for index in range(n):
            category = self.categories[index % len(self.categories)]
            self.turn += 1
            body = {
                "locales": [
                    {"locale": "en", "name": f"Renamed {self.turn}"},
                    {"locale": "fr", "name": f"Renommée {self.turn}"},
                ]
            }
            with timings.write("category PATCH"):
                status, answer = self.client.api("PATCH", f"{API}/categories/{category}", body)
            assert status == 200, answer

    def sample(self, n: int, timings: "Timings", *, maintained: bool) -> None:
        """Both writes, n of each, interleaved; `maintained=False` writes no search_text, as before
        the search column."""
        from unittest import mock

        # The same starting point for every sample: no dead rows left by the previous one, and
        # nothing left to write out (building or dropping the indexes wrote hundreds of MB; the
        # writes measured waited on it, by a factor of 2, in one run).
        for table in (
            "assets_assetimage",
            "assets_assetimagelocale",
            "categories_category",
            "categories_categorylocale",
        ):
            sql(f"VACUUM (ANALYZE) {table}")
        sql("CHECKPOINT")
        stubs = (
            []
            if maintained
            else [
                mock.patch("assets.services.image_search_text", return_value=""),
                mock.patch("categories.services.category_search_text", return_value=""),
            ]
        )
        for stub in stubs:
            stub.start()
        try:
            for _ in range(n // 10):  # in batches of ten: a burst of load weighs on both writes
                self.image_create(10, timings)
                self.category_patch(10, timings)
        finally:
            for stub in stubs:
                stub.stop()


class Timings:
    """Per write: wall clock and this process's CPU (Python: `time.process_time`), and the
    database server's CPU for the connection (its backend's utime + stime from /proc, in clock
    ticks of 10 ms: only its mean over many writes means something)."""

    def __init__(self):
        self.wall: dict[str, list[float]] = {}
        self.cpu: dict[str, list[float]] = {}
        self.server: dict[str, list[float]] = {}

    def _server_ms(self) -> tuple[int, float | None]:
        pid = sql("SELECT pg_backend_pid()")[0][0]
        try:
            return pid, cpu_seconds(pid) * 1000
        except OSError:  # a database on another machine
            return pid, None

    def write(self, name: str):
        import contextlib

        @contextlib.contextmanager
        def timed():
            pid, server = self._server_ms()
            wall, cpu = time.perf_counter(), time.process_time()
            yield
            self.cpu.setdefault(name, []).append((time.process_time() - cpu) * 1000)
            self.wall.setdefault(name, []).append((time.perf_counter() - wall) * 1000)
            # The same backend only: a connection older than CONN_MAX_AGE is replaced after a request.
            after_pid, after = self._server_ms()
            if server is not None and after is not None and after_pid == pid:
                self.server.setdefault(name, []).append(after - server)

        return timed()

    def add(self, other: "Timings") -> None:
        for mine, theirs in ((self.wall, other.wall), (self.cpu, other.cpu), (self.server, other.server)):
            for name, values in theirs.items():
                mine.setdefault(name, []).extend(values)


def measure_writes(writes: Writes, n: int, rounds: int) -> None:
    """Before (no trigram index on the written tables, no search_text written) and after (both),
    alternating B A A B B A ... on one database, `n` writes of each kind per sample."""
    timings = {"before": Timings(), "after": Timings()}
    per_round: list[dict[str, dict[str, float]]] = []
    state = None
    for index in range(rounds):
        order = ("before", "after") if index % 2 == 0 else ("after", "before")
        medians = {}
        for wanted in order:
            if wanted != state:
                if wanted == "before":
                    drop_indexes(WRITTEN_INDEXES)
                else:
                    build_indexes(WRITTEN_INDEXES, quiet=True)
                state = wanted
            sample = Timings()
            writes.sample(n, sample, maintained=wanted == "after")
            timings[wanted].add(sample)
            medians[wanted] = {name: statistics.median(values) for name, values in sample.wall.items()}
        per_round.append(medians)
        print(
            f"  round {index + 1} ({order[0]} first): "
            + ", ".join(
                f"{name} {medians['after'][name]:.2f} / {medians['before'][name]:.2f} ms" for name in medians["after"]
            )
        )
    if state == "before":
        build_indexes(WRITTEN_INDEXES, quiet=True)
    print(f"\n  Writes, {rounds} samples of {n} per state (after / before; target <= 1.10):")
    for name in timings["after"].wall:
        for label, attribute, pick in (
            ("wall, median of all writes", "wall", statistics.median),
            ("Python CPU, median", "cpu", statistics.median),
            ("server CPU, mean per write", "server", statistics.mean),
        ):
            after, before = (
                getattr(timings["after"], attribute).get(name),
                getattr(timings["before"], attribute).get(name),
            )
            if not after or not before:
                continue
            a, b = pick(after), pick(before)
            print(f"  {name:<15} {label:<28} {a:7.2f} / {b:7.2f} ms = {a / b:.3f}")
        ratios = [r["after"][name] / r["before"][name] for r in per_round]
        print(
            f"  {name:<15} {'ratio of the rounds medians':<28} median {statistics.median(ratios):.3f}, "
            f"from {min(ratios):.3f} to {max(ratios):.3f}"
        )


def old_searches(runs: int, all_terms) -> list[tuple[str, float]]:
    """The searches this replaced, as they queried: images by name (icontains), categories by a
    subquery on the live locale names. The database's time only (EXPLAIN ANALYZE, a few runs)."""
    from django.db.models import Exists, OuterRef

    from assets.selectors import image_list
    from categories.models import CategoryLocale
    from categories.selectors import category_list

    figures = []
    for label in ("selective", "absent"):
        term = all_terms["images"][label]
        queryset = image_list().filter(name__icontains=term).order_by("-inserted_at", "-id")[:21]
        figures.append((f"before: images by name, {label}", explain_ms(queryset, runs)))
        term = all_terms["categories"][label]
        live = CategoryLocale.objects.alive().filter(category=OuterRef("pk"), name__icontains=term)
        queryset = category_list().filter(Exists(live)).order_by("-inserted_at", "-id")[:21]
        figures.append((f"before: categories by locale subquery, {label}", explain_ms(queryset, runs)))
    return figures


def explain_ms(queryset, runs: int) -> float:
    timings = []
    for _ in range(runs):
        # "Execution Time: 12.345 ms" -> 12.345
        timings.append(float(category_pagination.execution_time(queryset.explain(analyze=True)).split()[0]))
    return statistics.median(timings)


def plans(all_terms) -> None:
    from assets.selectors import image_list, image_search
    from categories.selectors import category_list, category_search
    from references.models import Reference
    from references.selectors import reference_search

    queries = {
        "images, API search (selective)": image_search(
            queryset=image_list().order_by("-inserted_at", "-id"), term=all_terms["images"]["selective"]
        )[:21],
        "images, API search (absent)": image_search(
            queryset=image_list().order_by("-inserted_at", "-id"), term=all_terms["images"]["absent"]
        )[:21],
        "categories, API search (selective)": category_search(
            queryset=category_list().order_by("-inserted_at", "-id"), term=all_terms["categories"]["selective"]
        )[:21],
        "references, admin search (selective)": reference_search(
            queryset=Reference.objects.order_by("-id"), term="post-424242"
        )[:50],
    }
    for label, queryset in queries.items():
        print(f"\nEXPLAIN (ANALYZE, BUFFERS), {label}:")
        print(queryset.explain(analyze=True, buffers=True))
    admin_plans()


def admin_plans() -> None:
    """A searched changelist's page query: as Django writes it, and as SearchPaginator fetches it."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from core.admin_search import SearchPaginator
    from references.models import Reference
    from references.selectors import reference_search

    for term in ("post-10", "post-10000"):
        queryset = reference_search(queryset=Reference.objects.order_by("-id"), term=term)
        print(f"\nEXPLAIN (ANALYZE, BUFFERS), references, admin page 1 searched for {term!r}, as Django fetches it:")
        print(queryset[:50].explain(analyze=True, buffers=True))
        paginator = SearchPaginator(queryset, 50)
        paginator.count  # noqa: B018 (counted first, as the changelist does)
        with CaptureQueriesContext(connection) as queries:
            list(paginator.page(1).object_list)
        # Replayed in one transaction: the settings the queries ran with (core.search_plans.walked) apply.
        with transaction.atomic():
            for query in queries:
                statement = query["sql"]
                if "set_config" in statement:
                    sql(statement)
                elif statement.startswith("SELECT"):
                    print(f"\nEXPLAIN (ANALYZE, BUFFERS), the same through SearchPaginator (count {paginator.count}):")
                    print("\n".join(row[0] for row in sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}")))


def show(figures: list[tuple[str, float]], target: float | None = None) -> None:
    for label, value in figures:
        mark = "" if target is None else ("  ok" if value <= target else f"  OVER {target:.0f} ms")
        print(f"  {label:<70} {value:9.1f} ms{mark}")


def main() -> None:
    args = parse_args()
    print("Machine: shared by several benchmark and test processes; read ratios within this run.")
    category_pagination.ensure_database(args.database_url)
    setup_django(args.database_url)
    started = time.perf_counter()
    fill(args.rows)
    print(f"data ready in {time.perf_counter() - started:.0f} s")
    client = Client()
    all_terms = terms()
    writes = Writes(client)

    if args.only != "writes":
        measure_reads(client, args, all_terms)
    if args.only != "reads":
        print(
            "\n4. Writes: before (no trigram index on the written tables, search_text not written) and after,"
            f" alternating, {args.rounds} rounds of {args.writes} image creates and {args.writes} category"
            " PATCHes per state"
        )
        measure_writes(writes, args.writes, args.rounds)
    build_indexes(quiet=True)
    if args.drop:
        drop_database(args.database_url)


def measure_reads(client: Client, args, all_terms) -> None:
    print("\n1. Without the trigram indexes, without search_text written: the searches as they were")
    drop_indexes()
    show(old_searches(3, all_terms))

    print("\n2. Building the trigram indexes")
    build_indexes()

    print(f"\n3. API searches (median of {args.runs}; target <= 50 ms)")
    show(measure_api(client, args.runs, all_terms), target=50)
    print(f"\n  Admin changelists (median of {args.runs}; target <= 300 ms)")
    show(measure_admin(client, args.runs, all_terms), target=300)
    plans(all_terms)

    print(f"\n  The searches whose plan depends on where the matches lie, fetched plainly (median of {args.runs}):")
    print("  (as before core.search_plans: the list's query with its LIMIT, the planner choosing)")
    with plain_plans():
        api_only = {("images", label) for label in ("selective", "common", "rare, oldest", "bunched, oldest")}
        show(measure_api(client, args.runs, all_terms, only=api_only))
        admin_only = {
            "images, searched (common)",
            "images, searched (bunched, oldest)",
            "images, searched (rare, oldest)",
            "references, searched (common)",
            "references, searched (medium, bunched)",
            "references, searched (bunched, oldest: post-10)",
            "references, searched (rare, oldest: post-10000)",
        }
        show(measure_admin(client, args.runs, all_terms, only=admin_only))


def plain_plans():
    """The pages fetched by the plain query, as before core.search_plans (for comparison)."""
    import contextlib
    from unittest import mock

    from core.admin_search import SearchPaginator
    from core.api.pagination import KeysetPagination

    stack = contextlib.ExitStack()
    stack.enter_context(
        mock.patch.object(SearchPaginator, "page_rows", lambda self, bottom, top: self.object_list[bottom:top])
    )
    stack.enter_context(
        mock.patch.object(KeysetPagination, "fetch", lambda self, queryset, n, *args: list(queryset[:n]))
    )
    return stack


if __name__ == "__main__":
    main()
