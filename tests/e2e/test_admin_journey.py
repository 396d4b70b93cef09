"""An editor's journey through the admin in a real browser (headless Chromium)."""

import pytest

from assets.models import AssetImage
from tests.assets.renditions_helpers import BLUE, RED, close_to, encode, stripes, upload_image
from tests.e2e.conftest import fill, log_in
from tests.utils import image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_editor_uploads_captions_deletes_and_restores_images(page, screenshot_dir, tmp_path):
    log_in(page)
    page.screenshot(path=screenshot_dir / "01-admin-home.png", full_page=True)

    # Upload two images with the file picker: they upload at once and the batch page opens.
    first, second = tmp_path / "harbour.png", tmp_path / "market.jpg"
    first.write_bytes(image_bytes("PNG", (160, 90), (20, 90, 160)))
    second.write_bytes(image_bytes("JPEG", (120, 160), (200, 120, 40)))
    page.goto("/admin/assets/assetimage/")
    page.click("text=Upload images")
    page.set_input_files("input[name=files]", [str(first), str(second)])
    page.wait_for_url("**/batch/?ids=*")
    assert AssetImage.objects.count() == 2

    # On the change page: a caption written with the editor (italic by Ctrl+I).
    harbour = AssetImage.objects.get(name="harbour")
    page.goto(f"/admin/assets/assetimage/{harbour.pk}/change/")
    assert page.input_value("#id_locales-0-locale") == "en"  # the site's languages come prefilled
    page.locator(".field-caption_html .ProseMirror").first.click()
    page.keyboard.type("The ")
    page.keyboard.press("Control+i")
    page.keyboard.type("harbour")
    page.locator("#id_gravity").select_option("north")
    page.screenshot(path=screenshot_dir / "03-image-captions.png", full_page=True)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    captions = dict(harbour.locales.values_list("locale", "caption_html"))
    assert captions == {"en": "<p>The <em>harbour</em></p>"}

    # The thumbnail is the `thumb` rendition, cropped at the gravity (a 160×90 source gives a 90×90 square).
    page.goto("/admin/assets/assetimage/")
    thumb = page.locator(f"img.asset-thumb[src*='{harbour.pk.hex}']")
    thumb.wait_for()
    assert thumb.evaluate("img => img.complete && img.naturalWidth") == 90
    assert thumb.get_attribute("src").endswith("_north.webp")
    page.screenshot(path=screenshot_dir / "04-image-list.png", full_page=True)

    # Soft delete one: its page says so and is read-only; restore it from there.
    market = AssetImage.objects.get(name="market")
    page.check(f"input[name=_selected_action][value='{market.pk}']")
    page.select_option("select[name=action]", "soft_delete_selected")
    page.click("button[name=index]")
    page.wait_for_selector("text=Soft-deleted 1 asset image.")
    assert page.locator("#result_list >> text=market").count() == 0
    page.click("#changelist-filter >> text=Deleted")
    page.wait_for_selector(f"input[name=_selected_action][value='{market.pk}']")
    page.screenshot(path=screenshot_dir / "05-deleted-filter.png", full_page=True)
    page.goto(f"/admin/assets/assetimage/{market.pk}/change/")
    page.wait_for_selector("text=This image is deleted")
    assert page.locator("input[name=_save]").count() == 0
    page.screenshot(path=screenshot_dir / "09-deleted-image.png", full_page=True)
    page.click("text=Restore it")
    page.wait_for_selector("text=“market” is restored and can be edited again.")
    market.refresh_from_db()
    assert market.deleted_at is None


CENTRE_PIXEL = """img => {
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    return Array.from(context.getImageData(canvas.width / 2, canvas.height / 2, 1, 1).data);
}"""


def loaded_preview(page, preset: str):
    preview = page.locator(f".gravity-preview[data-preset='{preset}'] img")
    preview.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle(), timeout=30000)
    return preview


def test_editor_changes_the_gravity_and_the_crop_previews_follow(page, screenshot_dir):
    # A wide photo: red on the left, green in the middle, blue on the right.
    image = upload_image(encode(stripes((1200, 400)), "JPEG"), name="Three stripes", gravity="west")
    log_in(page)
    page.goto(f"/admin/assets/assetimage/{image.pk}/change/")
    before = loaded_preview(page, "thumb")
    assert close_to(before.evaluate(CENTRE_PIXEL), RED)  # the square crop keeps the left side
    # The card is 16:9 but never upscaled: the largest 16:9 box of a 1200×400 photo is 711×400.
    card = loaded_preview(page, "card")
    assert card.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [711, 400]
    page.screenshot(path=screenshot_dir / "09-crop-previews-west.png", full_page=True)

    page.select_option("#id_gravity", "east")
    page.wait_for_function(
        "() => document.querySelector(\".gravity-preview[data-preset='thumb'] img\").src.endsWith('_east.webp')"
    )
    assert close_to(loaded_preview(page, "thumb").evaluate(CENTRE_PIXEL), BLUE)  # at once, before saving
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    after = loaded_preview(page, "thumb")
    assert close_to(after.evaluate(CENTRE_PIXEL), BLUE)  # now the right side
    page.screenshot(path=screenshot_dir / "10-crop-previews-east.png", full_page=True)
    image.refresh_from_db()
    assert image.gravity == "east"


ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" onload="alert(1)">'
    '<script>alert(2)</script><circle cx="12" cy="12" r="10" fill="#c0392b"/></svg>'
)


def test_editor_creates_a_category_with_an_icon_and_two_locales(page, screenshot_dir):
    from categories.models import Category

    log_in(page)
    page.goto("/admin/categories/category/add/")
    fill(page, {"#id_svg_icon": ICON, "#id_locales-0-locale": "en", "#id_locales-0-name": "World news"})
    page.click("#locales-group .add-row a")
    fill(page, {"#id_locales-1-locale": "fr", "#id_locales-1-name": "Monde"})
    page.screenshot(path=screenshot_dir / "06-category-add.png", full_page=True)
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    category = Category.objects.get()
    assert sorted(category.locales.values_list("locale", "name")) == [("en", "World news"), ("fr", "Monde")]
    assert "script" not in category.svg_icon and "onload" not in category.svg_icon
    preview = page.locator(".field-icon_preview img")
    preview.wait_for()
    assert preview.evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=screenshot_dir / "07-category-change.png", full_page=True)
    page.goto("/admin/categories/category/")
    page.wait_for_selector("text=World news")
    page.screenshot(path=screenshot_dir / "08-category-list.png", full_page=True)
