"""A database that refuses a write, as it would for a concurrent writer that won a race.

A trigger, created inside the test's transaction (so it is rolled back with
it), raises an integrity error from the database itself: the code under test
meets a real IntegrityError, whichever ORM call it makes.
"""

from django.db import connection


def refuse(table: str, event: str, when: str = "1 = 1") -> None:
    """Make the database refuse `event` ("INSERT", "UPDATE") on `table` for rows matching `when`."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE OR REPLACE FUNCTION test_refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'refused by a test trigger' USING ERRCODE = 'unique_violation'; "
                "END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER test_refuse_{event.lower()} BEFORE {event} ON {table} "
                f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION test_refuse()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER test_refuse_{event.lower()} BEFORE {event} ON {table} FOR EACH ROW "
                f"WHEN {when} BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
            )
