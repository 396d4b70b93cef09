"""Searching images: name, credits and caption text of every locale; `search_text` kept on every write."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assets.models import AssetImage, AssetImageLocale, StoredFile
from assets.selectors import image_search
from assets.services import image_create, image_restore, image_soft_delete, image_update
from core.api.pagination import KeysetPagination
from core.sanitize import html_to_text
from tests.utils import API

pytestmark = pytest.mark.django_db

URL = f"{API}/assets/images"
T0 = timezone.now().replace(microsecond=0) - timedelta(days=1)


def make_image(name: str, *, seconds: int, locales=None) -> AssetImage:
    digest = hashlib.sha256(name.encode()).hexdigest()
    stored = StoredFile.objects.create(
        key=f"images/{digest}.png", sha256=digest, byte_size=10, content_type="image/png", width=1, height=1
    )
    image = image_create(file_key=stored.key, name=name, locales=locales or [])
    AssetImage.all_objects.filter(pk=image.pk).update(inserted_at=T0 + timedelta(seconds=seconds))
    return image


def stored_text(image: AssetImage) -> str:
    return AssetImage.all_objects.values_list("search_text", flat=True).get(pk=image.pk)


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["name"] for item in response.json()["data"]]


@pytest.fixture
def library():
    return [
        make_image("Harbour at dawn", seconds=1, locales=[{"locale": "en", "credit": "Reuters"}]),
        make_image(
            "Fish market",
            seconds=2,
            locales=[
                {"locale": "fr", "credit": "AFP", "caption_html": "<p>Le port de <em>Brest</em> &amp; ses quais</p>"},
                {"locale": "en", "credit": "", "caption_html": "<p>The harbour of Brest</p>"},
            ],
        ),
        make_image("Mountain", seconds=3, locales=[{"locale": "de", "credit": "dpa", "caption_html": "<p>Alpen</p>"}]),
        make_image("50% discount_sign", seconds=4),
    ]


class TestWhatIsSearched:
    def test_name_credit_and_caption_text_of_every_locale_newest_first(self, api, library):
        assert names(api.get(URL, {"search": "HARBOUR"})) == ["Fish market", "Harbour at dawn"]
        assert names(api.get(URL, {"search": "reut"})) == ["Harbour at dawn"]
        assert names(api.get(URL, {"search": "afp"})) == ["Fish market"]
        assert names(api.get(URL, {"search": "alpen"})) == ["Mountain"]

    def test_caption_tags_are_not_searched_and_entities_are_text(self, api, library):
        assert names(api.get(URL, {"search": "<em>"})) == []
        assert names(api.get(URL, {"search": "em>"})) == []
        assert names(api.get(URL, {"search": "amp;"})) == []
        assert names(api.get(URL, {"search": "Brest & ses"})) == ["Fish market"]
        # An inline tag does not split the words a reader sees.
        assert names(api.get(URL, {"search": "de Brest"})) == ["Fish market"]

    def test_a_term_does_not_match_across_two_fields(self, api, library):
        assert names(api.get(URL, {"search": "dawnReuters"})) == []
        assert names(api.get(URL, {"search": "dawn Reuters"})) == []

    def test_percent_and_underscore_are_literal(self, api, library):
        assert names(api.get(URL, {"search": "50%"})) == ["50% discount_sign"]
        assert names(api.get(URL, {"search": "t_s"})) == ["50% discount_sign"]

    def test_one_character_is_a_400_naming_the_minimum(self, api, library):
        response = api.get(URL, {"search": "a"})
        assert response.status_code == 400
        assert response.json() == {
            "error": "Bad Request",
            "details": {"search": ["Give at least 2 characters to search."]},
        }


class TestCombined:
    def test_with_the_locale_filter_and_include_deleted(self, api, library):
        image_soft_delete(image=library[0])
        assert names(api.get(URL, {"search": "harbour"})) == ["Fish market"]
        assert names(api.get(URL, {"search": "harbour", "include_deleted": "true"})) == [
            "Fish market",
            "Harbour at dawn",
        ]
        assert names(api.get(URL, {"search": "harbour", "include_deleted": "true", "locale": "en"})) == [
            "Fish market",
            "Harbour at dawn",
        ]
        assert names(api.get(URL, {"search": "harbour", "locale": "de"})) == []

    def test_cursor_pages_of_a_search_newest_first_without_repeats(self, api):
        for index in range(7):
            make_image(f"Boat {index}", seconds=10 + index)
            make_image(f"Car {index}", seconds=30 + index)
        served, cursor = [], None
        while True:
            response = api.get(URL, {"search": "boat", "limit": 3, **({"after": cursor} if cursor else {})})
            served += names(response)
            cursor = response.json()["meta"]["next"]
            if cursor is None:
                break
        assert served == [f"Boat {index}" for index in reversed(range(7))]
        assert response.json()["meta"]["base"] == f"{URL}?limit=3&search=boat"

    @pytest.mark.parametrize("window", [100, 2, 1])
    def test_matches_bunched_among_the_oldest_rows_page_the_same_both_ways(self, api, monkeypatch, window):
        # window 100: every page within the rows after the cursor; 1 and 2: some or all pages
        # found past the window, sorted from all the matches (core.search_plans).
        monkeypatch.setattr(KeysetPagination, "WINDOW_FACTOR", window)
        for index in range(7):
            make_image(f"Boat {index}", seconds=10 + index)
        for index in range(9):
            make_image(f"Car {index}", seconds=30 + index)
        make_image("Last boat", seconds=50)
        pages, cursor = [], None
        while True:
            response = api.get(URL, {"search": "boat", "limit": 3, **({"after": cursor} if cursor else {})})
            pages.append(names(response))
            cursor = response.json()["meta"]["next"]
            if cursor is None:
                break
        assert sum(pages, []) == ["Last boat", *(f"Boat {index}" for index in reversed(range(7)))]
        # Back from the last page: the same pages, newest first within each.
        cursor, back = response.json()["meta"]["previous"], []
        while cursor:
            response = api.get(URL, {"search": "boat", "limit": 3, "before": cursor})
            back.insert(0, names(response))
            cursor = response.json()["meta"]["previous"]
        assert back == pages[:-1]


class TestSameRowsAsTheDefinition:
    """The indexed column gives exactly the rows (and order) of the plain definition: any
    locale's credit or caption text, or the name, contains the term in any case."""

    TERMS = ["harbour", "BREST", "ses quais", "dpa", "Photo", "50%", "t_s", "no such thing", "at", "ar"]

    def definition(self, term: str, include_deleted: bool) -> list:
        manager = AssetImage.all_objects if include_deleted else AssetImage.objects
        found = []
        for image in manager.order_by("-inserted_at", "-id").prefetch_related("locales"):
            texts = [image.name] + [
                text for loc in image.locales.all() for text in (loc.credit, html_to_text(loc.caption_html))
            ]
            if any(term.casefold() in text.casefold() for text in texts):
                found.append(image.pk)
        return found

    @pytest.mark.parametrize("include_deleted", [False, True])
    def test_every_term(self, library, include_deleted):
        image_soft_delete(image=library[1])
        for term in self.TERMS:
            manager = AssetImage.all_objects if include_deleted else AssetImage.objects
            found = image_search(queryset=manager.order_by("-inserted_at", "-id"), term=term)
            assert list(found.values_list("pk", flat=True)) == self.definition(term, include_deleted), term


class TestSearchTextKept:
    def test_create_writes_name_credits_and_caption_text_in_locale_order(self):
        image = make_image(
            "Quay",
            seconds=1,
            locales=[
                {"locale": "fr", "credit": "AFP", "caption_html": "<p>Le <b>quai</b></p>"},
                {"locale": "en", "credit": "Reuters", "caption_html": "<p>The quay</p>"},
            ],
        )
        assert stored_text(image) == "Quay\nReuters\nAFP\nThe quay\nLe quai"

    def test_update_of_the_locales_rewrites_it_from_the_new_set(self):
        image = make_image("Quay", seconds=1, locales=[{"locale": "en", "credit": "Old credit"}])
        image_update(
            image=image, locales=[{"locale": "fr", "credit": "AFP", "caption_html": "<p>Le <em>quai</em></p>"}]
        )
        assert stored_text(image) == "Quay\nAFP\nLe quai"

    def test_update_of_the_name_alone_keeps_the_stored_locales(self):
        image = make_image("Quay", seconds=1, locales=[{"locale": "en", "credit": "Reuters"}])
        image_update(image=image, name="Harbour quay")
        assert stored_text(image) == "Harbour quay\nReuters"

    def test_update_of_the_gravity_alone_leaves_it(self):
        image = make_image("Quay", seconds=1, locales=[{"locale": "en", "credit": "Reuters"}])
        image_update(image=image, gravity="north")
        assert stored_text(image) == "Quay\nReuters"

    def admin_save(self, admin_client, image, name: str, rows: list[dict]) -> None:
        """Post the image's change form with these inline rows (`id` for a stored locale)."""
        data = {
            "name": name,
            "gravity": "center",
            "locales-TOTAL_FORMS": str(len(rows)),
            "locales-INITIAL_FORMS": str(sum("id" in row for row in rows)),
            "locales-MIN_NUM_FORMS": "0",
            "locales-MAX_NUM_FORMS": "1000",
        }
        for index, row in enumerate(rows):
            data.update({f"locales-{index}-{field}": str(value) for field, value in row.items()})
            data[f"locales-{index}-image"] = str(image.pk)
        response = admin_client.post(reverse("admin:assets_assetimage_change", args=[image.pk]), data)
        assert response.status_code == 302, response.content.decode()[:2000]

    def test_admin_edit_of_name_and_captions_rewrites_it(self, admin_client):
        image = make_image("Old name", seconds=1, locales=[{"locale": "en", "credit": "Old credit"}])
        en = {"id": image.locales.get().pk, "locale": "en", "credit": "New credit"}
        en["caption_html"] = "<p>A <em>new</em> caption</p>"
        fr = {"locale": "fr", "credit": "AFP", "caption_html": ""}
        self.admin_save(admin_client, image, "New name", [en, fr])
        assert stored_text(image) == "New name\nNew credit\nAFP\nA new caption"

    def test_admin_removal_of_a_locale_takes_its_text_out(self, admin_client):
        image = make_image("Quay", seconds=1, locales=[{"locale": "en", "credit": "Gone credit"}])
        locale = image.locales.get()
        row = {"id": locale.pk, "locale": "en", "credit": "Gone credit", "caption_html": "", "DELETE": "on"}
        self.admin_save(admin_client, image, "Quay", [row])
        assert not AssetImageLocale.objects.filter(pk=locale.pk).exists()
        assert stored_text(image) == "Quay"

    def test_soft_delete_and_restore_keep_it_and_the_image_is_found_again(self, api):
        image = make_image("Lighthouse", seconds=1, locales=[{"locale": "en", "credit": "Keeper"}])
        image_soft_delete(image=image)
        assert names(api.get(URL, {"search": "keeper"})) == []
        image_restore(image=AssetImage.all_objects.get(pk=image.pk))
        assert stored_text(image) == "Lighthouse\nKeeper"
        assert names(api.get(URL, {"search": "keeper"})) == ["Lighthouse"]
