"""core.search: the term's rules, the text joined per row, the backend seam, literal wildcards."""

import pytest
from django.test import override_settings

from assets.models import AssetImage
from core import search
from core.exceptions import BadRequest
from references.models import Reference
from references.selectors import reference_search
from tests.factories import AssetImageFactory


class TestCleanTerm:
    @pytest.mark.parametrize("raw", [None, "", "   "])
    def test_nothing_to_search_is_no_search(self, raw):
        assert search.clean_term(raw) is None

    @pytest.mark.parametrize("raw", ["a", " a ", "é"])
    def test_one_character_is_refused_with_the_field_named(self, raw):
        with pytest.raises(BadRequest) as caught:
            search.clean_term(raw, field="q")
        assert caught.value.details == {"q": ["Give at least 2 characters to search."]}

    def test_two_characters_are_searched_without_surrounding_spaces(self):
        assert search.clean_term("  ab ") == "ab"


def test_joined_leaves_out_empty_parts():
    assert search.joined(["Harbour", "", "Agency", ""]) == "Harbour\nAgency"


@pytest.mark.django_db
class TestDatabaseSearch:
    def names(self, queryset) -> list[str]:
        return sorted(queryset.values_list("name", flat=True))

    def test_case_insensitive_substring(self):
        AssetImageFactory(name="Old HARBOUR")
        AssetImageFactory(name="Mountain")
        assert self.names(search.search(AssetImage.objects.all(), "harb")) == ["Old HARBOUR"]

    @pytest.mark.parametrize(("term", "expected"), [("50%", ["50% off"]), ("a_b", ["a_b"]), ("\\x", ["back\\x"])])
    def test_like_wildcards_and_the_escape_character_are_literal(self, term, expected):
        for name in ("50% off", "500 off", "a_b", "axb", "back\\x", "backx"):
            AssetImageFactory(name=name)
        assert self.names(search.search(AssetImage.objects.all(), term)) == expected

    def test_registered_columns_are_ored(self):
        Reference.objects.create(provider="youtube", external_id="clip-1", urn="urn:docs:content:a")
        Reference.objects.create(provider="twitter", external_id="you-2", urn="urn:docs:content:b")
        Reference.objects.create(provider="twitter", external_id="post-3", urn="urn:docs:content:you")
        Reference.objects.create(provider="twitter", external_id="post-4", urn="urn:docs:content:c")
        found = reference_search(queryset=Reference.objects.order_by("external_id"), term="YOU")
        assert list(found.values_list("external_id", flat=True)) == ["clip-1", "post-3", "you-2"]


class _FirstRowOnly(search.SearchBackend):
    """A stand-in engine: answers with ids, as an external engine would."""

    def filter(self, queryset, term):
        return queryset.filter(pk__in=list(queryset.order_by("name").values_list("pk", flat=True)[:1]))


@pytest.mark.django_db
def test_the_backend_is_a_setting_and_the_api_goes_through_it(api):
    AssetImageFactory(name="Alpha")
    AssetImageFactory(name="Beta")
    with override_settings(BACKOFFICE_SEARCH_BACKEND="tests.core.test_search._FirstRowOnly"):
        response = api.get("/api/core/v2/assets/images", {"search": "no such words"})
    assert [item["name"] for item in response.json()["data"]] == ["Alpha"]
