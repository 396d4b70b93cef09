"""An editor searching the admin's changelists in a real browser (headless Chromium)."""

import pytest
from django.contrib.auth import get_user_model

from assets.services import image_create
from categories.services import category_create
from tests.factories import StoredFileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def page(browser, live_server):
    get_user_model().objects.create_superuser("editor", "editor@example.com", PASSWORD)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    yield page
    context.close()


def test_editor_finds_images_by_caption_and_categories_by_name(page, screenshot_dir):
    for name, credit, caption in [
        ("Fish market", "AFP", "<p>The harbour of <em>Brest</em> at dawn</p>"),
        ("Mountain", "dpa", "<p>Snow on the Alps</p>"),
        ("Quay", "Reuters", "<p>Boats in the harbour</p>"),
    ]:
        image_create(
            file_key=StoredFileFactory().key,
            name=name,
            locales=[{"locale": "en", "credit": credit, "caption_html": caption}],
        )
    category_create(locales=[{"locale": "en", "name": "World news"}, {"locale": "fr", "name": "Actualités"}])
    category_create(locales=[{"locale": "en", "name": "Sports"}])

    page.goto("/admin/assets/assetimage/")
    page.fill("#searchbar", "harbour")
    page.press("#searchbar", "Enter")
    page.wait_for_selector("text=2 results")
    rows = page.locator("#result_list tbody tr").all_inner_texts()
    assert [row for row in rows if "Fish market" in row] and [row for row in rows if "Quay" in row]
    assert not [row for row in rows if "Mountain" in row]
    page.screenshot(path=screenshot_dir / "search-01-images-by-caption.png", full_page=True)

    page.fill("#searchbar", "h")
    page.press("#searchbar", "Enter")
    page.wait_for_selector("text=Type at least 2 characters to search.")
    assert page.locator("#result_list").count() == 0
    page.screenshot(path=screenshot_dir / "search-02-one-character.png", full_page=True)

    page.goto("/admin/categories/category/")
    page.fill("#searchbar", "actual")
    page.press("#searchbar", "Enter")
    page.wait_for_selector("text=1 result")
    assert "World news" in page.locator("#result_list").inner_text()
    assert "Sports" not in page.locator("#result_list").inner_text()
    page.screenshot(path=screenshot_dir / "search-03-categories-by-name.png", full_page=True)
