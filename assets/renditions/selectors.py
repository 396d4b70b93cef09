"""Reads for renditions: the URLs an API answer carries, and the stored output behind a URL."""

import functools

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections

from assets.models import AssetImage, Rendition, StoredFile
from assets.renditions.signing import PREFIX, RenditionRef, signed_path, signer
from assets.renditions.specs import Spec


def rendition_urls(*, image: AssetImage, asked: list[tuple[str, Spec]], base_url: str) -> dict:
    """{spec as asked: {url, width, height}} for one image, from its row and its file's row alone.

    No query and no file access: the size comes from the upright size recorded
    at upload, the URL from the HMAC of the parts.
    """
    return rendition_urls_maker(asked=asked, base_url=base_url)(image)


def rendition_urls_maker(*, asked: list[tuple[str, Spec]], base_url: str):
    """`rendition_urls` for many images (a list page): what their URLs share is taken once.

    Once per request: the key, and each spec's operation name, whether it
    crops and its format. Once per image: its file's row and the message's
    start. Per URL: the output size and the HMAC.
    """
    sign = signer()
    prefix = f"{base_url}{PREFIX}"
    specs = [(text, spec.operation, spec.operation.name, spec.operation.crops, spec.format) for text, spec in asked]

    def urls_of(image: AssetImage) -> dict:
        stored = image.file
        upright = stored.upright_size
        start = f"{image.id.hex}/{stored.sha256}/"
        crop_suffix = f"_{image.gravity}"
        urls = {}
        for text, operation, name, crops, fmt in specs:
            width, height = operation.output_size(*upright)
            message = f"{start}{name}{crop_suffix if crops else ''}.{fmt}"
            urls[text] = {"url": f"{prefix}{sign(message)}/{message}", "width": width, "height": height}
        return urls

    return urls_of


def rendition_url(*, image: AssetImage, spec: Spec, base_url: str = "") -> dict:
    """{url, width, height} of one rendition of an image (a path alone without base_url)."""
    stored = image.file
    width, height = spec.operation.output_size(*stored.upright_size)
    path = signed_path(
        image_id=image.id, sha256=stored.sha256, operation=spec.operation, gravity=image.gravity, fmt=spec.format
    )
    return {"url": base_url + path, "width": width, "height": height}


def rendition_stored(*, ref: RenditionRef) -> tuple[str, int, str] | None:
    """(storage key, byte size, etag) of the stored output, if the image is live; one indexed query.

    The join through the image makes a soft-deleted image's renditions
    disappear with it (and come back with a restore) without touching them.
    The SQL is written out once (from the models' own names) rather than built
    by the ORM on every hit: building and compiling the six-condition query
    was 80 % of a cached hit's view time (docs/performance.md).
    """
    conn = connections[DEFAULT_DB_ALIAS]  # once: each `connection.x` goes through a thread-local proxy
    image_id = AssetImage._meta.pk.get_db_prep_value(ref.image_id, conn)
    params = [image_id, ref.sha256, ref.operation.name, ref.gravity, ref.format]
    # CONN_HEALTH_CHECKS would send `SELECT 1` before this query, one more round trip
    # (a cached hit took 4.6 ms with it, 3.3 ms without, on PostgreSQL in-process, on the
    # loaded machine). This read checks the connection itself instead: a connection the
    # server closed fails here, and the query is sent again on a new one.
    for attempt in (1, 2):
        conn.health_check_done = True
        try:
            return _fetch_stored(conn, params)
        except (OperationalError, InterfaceError):
            if attempt == 2 or not conn.get_autocommit() or conn.in_atomic_block:
                raise
            conn.close()
    return None  # not reached


def _fetch_stored(conn, params: list):
    """The hit's row: on PostgreSQL, sent as a prepared statement.

    Planning the three-table join cost PostgreSQL 130 µs of CPU on every hit
    and running it 17 µs (docs/performance.md): a cached hit is a handful of
    index lookups, so the plan is made once per connection and reused. Django
    binds parameters on the client (no prepared statements, its
    `prepare_threshold` is None); this cursor binds them on the server and asks
    psycopg to prepare this one query, leaving every other query as it was.
    Through a pooler in transaction mode this needs one that keeps prepared
    statements (PgBouncer 1.21 or later with max_prepared_statements).

    Unless queries are being logged (DEBUG, tests counting them) or wrapped,
    psycopg's cursor is used without Django's cursor wrapper around it, with
    Django's own checks and error translation.
    """
    if conn.vendor != "postgresql":
        with conn.cursor() as cursor:
            cursor.execute(_stored_sql(), params)
            return cursor.fetchone()
    conn.ensure_connection()
    conn.validate_thread_sharing()
    if conn.queries_logged or conn.execute_wrappers:
        with conn.wrap_database_errors:
            raw = _PreparedCursor(conn.connection)
        wrapped = conn.make_debug_cursor(raw) if conn.queries_logged else conn.make_cursor(raw)
        with wrapped as cursor:
            cursor.execute(_stored_sql(), params)
            return cursor.fetchone()
    conn.validate_no_broken_transaction()
    with conn.wrap_database_errors:
        with _PreparedCursor(conn.connection) as cursor:
            cursor.execute(_stored_sql(), params)
            return cursor.fetchone()


class _PreparedCursor:
    """psycopg's server-binding cursor whose execute prepares the statement (built on first use)."""

    _class = None

    def __new__(cls, raw_connection):
        if cls._class is None:
            import psycopg

            class PreparedCursor(psycopg.Cursor):
                def execute(self, query, params=None, **options):
                    pending = self._conn.prepare_threshold
                    # Only this explicit prepare=True: with Django's None psycopg never prepares.
                    self._conn.prepare_threshold = 2**31 - 1
                    try:
                        return super().execute(query, params, prepare=True)
                    finally:
                        self._conn.prepare_threshold = pending

            cls._class = PreparedCursor
        return cls._class(raw_connection)


@functools.cache
def _stored_sql() -> str:
    q = connection.ops.quote_name

    def column(model, alias: str, name: str) -> str:
        return f"{alias}.{q(model._meta.get_field(name).column)}"

    image, stored, rendition = AssetImage, StoredFile, Rendition
    return (
        f"SELECT {column(rendition, 'r', 'key')}, {column(rendition, 'r', 'byte_size')}, "
        f"{column(rendition, 'r', 'etag')}"
        f" FROM {q(image._meta.db_table)} i"
        f" JOIN {q(stored._meta.db_table)} f ON {column(stored, 'f', 'id')} = {column(image, 'i', 'file')}"
        f" JOIN {q(rendition._meta.db_table)} r ON {column(rendition, 'r', 'file')} = {column(stored, 'f', 'id')}"
        f" WHERE {column(image, 'i', 'id')} = %s AND {column(image, 'i', 'deleted_at')} IS NULL"
        f" AND {column(stored, 'f', 'sha256')} = %s AND {column(rendition, 'r', 'operation')} = %s"
        f" AND {column(rendition, 'r', 'gravity')} = %s AND {column(rendition, 'r', 'format')} = %s"
    )
