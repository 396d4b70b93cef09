"""Races the concurrency run met, replayed step by step on PostgreSQL so that they cannot come back unseen."""

import threading
import time
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, connections
from django.utils import timezone

from references.models import Reference
from references.services import reference_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite serialises all writers"),
]


def raw_connection() -> psycopg.Connection:
    """A connection of its own to the test database, outside Django, for a transaction held open."""
    params = connection.get_connection_params()
    return psycopg.connect(
        dbname=params["dbname"], user=params.get("user"), host=params.get("host"), port=params.get("port")
    )


def in_thread(function) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = function()
        except Exception as exc:  # kept for the assertion instead of lost in the thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_create_that_waited_on_a_concurrent_insert_replaces_it_when_it_has_expired_meanwhile():
    # Another request inserts the ref with a short life and commits after it has expired; our
    # create, blocked on the unique index meanwhile, meets an expired reference: it replaces it.
    other = raw_connection()
    expires = timezone.now() + timedelta(seconds=0.3)
    other.execute(
        "INSERT INTO references_reference (provider, external_id, urn, expires_at, inserted_at, updated_at) "
        "VALUES ('rel', 'race', 'urn:rel:n:first', %s, now(), now())",
        (expires,),
    )
    thread, outcome = in_thread(lambda: reference_create(provider="rel", external_id="race", urn="urn:rel:n:second"))
    time.sleep(0.6)  # ours is now waiting on the other's uncommitted row
    other.commit()
    other.close()
    thread.join(timeout=30)

    assert "error" not in outcome, outcome.get("error")
    assert outcome["value"].urn == "urn:rel:n:second"
    assert Reference.objects.get(provider="rel", external_id="race").urn == "urn:rel:n:second"


def test_a_create_that_waited_on_a_concurrent_insert_of_a_live_reference_is_a_409():
    other = raw_connection()
    other.execute(
        "INSERT INTO references_reference (provider, external_id, urn, expires_at, inserted_at, updated_at) "
        "VALUES ('rel', 'race', 'urn:rel:n:first', NULL, now(), now())"
    )
    thread, outcome = in_thread(lambda: reference_create(provider="rel", external_id="race", urn="urn:rel:n:second"))
    time.sleep(0.3)
    other.commit()
    other.close()
    thread.join(timeout=30)

    assert type(outcome.get("error")).__name__ == "Conflict"
    assert Reference.objects.get(provider="rel", external_id="race").urn == "urn:rel:n:first"
