"""Reference services and selectors: the rules every interface shares."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from core.exceptions import BadRequest, Conflict, EntityNotFound
from core.timestamps import rfc3339
from references import selectors, services
from references.models import Reference, ReferenceQuerySet
from tests.references.factories import ReferenceFactory

pytestmark = pytest.mark.django_db

URN = "urn:docs:content:5f0c6c1e-6c1a-4a52-9a57-2f3e4c1d2b10"


class TestReferenceCreate:
    def test_creates_a_reference(self):
        expires = timezone.now() + timedelta(days=3)
        reference = services.reference_create(provider="facebook", external_id="a:b/c", urn=URN, expires_at=expires)
        stored = Reference.objects.get()
        assert stored == reference
        assert (stored.provider, stored.external_id, stored.urn, stored.expires_at) == (
            "facebook",
            "a:b/c",
            URN,
            expires,
        )

    def test_collects_every_field_error(self):
        with pytest.raises(BadRequest) as caught:
            services.reference_create(
                provider="Face:Book",
                external_id="a\x00",
                urn="nope",
                expires_at=datetime(2030, 1, 1),  # noqa: DTZ001
            )
        assert set(caught.value.details) == {"provider", "id", "urn", "expires_at"}
        assert not Reference.objects.exists()

    def test_a_live_duplicate_is_a_conflict(self):
        ReferenceFactory(provider="x", external_id="1", expiring=True)
        with pytest.raises(Conflict) as caught:
            services.reference_create(provider="x", external_id="1", urn=URN)
        assert caught.value.details == {"id": ["A live reference with this provider and id already exists."]}
        assert Reference.objects.get().urn != URN

    def test_an_expired_reference_is_replaced_in_place(self):
        old = ReferenceFactory(provider="x", external_id="1", expired=True)
        reference = services.reference_create(provider="x", external_id="1", urn=URN)
        assert reference.pk == old.pk
        stored = Reference.objects.get()
        assert (stored.urn, stored.expires_at) == (URN, None)
        assert stored.inserted_at > old.inserted_at

    def test_a_reference_expiring_exactly_now_is_replaceable(self):
        now = timezone.now()
        ReferenceFactory(provider="x", external_id="1", expires_at=now)
        with mock.patch("references.services.timezone.now", return_value=now):
            services.reference_create(provider="x", external_id="1", urn=URN)
        assert Reference.objects.get().urn == URN

    def test_a_lost_insert_race_is_a_conflict_not_an_integrity_error(self):
        # As if a concurrent request inserted the row between the read and the insert.
        ReferenceFactory(provider="x", external_id="1")
        with mock.patch.object(ReferenceQuerySet, "first", return_value=None), pytest.raises(Conflict):
            services.reference_create(provider="x", external_id="1", urn=URN)
        assert Reference.objects.count() == 1  # and the transaction is still usable

    def test_expires_at_in_the_past_is_accepted_and_behaves_as_absent(self):
        services.reference_create(provider="x", external_id="1", urn=URN, expires_at=timezone.now() - timedelta(1))
        with pytest.raises(EntityNotFound):
            selectors.reference_get(ref="x:1")


class TestReferenceUpdate:
    def test_changes_urn_and_expiry(self):
        reference = ReferenceFactory(expired=True)
        services.reference_update(reference=reference, urn=URN, expires_at=None)
        reference.refresh_from_db()
        assert (reference.urn, reference.expires_at) == (URN, None)

    def test_refuses_an_invalid_urn(self):
        reference = ReferenceFactory()
        with pytest.raises(BadRequest) as caught:
            services.reference_update(reference=reference, urn="urn:x", expires_at=None)
        assert set(caught.value.details) == {"urn"}

    def test_an_erased_reference_is_not_found(self):
        reference = ReferenceFactory()
        Reference.objects.all().delete()
        with pytest.raises(EntityNotFound):
            services.reference_update(reference=reference, urn=URN, expires_at=None)


class TestReferenceDelete:
    def test_erases_for_good(self):
        reference = ReferenceFactory()
        services.reference_delete(reference=reference)
        assert not Reference.objects.exists()

    def test_erasing_twice_is_not_found(self):
        reference = ReferenceFactory()
        services.reference_delete(reference=reference)
        with pytest.raises(EntityNotFound):
            services.reference_delete(reference=reference)


class TestPurgeExpired:
    def test_dry_run_counts_and_erases_nothing(self):
        ReferenceFactory.create_batch(2, expired=True)
        ReferenceFactory(expiring=True)
        assert services.references_purge_expired(dry_run=True) == 2
        assert Reference.objects.count() == 3

    def test_erases_only_expired_references_in_batches(self, monkeypatch):
        monkeypatch.setattr(services, "PURGE_BATCH_SIZE", 2)
        ReferenceFactory.create_batch(5, expired=True)
        keep = {ReferenceFactory(expiring=True), ReferenceFactory()}
        assert services.references_purge_expired() == 5
        assert set(Reference.objects.all()) == keep
        assert services.references_purge_expired() == 0


class TestParseRef:
    @pytest.mark.parametrize(
        ("ref", "pair"),
        [
            ("facebook:123", ("facebook", "123")),
            ("x:a:b:c", ("x", "a:b:c")),
            ("x::", ("x", ":")),
            ("x:a/b c%?#", ("x", "a/b c%?#")),
            ("x:日本", ("x", "日本")),
        ],
    )
    def test_splits_at_the_first_colon(self, ref, pair):
        assert selectors.parse_ref(ref) == pair

    @pytest.mark.parametrize(
        "ref", ["lookup", "", ":", ":123", "facebook:", "Facebook:1", "a b:1", "x:a\x00b", "x:" + "a" * 256, None]
    )
    def test_a_ref_that_names_nothing_is_not_found_without_a_query(self, ref, django_assert_num_queries):
        with django_assert_num_queries(0), pytest.raises(EntityNotFound):
            selectors.parse_ref(ref)


class TestReferenceGet:
    def test_returns_the_live_reference(self):
        reference = ReferenceFactory(provider="x", external_id="a:b", expiring=True)
        assert selectors.reference_get(ref="x:a:b") == reference

    @pytest.mark.parametrize("ref", ["x:unknown", "x:gone", "y:live", "x:LIVE"])
    def test_unknown_or_expired_is_not_found(self, ref):
        ReferenceFactory(provider="x", external_id="gone", expired=True)
        ReferenceFactory(provider="x", external_id="live")
        with pytest.raises(EntityNotFound):
            selectors.reference_get(ref=ref)


def ids(rows) -> list[int]:
    return [row.id for row in rows]


class TestReferencesLookup:
    def test_live_references_in_the_order_asked_others_left_out(self):
        a = ReferenceFactory(provider="x", external_id="a")
        b = ReferenceFactory(provider="y", external_id="b", expiring=True)
        c = ReferenceFactory(provider="x", external_id="c:d")
        ReferenceFactory(provider="x", external_id="gone", expired=True)
        refs = ["x:c:d", "x:missing", "y:b", "x:gone", "no-colon", "x:a", ""]
        assert ids(selectors.references_lookup(refs=refs)) == [c.pk, b.pk, a.pk]

    def test_a_ref_asked_twice_is_answered_once_at_its_first_position(self):
        a = ReferenceFactory(provider="x", external_id="a")
        b = ReferenceFactory(provider="x", external_id="b")
        assert ids(selectors.references_lookup(refs=["x:b", "x:a", "x:b", "x:a"])) == [b.pk, a.pk]

    def test_one_query_for_a_hundred_refs_of_many_providers(self, django_assert_num_queries):
        wanted = [ReferenceFactory(provider=f"p{n % 7}", external_id=f"id-{n}") for n in range(100)]
        refs = [r.ref for r in reversed(wanted)]
        with django_assert_num_queries(1):
            found = selectors.references_lookup(refs=refs)
        assert ids(found) == [r.pk for r in reversed(wanted)]

    def test_no_query_when_no_ref_can_name_anything(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert selectors.references_lookup(refs=["nothing", ":", "X:1"]) == []

    def test_expiry_is_judged_at_the_time_of_the_lookup(self):
        moment = datetime(2030, 1, 1, tzinfo=UTC)
        ReferenceFactory(provider="x", external_id="a", expires_at=moment)
        with mock.patch("references.selectors.timezone.now", return_value=moment - timedelta(seconds=1)):
            assert len(selectors.references_lookup(refs=["x:a"])) == 1
        with mock.patch("references.selectors.timezone.now", return_value=moment):
            assert selectors.references_lookup(refs=["x:a"]) == []

    def test_rows_carry_the_fields_of_the_answer(self):
        reference = ReferenceFactory(provider="x", external_id="a/b:c", expiring=True)
        (row,) = selectors.references_lookup(refs=["x:a/b:c"])
        assert row == (
            reference.pk,
            "x",
            "a/b:c",
            reference.urn,
            rfc3339(reference.expires_at),
            rfc3339(reference.inserted_at),
            rfc3339(reference.updated_at),
        )

    @pytest.mark.parametrize(
        "moment",
        [datetime(2030, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, 12, 30, 5, 120000, tzinfo=UTC)],
        ids=["whole seconds", "fraction"],
    )
    def test_timestamps_read_as_the_single_get_writes_them(self, moment):
        reference = ReferenceFactory(provider="x", external_id="a", expires_at=moment)
        Reference.objects.filter(pk=reference.pk).update(inserted_at=moment - timedelta(days=1))
        (row,) = selectors.references_lookup(refs=["x:a"])
        reference.refresh_from_db()
        assert (row.expires_at, row.inserted_at) == (rfc3339(moment), rfc3339(reference.inserted_at))
        assert row.expires_at.endswith("Z")
