"""Crash safety (issue 7, item 5): SIGKILL the server mid-upload, then nothing points to a missing file.

CI kills RELIABILITY_KILLS times (default 5); the full run of 20 kills is
`.venv/bin/python -m tools.reliability.crash --kills 20` (docs/reliability.md).
"""

import os

import pytest

from tools.reliability import crash
from tools.reliability.harness import pytest_skip_reason

KILLS = int(os.environ.get("RELIABILITY_KILLS", "5"))


def test_sigkill_during_uploads_leaves_no_record_without_its_file_and_only_orphans_verify_assets_removes():
    reason = pytest_skip_reason()
    if reason:
        pytest.skip(reason)

    report = crash.run(kills=KILLS)
    print(report.format())

    assert report.ok, report.format()
    assert report.figures["kills done"].startswith(f"{KILLS} ")
    # The kills landed where they matter: while upload bodies were still arriving.
    assert report.figures["requests cut by a kill"].get("upload, body still arriving", 0) > 0
