"""The reference model: its validators, its queryset vocabulary and the invariants the database keeps."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from references.models import Reference
from references.validators import external_id_error, is_external_id, is_provider
from tests.references.factories import ReferenceFactory


@pytest.mark.parametrize("value", ["facebook", "x", "a" * 64, "my-provider_2", "0"])
def test_valid_providers(value):
    assert is_provider(value)


@pytest.mark.parametrize(
    "value",
    ["", "a" * 65, "Facebook", "face:book", "face book", "facebook\n", "façade", "face.book", None, 12],
)
def test_invalid_providers(value):
    assert not is_provider(value)


@pytest.mark.parametrize(
    "value",
    ["123", "a:b:c", "a/b", "with space", " leading", "100%", "a?b#c", "日本語", "😀", "a" * 255, "zero\u200bwidth"],
)
def test_valid_external_ids(value):
    assert is_external_id(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "This field may not be blank."),
        ("a" * 256, "Use at most 255 characters."),
        ("a\x00b", "Control characters"),
        ("tab\there", "Control characters"),
        ("line\nfeed", "Control characters"),
        ("del\x7f", "Control characters"),
        ("c1\x85", "Control characters"),
        ("c1\x9f", "Control characters"),
        ("lone\ud800surrogate", "lone surrogates"),
        (42, "Not a valid string."),
    ],
)
def test_invalid_external_ids(value, message):
    assert message in external_id_error(value)


@pytest.mark.django_db
class TestReference:
    def test_ref_and_str_join_provider_and_id_with_a_colon(self):
        reference = ReferenceFactory(provider="x", external_id="a:b")
        assert reference.ref == "x:a:b"
        assert str(reference) == "x:a:b"

    def test_is_expired_at_and_after_the_expiry_moment(self):
        now = timezone.now()
        reference = ReferenceFactory.build(expires_at=now)
        assert reference.is_expired(now)
        assert not reference.is_expired(now - timedelta(seconds=1))
        assert not ReferenceFactory.build(expires_at=None).is_expired(now)

    def test_live_and_expired_querysets_split_the_rows(self):
        forever = ReferenceFactory()
        later = ReferenceFactory(expiring=True)
        gone = ReferenceFactory(expired=True)
        assert set(Reference.objects.live()) == {forever, later}
        assert list(Reference.objects.expired()) == [gone]


@pytest.mark.django_db
class TestConstraints:
    def test_one_row_per_provider_and_id_even_when_expired(self):
        ReferenceFactory(provider="x", external_id="1", expired=True)
        with pytest.raises(IntegrityError), transaction.atomic():
            ReferenceFactory(provider="x", external_id="1")

    def test_the_same_id_on_two_providers_is_two_references(self):
        ReferenceFactory(provider="x", external_id="1")
        ReferenceFactory(provider="y", external_id="1")
        assert Reference.objects.count() == 2

    def test_ids_are_case_sensitive(self):
        ReferenceFactory(provider="x", external_id="abc")
        ReferenceFactory(provider="x", external_id="ABC")
        assert Reference.objects.count() == 2

    @pytest.mark.parametrize(
        "fields",
        [
            {"provider": ""},
            {"provider": "Facebook"},
            {"provider": "face:book"},
            {"external_id": ""},
            {"urn": "not-a-urn"},
        ],
    )
    def test_check_constraints_refuse_what_the_validators_refuse(self, fields):
        with pytest.raises(IntegrityError), transaction.atomic():
            ReferenceFactory(**fields)
        assert not Reference.objects.exists()

    def test_urn_prefix_is_case_insensitive(self):
        assert ReferenceFactory(urn="URN:docs:content:1").pk is not None
