"""core.db: PostgreSQL connections read timestamps with psycopg's C loader, with Django's values."""

import datetime
import zoneinfo
from types import SimpleNamespace
from unittest import mock

import pytest
from django.db import connection

from core.db import UTCTimestamptzLoader, rfc3339_sql, use_fast_timestamp_loader
from core.timestamps import rfc3339

pytestmark = pytest.mark.django_db

TIMESTAMPTZ = "SELECT %s::timestamptz, %s::timestamptz"


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the loader is PostgreSQL's; SQLite stores timestamps as text")


def test_the_connection_loads_timestamptz_with_the_fast_loader():
    postgresql_only()
    connection.ensure_connection()
    assert connection.connection.adapters.get_loader(1184, 0) is UTCTimestamptzLoader


def test_values_are_aware_utc_datetimes_with_their_microseconds():
    postgresql_only()
    with connection.cursor() as cursor:
        cursor.execute(TIMESTAMPTZ, ["2019-08-24 16:15:22.123456+02", "1999-12-31 23:59:59-05:30"])
        first, second = cursor.fetchone()
    assert first == datetime.datetime(2019, 8, 24, 14, 15, 22, 123456, tzinfo=datetime.UTC)
    assert first.tzinfo is datetime.UTC
    assert second == datetime.datetime(2000, 1, 1, 5, 29, 59, tzinfo=datetime.UTC)


def test_the_loader_builds_psycopgs_c_implementation_when_installed():
    postgresql_only()
    import psycopg

    loader = UTCTimestamptzLoader(1184, None)
    assert type(loader) is psycopg.adapters.get_loader(1184, 0)
    assert UTCTimestamptzLoader.timezone is datetime.UTC


def fake_connection(vendor="postgresql", tz=datetime.UTC):
    return SimpleNamespace(vendor=vendor, timezone=tz, connection=SimpleNamespace(adapters=mock.Mock()))


def test_a_utc_postgresql_connection_gets_the_loader():
    conn = fake_connection()
    use_fast_timestamp_loader(None, conn)
    conn.connection.adapters.register_loader.assert_called_once_with("timestamptz", UTCTimestamptzLoader)


@pytest.mark.parametrize(
    "conn, use_tz",
    [
        (fake_connection(vendor="sqlite"), True),
        (fake_connection(tz=zoneinfo.ZoneInfo("Europe/Paris")), True),
        (fake_connection(tz=None), False),
    ],
    ids=["sqlite", "another time zone", "USE_TZ off"],
)
def test_other_connections_keep_djangos_loader(settings, conn, use_tz):
    settings.USE_TZ = use_tz
    use_fast_timestamp_loader(None, conn)
    conn.connection.adapters.register_loader.assert_not_called()


@pytest.mark.parametrize(
    "text",
    [
        "2019-08-24 14:15:22+00",
        "2019-08-24 14:15:22.5+00",
        "2019-08-24 14:15:22.000001+00",
        "2019-08-24 14:15:22.123456+00",
        "2019-08-24 23:59:59.999999-05:30",
        "2000-02-29 00:00:00+14",
        "0999-12-31 23:59:59+00",
        "9999-12-31 23:59:59.1+00",
    ],
)
def test_postgresql_writes_a_timestamp_as_rfc3339_does(text):
    postgresql_only()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {rfc3339_sql('t')}, t FROM (SELECT %s::timestamptz AS t) AS v", [text])
        written, value = cursor.fetchone()
    assert written == rfc3339(value)


def test_postgresql_writes_null_as_null():
    postgresql_only()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {rfc3339_sql('t')} FROM (SELECT NULL::timestamptz AS t) AS v")
        assert cursor.fetchone() == (None,)
