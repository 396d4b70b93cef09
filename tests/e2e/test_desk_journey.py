"""The editors' desk in a real browser: drop a batch, caption it on one page, pick the crop by eye."""

import base64

import pytest

from assets.models import AssetImage, AssetImageLocale
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def striped_png(size=(300, 120)) -> bytes:
    """Red, green and blue thirds from left to right: every anchor crops a different part."""
    from io import BytesIO

    from PIL import Image

    picture = Image.new("RGB", size)
    third = size[0] // 3
    for n, colour in enumerate([(200, 40, 40), (40, 160, 60), (40, 70, 200)]):
        picture.paste(colour, (n * third, 0, (n + 1) * third if n < 2 else size[0], size[1]))
    out = BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def scene_jpeg(size, sky, ground, sun) -> bytes:
    """A small made-up landscape (sky, sun, hills), so that screenshots show pictures, not swatches."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    width, height = size
    picture = Image.new("RGB", size, sky)
    draw = ImageDraw.Draw(picture)
    for y in range(height // 2):  # the sky lightens towards the horizon
        shade = tuple(min(255, c + y * 60 // height) for c in sky)
        draw.line([(0, y), (width, y)], fill=shade)
    x, y, r = sun
    draw.ellipse([x - r, y - r, x + r, y + r], fill=(250, 220, 120))
    draw.polygon(
        [
            (0, height),
            (0, height * 0.6),
            (width * 0.35, height * 0.45),
            (width * 0.7, height * 0.62),
            (width, height * 0.5),
            (width, height),
        ],
        fill=ground,
    )
    out = BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def drop_files(page, selector: str, files: list[tuple[str, str, bytes]]) -> None:
    """Drop files on an element as a user dragging them from the desktop would."""
    payload = [{"name": name, "type": kind, "data": base64.b64encode(data).decode()} for name, kind, data in files]
    transfer = page.evaluate_handle(
        """files => {
            const transfer = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
                transfer.items.add(new File([bytes], f.name, {type: f.type}));
            }
            return transfer;
        }""",
        payload,
    )
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def type_caption(page, row, code: str, text: str, bold: str = "") -> None:
    editor = row.locator(f".desk-lang[lang='{code}'] .ProseMirror")
    editor.click()
    page.keyboard.type(text)
    if bold:
        page.keyboard.press("Control+b")
        page.keyboard.type(bold)
        page.keyboard.press("Control+b")


def test_editor_captions_a_dropped_batch_and_picks_the_crop_by_eye(page, screenshot_dir):
    log_in(page)
    page.goto("/admin/assets/assetimage/upload-many/")

    # Drop three photos and a stray text file: each file shows its progress and outcome; with a
    # failure among them the page stays, to be read, and links to the batch page.
    drop_files(
        page,
        "#desk-dropzone",
        [
            ("harbour.png", "image/png", striped_png()),
            ("market.jpg", "image/jpeg", scene_jpeg((480, 640), (70, 120, 190), (60, 110, 50), (330, 150, 50))),
            ("station.jpg", "image/jpeg", scene_jpeg((800, 500), (150, 90, 120), (90, 80, 70), (160, 120, 40))),
            ("notes.txt", "text/plain", b"not a picture"),
        ],
    )
    page.wait_for_selector("#desk-caption-link:not(.desk-hidden)")
    assert page.locator(".desk-upload.desk-done").count() == 3
    assert "not uploaded" in page.locator(".desk-upload.desk-failed").inner_text()
    page.screenshot(path=screenshot_dir / "10-drop-zone.png", full_page=True)
    page.click("#desk-caption-link")
    page.wait_for_url("**/batch/?ids=*")
    assert AssetImage.objects.count() == 3
    rows = page.locator("fieldset.desk-row")
    assert rows.count() == 3
    page.wait_for_selector("fieldset.desk-row .ProseMirror")

    # Caption all three on the one page; one credit fills every empty credit field.
    harbour = AssetImage.objects.get(name="harbour")
    first = page.locator(f"#row-{harbour.pk}")
    first.locator("input[name$='-name']").fill("Harbour at dawn")
    type_caption(page, first, "en", "Fishing boats in the ", bold="old harbour")
    type_caption(page, first, "fr", "Bateaux de pêche")
    for n, name in enumerate(["market", "station"]):
        image = AssetImage.objects.get(name=name)
        type_caption(page, page.locator(f"#row-{image.pk}"), "en", f"Caption number {n + 2}")
    page.fill("#desk-fill-credit", "Photo: Jane Doe")
    page.select_option("#desk-fill-language", "*")
    page.click("#desk-fill-button")
    # The crop anchor by clicking the thumbnail: its right third.
    frame = first.locator(".gravity-frame")
    box = frame.bounding_box()
    frame.click(position={"x": box["width"] * 0.9, "y": box["height"] * 0.5})
    assert first.locator("select").input_value() == "east"
    page.screenshot(path=screenshot_dir / "11-batch-captions.png", full_page=True)
    page.click("input[name=_save]")
    page.wait_for_selector("text=Saved the captions of 3 image(s).")

    harbour.refresh_from_db()
    assert (harbour.name, harbour.gravity) == ("Harbour at dawn", "east")
    captions = {loc.locale: (loc.caption_html, loc.credit) for loc in harbour.locales.all()}
    assert captions == {
        "en": ("<p>Fishing boats in the <strong>old harbour</strong></p>", "Photo: Jane Doe"),
        "fr": ("<p>Bateaux de pêche</p>", "Photo: Jane Doe"),
    }
    assert AssetImage.objects.get(name="station").locales.get(locale="en").credit == "Photo: Jane Doe"
    assert AssetImage.objects.count() == 3

    # The library as a grid of pictures.
    page.click("#desk-view-switch [data-view=grid]")
    page.wait_for_selector("#changelist.desk-grid")
    page.screenshot(path=screenshot_dir / "12-library-grid.png", full_page=True)
    page.click("#desk-view-switch [data-view=table]")
    page.screenshot(path=screenshot_dir / "13-library-table.png", full_page=True)

    # One French credit for all three, from the list.
    page.check("#action-toggle")
    page.select_option("select[name=action]", "set_text_action")
    page.click("button[name=index]")
    page.wait_for_selector("text=Set a credit or caption on 3 image(s)")
    page.select_option("#id_language", "fr")
    page.fill("#id_credit", "Agence Exemple")
    page.screenshot(path=screenshot_dir / "13b-set-credit.png", full_page=True)
    page.click("input[type=submit][value^='Apply']")
    page.wait_for_selector("text=Set the credit (fr) of 3 image(s).")
    french = AssetImageLocale.objects.filter(locale="fr")
    assert sorted(french.values_list("credit", flat=True)) == ["Agence Exemple"] * 3

    # Pick the crop by eye: a click on the left of the whole picture moves the previews at once.
    page.goto(f"/admin/assets/assetimage/{harbour.pk}/change/")
    square = page.locator(".gravity-preview[data-preset='thumb'] .gravity-preview-box")
    square.locator("img").evaluate("img => img.decode()")
    before = square.screenshot()
    source = page.locator(".gravity-picker-large .gravity-frame")
    box = source.bounding_box()
    source.click(position={"x": box["width"] * 0.05, "y": box["height"] * 0.5})
    assert page.locator("#id_gravity").input_value() == "west"
    # The preview is now the server's rendition at the new anchor (rendered on this first view).
    page.wait_for_function(
        "img => img.src.endsWith('_west.webp') && img.complete && img.naturalWidth > 0",
        arg=square.locator("img").element_handle(),
    )
    after = square.screenshot()
    assert before != after, "the 1:1 preview did not change"
    # Its pixels: the square now shows the red left third, not the blue right one.
    colour = square.locator("img").evaluate(
        """img => {
            const c = document.createElement('canvas');
            const box = img.getBoundingClientRect();
            c.width = box.width; c.height = box.height;
            const ctx = c.getContext('2d');
            // Draw what object-fit: cover with the current object-position shows.
            const scale = Math.max(box.width / img.naturalWidth, box.height / img.naturalHeight);
            const w = img.naturalWidth * scale, h = img.naturalHeight * scale;
            const [px, py] = getComputedStyle(img).objectPosition.split(' ').map(parseFloat);
            ctx.drawImage(img, (box.width - w) * px / 100, (box.height - h) * py / 100, w, h);
            return Array.from(ctx.getImageData(2, box.height / 2, 1, 1).data.slice(0, 3));
        }"""
    )
    assert colour[0] > 150 and colour[2] < 100, colour
    page.screenshot(path=screenshot_dir / "14-gravity-by-click.png", full_page=True)
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    harbour.refresh_from_db()
    assert harbour.gravity == "west"

    # Find it again by a word of its caption (the admin's search covers captions and credits).
    page.goto("/admin/assets/assetimage/")
    page.fill("#searchbar", "fishing")
    page.press("#searchbar", "Enter")
    page.wait_for_selector("text=1 result")
    assert page.locator("#result_list tbody tr").count() == 1
    assert "Harbour at dawn" in page.locator("#result_list tbody tr").inner_text()
    page.screenshot(path=screenshot_dir / "15-search.png", full_page=True)

    # Its History page tells the story, captions included, with the image's name.
    page.goto(f"/admin/assets/assetimage/{harbour.pk}/history/")
    page.wait_for_selector("text=caption en of “Harbour at dawn”")
    assert page.locator(".auditlog-entry >> text=old harbour").count() >= 1
    page.screenshot(path=screenshot_dir / "16-history.png", full_page=True)
