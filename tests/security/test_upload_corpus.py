"""The upload corpus (tests/security/upload_corpus.py) through the API: every bomb and malformed
file answers 4xx with nothing stored; the real images among them are accepted.

How long each takes is printed by `python -m tools.security.upload_corpus` (a timing script,
not a timed test: the machine running the suite may be loaded).
"""

import functools
import tempfile
from pathlib import Path

import pytest

from assets.models import StoredFile
from tests.assets.test_upload import stored_files, upload
from tests.security.upload_corpus import CASES

pytestmark = pytest.mark.django_db


@functools.cache
def _bytes(name: str) -> bytes:
    """Each file built once per run (the bombs take a second or two to deflate)."""
    return next(case for case in CASES if case.name == name).make()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_upload_answers_as_the_corpus_says(api, settings, case):
    with tempfile.TemporaryDirectory() as spool:
        settings.FILE_UPLOAD_TEMP_DIR = spool
        response = upload(api, _bytes(case.name))
        assert response.status_code == case.status, response.content[:300]
        if case.status >= 400:
            assert response.json()["error"] == "Bad Request"
            assert list(response.json()["details"]) == ["file"]
            assert stored_files(settings) == []
            assert not StoredFile.objects.exists()
        # The spooled upload is gone either way.
        assert list(Path(spool).iterdir()) == []


def test_the_corpus_covers_every_class():
    kinds = {case.kind for case in CASES}
    assert kinds == {"bomb", "malformed", "truncated", "real"}
    names = " ".join(case.name for case in CASES)
    for needed in ("thin PNG", "16-bit", "interlaced", "GIF 1,500 frames", "WebP 1,500 frames", "cut at", "zTXt"):
        assert needed in names
