"""core.api.envelope: the envelope, and orjson writing exactly what DRF's JSON renderer writes."""

import dataclasses
import datetime
import decimal
import uuid
from types import SimpleNamespace

import pytest
from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from core.api.envelope import Envelope, EnvelopeJSONRenderer


@dataclasses.dataclass
class Point:
    x: int
    y: int


def drf(data) -> bytes:
    renderer = JSONRenderer()
    renderer.compact, renderer.ensure_ascii = True, False
    return renderer.render(data)


def ours(data, status=400, indent=None) -> bytes:
    media = f"application/json; indent={indent}" if indent else None
    return EnvelopeJSONRenderer().render(data, media, {"response": SimpleNamespace(status_code=status)})


CORPUS = {
    "plain": {"a": 1, "b": [True, False, None], "c": "é ✓ 中文", "d": 1.5, "e": -(2**40)},
    "drf containers": ReturnDict({"x": ReturnList([1, 2], serializer=None)}, serializer=None),
    "error details": {"name": [ErrorDetail("This field is required.", code="required")]},
    "django error list": {"is_archived": ErrorList(["Must be true or false."])},
    "lazy text": {"error": gettext_lazy("Not found.")},
    "integer keys": {"refs": {1: ["Not a valid string."], 10: ["x"]}},
    "uuid": {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    "datetimes": {
        "at": datetime.datetime(2019, 8, 24, 14, 15, 22, 123456, tzinfo=datetime.UTC),
        "day": datetime.date(2019, 8, 24),
        "time": datetime.time(14, 15),
    },
    "decimal": {"price": decimal.Decimal("12.50")},
    "javascript line ends": {"caption": "a\u2028b\u2029c"},
    "escapes": {"s": 'quote " backslash \\ tab \t nul \x00 </script>'},
    "tuple": {"t": (1, "two")},
}


@pytest.mark.parametrize("data", CORPUS.values(), ids=CORPUS.keys())
def test_the_same_bytes_as_drfs_renderer(data):
    assert ours(data) == drf(data)


def test_what_drf_cannot_write_is_refused_alike():
    with pytest.raises(TypeError):
        drf({"point": Point(1, 2)})
    with pytest.raises(TypeError):
        ours({"point": Point(1, 2)})


def test_a_success_is_enveloped_an_error_is_not():
    assert ours({"id": 1}, status=200) == b'{"data":{"id":1}}'
    assert ours([1, 2], status=201) == b'{"data":[1,2]}'
    assert ours({"error": "Entity not found"}, status=404) == b'{"error":"Entity not found"}'


def test_an_enveloped_page_is_left_as_it_is():
    assert ours(Envelope(data=[1], meta={"next": None}), status=200) == b'{"data":[1],"meta":{"next":null}}'


def test_no_body():
    assert ours(None, status=204) == b""


def test_an_indented_answer_when_asked():
    assert ours({"a": 1}, indent=2) == b'{\n  "a": 1\n}'
