"""purge_expired_references: erases expired references only, through the service."""

from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line

from core.models import AuditLogEntry
from references.models import Reference
from tests.references.factories import ReferenceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def refs():
    return {
        "expired": ReferenceFactory.create_batch(3, expired=True),
        "expiring": ReferenceFactory(expiring=True),
        "forever": ReferenceFactory(),
    }


def run(*args) -> str:
    out = StringIO()
    call_command("purge_expired_references", *args, stdout=out)
    return out.getvalue()


def test_dry_run_counts_and_erases_nothing(refs):
    assert run("--dry-run") == "Would erase 3 expired reference(s) (dry run, nothing erased).\n"
    assert Reference.objects.count() == 5


def test_erases_only_expired_references(refs):
    assert "Erased 3 expired reference(s)." in run()
    assert set(Reference.objects.all()) == {refs["expiring"], refs["forever"]}
    assert "Erased 0 expired reference(s)." in run()


@pytest.fixture
def manage(monkeypatch):
    """`manage.py` in this process, without setting Django up a second time: django.setup()
    would rebuild the logging handlers on capsys's stream, closed after the test, and a later
    test swapping a handler's stream then failed on that closed file.
    """
    monkeypatch.setattr("django.setup", lambda *args, **kwargs: None)
    return lambda *args: execute_from_command_line(["manage.py", *args])


def test_exits_with_status_zero(refs, capsys, manage):
    # execute_from_command_line raises SystemExit on any failure; returning means exit code 0.
    manage("purge_expired_references")
    assert "Erased 3" in capsys.readouterr().out


def test_help_explains_the_command_and_its_option(capsys, manage):
    with pytest.raises(SystemExit) as caught:
        manage("purge_expired_references", "--help")
    assert caught.value.code == 0
    out = capsys.readouterr().out
    assert "Erase the references whose expires_at has passed" in out
    assert "--dry-run" in out


def test_erasures_are_in_the_audit_trail_as_made_by_the_command(refs):
    gone = refs["expired"][0]
    run()
    entry = AuditLogEntry.objects.get_for_object(gone).get(action=AuditLogEntry.Action.DELETE)
    assert entry.actor_label == "command purge_expired_references"
