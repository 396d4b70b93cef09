"""The lookup's list of refs: strings taken in one pass, anything else judged item by item."""

import pytest

from references.api.serializers import ReferenceLookupSerializer, StringField


@pytest.mark.parametrize(
    "refs", [["x:1"], ["", " x:1 ", "x:a\x00b", "é:ü", "x:" + "a" * 300], ["x:1"] * 100], ids=["one", "odd", "hundred"]
)
def test_strings_come_out_as_the_child_field_would_give_them(refs):
    serializer = ReferenceLookupSerializer(data={"refs": refs})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["refs"] == [StringField(allow_blank=True).run_validation(ref) for ref in refs]


@pytest.mark.parametrize(
    "refs, errors",
    [
        (["x:1", 2], {"refs": [[], ["Not a valid string."]]}),
        (["x:1", None], {"refs": [[], ["This field may not be null."]]}),
        ("x:1", {"refs": ['Expected a list of items but got type "str".']}),
        ([], {"refs": ["Send 1 to 100 refs."]}),
        (["x:1"] * 101, {"refs": ["Send 1 to 100 refs."]}),
    ],
    ids=["number", "null", "not a list", "empty", "too many"],
)
def test_anything_else_is_refused_with_the_fields_messages(refs, errors):
    serializer = ReferenceLookupSerializer(data={"refs": refs})
    assert not serializer.is_valid()
    assert serializer.errors == errors
