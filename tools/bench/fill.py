"""Fill the benchmark database fast, with SQL (INSERT ... SELECT generate_series), and only what is missing.

Images: N images with two locales each and their stored-file records, plus
`spares` stored files without an image (what `POST /assets/images` needs under
load: a live image per file at most). Records only: no benchmarked read opens
a file (the `url` is built from the key), and uploads write real files.
Categories: `tools.bench.category_pagination.fill` (N categories, two locales each).
References: N references over four providers, `provider:post-<i>`.
Every dataset whose row count already matches is kept as it is.
"""

import time
from contextlib import contextmanager

IMAGE_FILE_TYPE = "image/jpeg"
# Spare files are told apart from the images' files by their type (and a `spare-` hash seed).
SPARE_FILE_TYPE = "image/png"
PROVIDERS = ("facebook", "instagram", "twitter", "youtube")


def count_rows(table: str, where: str = "") -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} {where}")
        return cursor.fetchone()[0]


def reusing(have, want, refill: bool, what: str) -> bool:
    """Whether the database holds what a fill would write already (then said, and the fill skipped)."""
    if have != want or refill:
        return False
    print(f"reusing {what} already in the database")
    return True


@contextmanager
def emptied(*tables: str):
    """A cursor in one transaction, the tables emptied (TRUNCATE) first."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
        yield cursor


def vacuum(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # Outside a transaction: VACUUM cannot run in one.
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")


def fill_images(images: int, spares: int, refill: bool = False) -> None:
    from assets.models import AssetImage, AssetImageLocale, Rendition, StoredFile

    files, image_table, locale_table = (
        StoredFile._meta.db_table,
        AssetImage._meta.db_table,
        AssetImageLocale._meta.db_table,
    )
    have = (
        count_rows(image_table),
        count_rows(locale_table),
        count_rows(files, f"WHERE content_type = '{SPARE_FILE_TYPE}'"),
    )
    if reusing(have, (images, 2 * images, spares), refill, f"{images:,} images and {spares:,} spare files"):
        return
    started = time.perf_counter()
    # Renditions refer to the stored files: they go with them.
    with emptied(locale_table, image_table, Rendition._meta.db_table, files) as cursor:
        cursor.execute(
            f"""
            INSERT INTO {files} (key, sha256, byte_size, content_type, width, height, orientation, created_at)
            SELECT 'images/' || left(h, 2) || '/' || h || CASE WHEN spare THEN '.png' ELSE '.jpg' END,
                   h, 200000 + (i::bigint * 7919) %% 300000,
                   CASE WHEN spare THEN %s ELSE %s END, 1600 + i %% 800, 900 + i %% 600, 1, now()
            FROM (
                SELECT i, i > %s AS spare,
                       encode(sha256(convert_to(CASE WHEN i > %s THEN 'spare-' ELSE 'image-' END || i, 'UTF8')), 'hex')
                       AS h
                FROM generate_series(1, %s) AS i
            ) AS series
            """,
            [SPARE_FILE_TYPE, IMAGE_FILE_TYPE, images, images, images + spares],
        )
        # One image per (non-spare) file, one second apart; 1 in 97 soft-deleted.
        cursor.execute(
            f"""
            INSERT INTO {image_table} (id, file_id, name, gravity, inserted_at, updated_at, deleted_at)
            SELECT gen_random_uuid(), f.id, 'Photo ' || f.id,
                   (ARRAY['center', 'north', 'south', 'east', 'west'])[1 + f.id %% 5], t, t,
                   CASE WHEN f.id %% 97 = 0 THEN t + interval '1 day' END
            FROM (
                SELECT id, timestamptz '2016-01-01 00:00:00+00' + id * interval '1 second' AS t
                FROM {files} WHERE content_type = %s
            ) AS f
            """,
            [IMAGE_FILE_TYPE],
        )
        cursor.execute(
            f"""
            INSERT INTO {locale_table} (id, image_id, locale, credit, caption_html, caption_text)
            SELECT gen_random_uuid(), i.id, l.code, 'Agency ' || left(i.id::text, 4),
                   '<p>' || l.word || ' <em>' || i.name || '</em>, taken somewhere nice.</p>',
                   l.word || ' ' || i.name || ', taken somewhere nice.'
            FROM {image_table} AS i
            CROSS JOIN (VALUES ('en', 'Caption of'), ('fr', 'Légende de')) AS l(code, word)
            """
        )
    vacuum(files, image_table, locale_table)
    print(
        f"  {images:,} images, {2 * images:,} locales, {spares:,} spare files in {time.perf_counter() - started:.1f} s"
    )


def fill_references(rows: int, refill: bool = False) -> None:
    from references.models import Reference

    table = Reference._meta.db_table
    if reusing(count_rows(table), rows, refill, f"{rows:,} references"):
        return
    started = time.perf_counter()
    with emptied(table) as cursor:
        # 1 in 10 expires in a year (still live); none has expired.
        cursor.execute(
            f"""
            INSERT INTO {table} (provider, external_id, urn, expires_at, inserted_at, updated_at)
            SELECT (%s::text[])[1 + i %% 4], 'post-' || i, 'urn:docs:content:' || gen_random_uuid(),
                   CASE WHEN i %% 10 = 0 THEN now() + interval '365 days' END, now(), now()
            FROM generate_series(1, %s) AS i
            """,
            [list(PROVIDERS), rows],
        )
    vacuum(table)
    print(f"  {rows:,} references in {time.perf_counter() - started:.1f} s")


def fill_all(*, images: int, spares: int, categories: int, references: int, refill: bool = False) -> None:
    from tools.bench.category_pagination import fill as fill_categories

    fill_images(images, spares, refill)
    fill_categories(categories, refill)
    fill_references(references, refill)
