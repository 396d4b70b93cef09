"""Concurrency on PostgreSQL (issue 7, item 4): two gunicorn servers, 16 clients, then the invariants.

CI runs it for RELIABILITY_SECONDS (default 8); the full 30-second run is
`.venv/bin/python -m tools.reliability.concurrency --seconds 30 --clients 16` (docs/reliability.md).
"""

import os

import pytest

from tools.reliability import concurrency
from tools.reliability.harness import pytest_skip_reason, status_table

SECONDS = float(os.environ.get("RELIABILITY_SECONDS", "8"))
CLIENTS = int(os.environ.get("RELIABILITY_CLIENTS", "16"))


def test_two_servers_and_sixteen_clients_keep_every_invariant():
    reason = pytest_skip_reason()
    if reason:
        pytest.skip(reason)

    report = concurrency.run(seconds=SECONDS, clients=CLIENTS)
    print(report.format())

    assert report.ok, report.format()
    # The run did what it claims: every kind of write succeeded and every kind of race was met.
    table = status_table(report.results)
    assert table["create_image"][201] and table["create_image"][409]
    assert table["delete_image"][204] and table["restore_image"][200] and table["restore_image"][409]
    assert table["create_ref"][201] and table["create_ref"][409]
    assert table["upload_new"][201] and table["upload_new"][200]
    assert report.figures["creates over an earlier, expired reference"] > 0
