"""The editors' admin for images: pages render, uploads and actions go through the services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assets.models import AssetImage, StoredFile
from assets.renditions.selectors import rendition_url
from assets.renditions.specs import parse_spec
from assets.services import image_create, image_soft_delete, stored_file_upload
from core.sanitize import sanitize_caption_html
from tests.utils import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def image():
    stored, _ = stored_file_upload(file=SimpleUploadedFile("a.png", image_bytes()))
    return image_create(file_key=stored.key, name="Harbour at dawn", gravity="north")


def another_image(name: str) -> AssetImage:
    stored, _ = stored_file_upload(file=SimpleUploadedFile("b.gif", image_bytes("GIF")))
    return image_create(file_key=stored.key, name=name)


def test_changelist_shows_the_thumb_rendition_cropped_at_the_gravity(admin_client, image):
    response = admin_client.get(reverse("admin:assets_assetimage_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Harbour at dawn" in html
    thumb = rendition_url(image=image, spec=parse_spec("thumb.webp"))["url"]
    assert f'<img src="{thumb}"' in html  # the rendition, not the original
    assert thumb.endswith("_north.webp")


def test_changelist_search_by_hash_and_deleted_filter(admin_client, image):
    url = reverse("admin:assets_assetimage_changelist")
    assert "Harbour at dawn" in admin_client.get(url, {"q": image.file.sha256}).content.decode()
    image_soft_delete(image=image)
    assert "Harbour at dawn" not in admin_client.get(url).content.decode()
    assert "Harbour at dawn" in admin_client.get(url, {"status": "deleted"}).content.decode()


def image_form(name: str, gravity: str = "center", locales: tuple[dict, ...] = (), **fields) -> dict:
    """What the image's add or change page posts: its fields, then its captions inline."""
    data = {"name": name, "gravity": gravity, **fields}
    data.update({"locales-TOTAL_FORMS": str(len(locales)), "locales-INITIAL_FORMS": "0"})
    for index, locale in enumerate(locales):
        data.update({f"locales-{index}-{key}": value for key, value in locale.items()})
    return data


def test_add_page_uploads_through_the_service_and_sanitizes_captions(admin_client):
    url = reverse("admin:assets_assetimage_add")
    assert admin_client.get(url).status_code == 200
    data = {
        "name": "Uploaded in the admin",
        "gravity": "east",
        "upload": SimpleUploadedFile("up.jpg", image_bytes("JPEG", (20, 10))),
        "locales-TOTAL_FORMS": "1",
        "locales-INITIAL_FORMS": "0",
        "locales-MIN_NUM_FORMS": "0",
        "locales-MAX_NUM_FORMS": "1000",
        "locales-0-locale": "pt-br",
        "locales-0-credit": "Agency",
        "locales-0-caption_html": '<p onclick="x()">Olá<script>alert(1)</script></p>',
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    image = AssetImage.objects.get(name="Uploaded in the admin")
    assert image.file.content_type == "image/jpeg" and image.file.width == 20
    locale = image.locales.get()
    assert locale.locale == "pt-BR"
    assert locale.caption_html == "<p>Olá</p>"
    assert locale.caption_text == "Olá"


def test_add_page_refuses_a_file_that_is_not_an_image(admin_client):
    data = image_form("Not an image", upload=SimpleUploadedFile("x.png", b"plain text, not an image"))
    response = admin_client.post(reverse("admin:assets_assetimage_add"), data)
    assert response.status_code == 200
    assert "Upload a JPEG, PNG, GIF or WebP image." in response.content.decode()
    assert not AssetImage.all_objects.exists() and not StoredFile.objects.exists()


def test_add_page_without_a_file_asks_for_one(admin_client):
    data = image_form("No file")
    response = admin_client.post(reverse("admin:assets_assetimage_add"), data)
    assert response.status_code == 200
    assert "Choose an image file." in response.content.decode()
    assert not AssetImage.all_objects.exists()


def test_add_page_keeps_the_chosen_file_after_a_form_error(admin_client):
    url = reverse("admin:assets_assetimage_add")
    # The error: a name is required.
    data = image_form("", upload=SimpleUploadedFile("kept.png", image_bytes("PNG", (12, 9))))
    response = admin_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kept: kept.png (12×9" in html and "No need to choose it again" in html
    token = response.context["adminform"].form.data["kept_file"]
    # The second try sends no file, only the kept one, and the image is created with it.
    retry = {**{k: v for k, v in data.items() if k != "upload"}, "name": "Kept file", "kept_file": token}
    assert admin_client.post(url, retry).status_code == 302
    image = AssetImage.objects.get(name="Kept file")
    assert (image.file.width, image.file.height) == (12, 9)


def test_add_page_ignores_a_forged_kept_file(admin_client, image):
    data = image_form("Forged", kept_file="not-a-signed-token")
    response = admin_client.post(reverse("admin:assets_assetimage_add"), data)
    assert "Choose an image file." in response.content.decode()
    assert not AssetImage.objects.filter(name="Forged").exists()


def test_change_page_saves_name_gravity_and_captions_through_the_service(admin_client, image, monkeypatch):
    from assets import services

    calls = []
    real = services.image_update
    monkeypatch.setattr(services, "image_update", lambda **kw: calls.append(kw) or real(**kw))
    caption = {"locale": "en", "credit": "Photo desk", "caption_html": "<p>The <b>harbour</b></p>"}
    data = image_form("Harbour at noon", "south", (caption,))
    response = admin_client.post(reverse("admin:assets_assetimage_change", args=[image.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert len(calls) == 1
    image.refresh_from_db()
    assert (image.name, image.gravity) == ("Harbour at noon", "south")
    assert list(image.locales.values_list("locale", "credit", "caption_html")) == [
        ("en", "Photo desk", "<p>The <b>harbour</b></p>")
    ]


def test_add_page_refuses_a_second_live_image_of_the_same_file(admin_client, image):
    data = image_form("Duplicate", upload=SimpleUploadedFile("again.png", image_bytes()))
    response = admin_client.post(reverse("admin:assets_assetimage_add"), data)
    assert response.status_code == 200
    assert "A live image already uses this file" in response.content.decode()
    assert AssetImage.all_objects.count() == 1


def test_change_page_shows_a_crop_preview_of_each_preset_through_its_rendition(admin_client, image, settings):
    settings.RENDITION_PRESETS = {"thumb": "fill-160x160", "card": "fill-800x450", "hero": "width-1600"}
    response = admin_client.get(reverse("admin:assets_assetimage_change", args=[image.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # The whole picture to click on, and the three crop previews: renditions at the saved anchor.
    assert 'class="gravity-source"' in html
    assert html.count('class="gravity-preview"') == 3
    for name in settings.RENDITION_PRESETS:  # thumb and card crop; hero does not, and 4:5 is added
        if "fill" in settings.RENDITION_PRESETS[name]:
            url = rendition_url(image=image, spec=parse_spec(f"{name}.webp"))["url"]
            assert f'src="{url}"' in html and url.endswith("_north.webp")
    assert 'data-preset="4:5"' in html


def test_soft_delete_and_restore_actions(admin_client, image):
    url = reverse("admin:assets_assetimage_changelist")
    admin_client.post(url, {"action": "soft_delete_selected", "_selected_action": [str(image.pk)]})
    image.refresh_from_db()
    assert image.deleted_at is not None
    admin_client.post(url + "?status=all", {"action": "restore_selected", "_selected_action": [str(image.pk)]})
    image.refresh_from_db()
    assert image.deleted_at is None


def test_restore_action_reports_a_conflict(admin_client, image):
    image_soft_delete(image=image)
    other = image_create(file_key=image.file.key, name="Took the file")
    response = admin_client.post(
        reverse("admin:assets_assetimage_changelist") + "?status=all",
        {"action": "restore_selected", "_selected_action": [str(image.pk)]},
        follow=True,
    )
    text = " ".join(str(m) for m in response.context["messages"])
    assert "“Harbour at dawn” was not restored: the live image “Took the file” (uploaded " in text
    assert str(other.pk) not in text and image.file.key not in text  # words, not ids
    image.refresh_from_db()
    assert image.deleted_at is not None and other.deleted_at is None


def test_images_cannot_be_erased_from_the_admin(admin_client, image):
    response = admin_client.get(reverse("admin:assets_assetimage_delete", args=[image.pk]))
    assert response.status_code == 403


def test_stored_files_admin_lists_files(admin_client, image):
    response = admin_client.get(reverse("admin:assets_storedfile_changelist"))
    assert response.status_code == 200
    assert image.file.key in response.content.decode()


def test_upload_many_lands_on_the_batch_page_with_the_new_images_and_the_duplicates(admin_client, image):
    url = reverse("admin:assets_assetimage_upload_many")
    assert admin_client.get(url).status_code == 200
    assert url in admin_client.get(reverse("admin:assets_assetimage_changelist")).content.decode()
    files = [
        SimpleUploadedFile("first.png", image_bytes("PNG", (5, 5), (1, 1, 1))),
        SimpleUploadedFile("second.gif", image_bytes("GIF", (4, 4))),
        SimpleUploadedFile("again.png", image_bytes()),  # same bytes as the fixture's image
        SimpleUploadedFile("bad.jpg", b"not an image"),
    ]
    response = admin_client.post(url, {"files": files}, follow=True)
    text = " | ".join(str(m) for m in response.context["messages"])
    assert "bad.jpg: not uploaded: Upload a JPEG, PNG, GIF or WebP image." in text
    assert response.context["title"] == "Caption 2 new images"
    assert [row.image.name for row in response.context["rows"]] == ["first", "second"]
    html = response.content.decode()
    change = reverse("admin:assets_assetimage_change", args=[image.pk])
    assert f'<a href="{change}">Harbour at dawn</a>' in html  # the duplicate links to the existing image
    assert AssetImage.objects.count() == 3


def test_upload_one_answers_each_file_in_json(admin_client, image):
    url = reverse("admin:assets_assetimage_upload_one")
    created = admin_client.post(url, {"file": SimpleUploadedFile("new.png", image_bytes("PNG", (3, 3)))}).json()
    assert created["status"] == "created" and created["name"] == "new"
    duplicate = admin_client.post(url, {"file": SimpleUploadedFile("x.png", image_bytes())}).json()
    assert duplicate == {
        "status": "duplicate",
        "message": "already in the library as “Harbour at dawn”",
        "id": str(image.pk),
        "name": "Harbour at dawn",
        "url": reverse("admin:assets_assetimage_change", args=[image.pk]),
    }
    failed = admin_client.post(url, {"file": SimpleUploadedFile("x.png", b"text")})
    assert failed.status_code == 400 and failed.json()["status"] == "failed"
    assert admin_client.get(url).status_code == 405


def batch_data(rows: list[dict]) -> dict:
    data = {}
    for n, row in enumerate(rows):
        data |= {f"img{n}-{key}": value for key, value in row.items()}
    return data


def test_batch_page_saves_every_image_through_the_service(admin_client, image, monkeypatch):
    from assets import services

    second = another_image("b")
    services.image_locale_set(image=second, locale="de", caption_html="<p>Hafen</p>")  # not a site language: kept
    calls = []
    real = services.image_update
    monkeypatch.setattr(services, "image_update", lambda **kw: calls.append(kw) or real(**kw))
    url = reverse("admin:assets_assetimage_batch") + f"?ids={image.pk},{second.pk}"
    page = admin_client.get(url)
    assert page.status_code == 200 and page.context["title"] == "Caption 2 new images"
    data = batch_data(
        [
            {
                "name": "Harbour",
                "gravity": "east",
                "caption_en": "<p>The <strong>harbour</strong></p>",
                "credit_en": "Jane",
                "caption_fr": "<p>Le port</p>",
                "credit_fr": "",
            },
            {
                "name": "Boats",
                "gravity": "center",
                "caption_en": "",
                "credit_en": "Agency",
                "caption_fr": "<p>Bateaux<script>x</script></p>",
                "credit_fr": "",
            },
        ]
    )
    response = admin_client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:assets_assetimage_changelist")
    assert len(calls) == 2
    image.refresh_from_db()
    assert (image.name, image.gravity) == ("Harbour", "east")
    assert sorted(image.locales.values_list("locale", "credit", "caption_html")) == [
        ("en", "Jane", "<p>The <strong>harbour</strong></p>"),
        ("fr", "", "<p>Le port</p>"),
    ]
    assert sorted(second.locales.values_list("locale", "credit", "caption_html")) == [
        ("de", "", "<p>Hafen</p>"),
        ("en", "Agency", ""),
        ("fr", "", "<p>Bateaux</p>"),
    ]
    text = " | ".join(str(m) for m in response.context["messages"])
    assert "Saved the captions of 2 image(s)." in text
    assert "“Boats” (fr): The caption was cleaned" in text


def test_batch_page_saves_nothing_when_one_row_is_wrong(admin_client, image):
    second = another_image("b")
    url = reverse("admin:assets_assetimage_batch") + f"?ids={image.pk},{second.pk}"
    data = batch_data(
        [
            {"name": "Harbour", "gravity": "east", "credit_en": "Jane"},
            {"name": "", "gravity": "center", "credit_en": "x" * 300},
        ]
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    image.refresh_from_db()
    assert image.name == "Harbour at dawn" and not image.locales.exists()


def test_set_text_action_sets_a_credit_on_the_selected_images(admin_client, image):
    from assets import services

    services.image_locale_set(image=image, locale="en", caption_html="<p>Kept</p>", credit="Old")
    second = another_image("b")
    url = reverse("admin:assets_assetimage_changelist")
    selected = {"action": "set_text_action", "_selected_action": [str(image.pk), str(second.pk)]}
    page = admin_client.post(url, selected)
    assert page.status_code == 200 and "Set a credit or caption on 2 image(s)" in page.content.decode()
    response = admin_client.post(
        url, {**selected, "apply": "1", "what": "credit", "language": "en", "credit": "Photo desk"}, follow=True
    )
    assert "Set the credit (en) of 2 image(s)." in " ".join(str(m) for m in response.context["messages"])
    assert list(image.locales.values_list("credit", "caption_html")) == [("Photo desk", "<p>Kept</p>")]
    assert list(second.locales.values_list("locale", "credit")) == [("en", "Photo desk")]


def set_text(image, what: str, language: str, **fields) -> dict:
    """The form of the list's set-text action, applied to one image."""
    return {
        "action": "set_text_action",
        "_selected_action": [str(image.pk)],
        "apply": "1",
        "what": what,
        "language": language,
        **fields,
    }


def test_set_text_action_sets_a_caption_in_any_language_tag(admin_client, image):
    url = reverse("admin:assets_assetimage_changelist")
    data = set_text(image, "caption", "en", other_language="pt-br", caption="<p>Porto <em>antigo</em></p>")
    admin_client.post(url, data)
    assert list(image.locales.values_list("locale", "caption_html")) == [("pt-BR", "<p>Porto <em>antigo</em></p>")]


def test_list_filters_missing_caption_no_credit_and_upload_date(admin_client, image):
    from assets import services

    other = another_image("Boats")
    services.image_locale_set(image=other, locale="en", caption_html="<p>Boats</p>", credit="Agency")
    url = reverse("admin:assets_assetimage_changelist")

    def names(**params):
        return sorted(i.name for i in admin_client.get(url, params).context["cl"].result_list)

    assert names(missing_caption="en") == ["Harbour at dawn"]
    assert names(missing_caption="fr") == ["Boats", "Harbour at dawn"]
    assert names(credit="none") == ["Harbour at dawn"]
    assert names(credit="some") == ["Boats"]
    today = image.inserted_at.date().isoformat()
    assert names(inserted_at__gte=f"{today} 00:00:00+00:00") == ["Boats", "Harbour at dawn"]
    assert names(inserted_at__gte="2999-01-01 00:00:00+00:00") == []


def test_list_shows_sizes_in_words_not_keys_or_byte_counts(admin_client, image):
    html = admin_client.get(reverse("admin:assets_assetimage_changelist")).content.decode()
    assert '8×6<br><span class="quiet">' in html and "bytes</span>" in html  # "81 bytes" for tiny files
    assert f">{image.file.key}<" not in html and f">{image.file.byte_size}<" not in html
    assert 'id="desk-view-switch"' in html


def test_a_deleted_image_shows_a_banner_and_is_read_only_until_restored(admin_client, image):
    image_soft_delete(image=image)
    url = reverse("admin:assets_assetimage_change", args=[image.pk])
    html = admin_client.get(url).content.decode()
    assert "This image is deleted" in html and "Restore it" in html
    assert 'name="name"' not in html and 'name="_save"' not in html  # nothing to edit
    admin_client.post(url, {"name": "Changed", "gravity": "south"})
    image.refresh_from_db()
    assert image.name == "Harbour at dawn"
    response = admin_client.post(reverse("admin:assets_assetimage_restore", args=[image.pk]), follow=True)
    assert "“Harbour at dawn” is restored and can be edited again." in response.content.decode()
    image.refresh_from_db()
    assert image.deleted_at is None
    assert 'name="name"' in admin_client.get(url).content.decode()


def test_the_restore_button_says_why_a_restore_is_refused(admin_client, image):
    image_soft_delete(image=image)
    image_create(file_key=image.file.key, name="Took the file")
    response = admin_client.post(reverse("admin:assets_assetimage_restore", args=[image.pk]), follow=True)
    assert "the live image “Took the file”" in " ".join(str(m) for m in response.context["messages"])
    assert "This image is deleted" in response.content.decode()


def test_change_page_offers_an_empty_caption_for_each_missing_site_language(admin_client, image):
    from assets import services

    services.image_locale_set(image=image, locale="en", caption_html="<p>Here</p>")
    html = admin_client.get(reverse("admin:assets_assetimage_change", args=[image.pk])).content.decode()
    assert 'name="locales-1-locale" value="fr"' in html
    assert '<datalist id="caption-languages"><option value="en">English</option>' in html
    assert "data-django-prose-editor-configurable" in html


def test_history_page_shows_the_caption_edits_with_the_image_name(admin_client, image):
    from assets import services

    services.image_locale_set(image=image, locale="en", caption_html="<p>First words</p>")
    services.image_locale_set(image=image, locale="en", caption_html="<p>Second words</p>", credit="Jane")
    services.image_locale_set(image=image, locale="fr", caption_html="<p>Éphémère</p>")
    services.image_update(image=image, locales=[{"locale": "en", "caption_html": "<p>Second words</p>"}])  # fr erased
    other = another_image("b")
    services.image_locale_set(image=other, locale="en", caption_html="<p>Not this one</p>")

    response = admin_client.get(reverse("admin:assets_assetimage_history", args=[image.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "caption en of “Harbour at dawn”" in html and "caption fr of “Harbour at dawn”" in html
    assert "Second words" in html and "First words" in html and "Jane" in html
    assert "Éphémère" in html  # the erased caption's entries stay on the page
    assert "Not this one" not in html
    assert "asset image “Harbour at dawn”" in html  # the image's own entries


def test_change_page_says_when_the_sanitizer_removed_something(admin_client, image):
    captions = (
        {"locale": "en", "caption_html": '<p>Fine <a href="https://example.org">link</a></p>'},
        {"locale": "fr", "caption_html": '<p><span style="color:red">Rouge</span><script>x()</script></p>'},
    )
    data = image_form("Harbour at dawn", "north", captions)
    response = admin_client.post(reverse("admin:assets_assetimage_change", args=[image.pk]), data, follow=True)
    text = " | ".join(str(m) for m in response.context["messages"])
    assert "Caption (fr): The caption was cleaned: some text (in a script or style) was removed" in text
    assert "Caption (en)" not in text  # a link the editor wrote is kept as it is
    assert dict(image.locales.values_list("locale", "caption_html"))["fr"] == "<p>Rouge</p>"


def test_list_and_grid_queries_do_not_grow_with_the_images(admin_client, image):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:assets_assetimage_changelist")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(5):
        stored, _ = stored_file_upload(file=SimpleUploadedFile(f"{n}.png", image_bytes("PNG", (3 + n, 3))))
        image_create(file_key=stored.key, name=f"more {n}", locales=[{"locale": "en", "caption_html": "<p>x</p>"}])
    assert count() == few


def test_batch_caption_whose_text_was_all_in_a_script_keeps_its_language_emptied(admin_client, image):
    """What was written counts (the text of a script too): the language is saved, with the empty
    caption the sanitizer leaves, and the editor is told."""
    url = reverse("admin:assets_assetimage_batch") + f"?ids={image.pk}"
    data = batch_data([{"name": "Harbour", "gravity": "east", "caption_fr": "<script>x</script>"}])
    response = admin_client.post(url, data, follow=True)
    assert list(image.locales.values_list("locale", "credit", "caption_html")) == [("fr", "", "")]
    text = " | ".join(str(m) for m in response.context["messages"])
    assert "“Harbour” (fr): The caption was cleaned: some text (in a script or style) was removed" in text


# Sanitized twice, this caption's link changes again (its attributes are reordered): the batch and
# the set-text action hand the services what was written, which they sanitize once.
UNSTABLE_CAPTION = "<a href='//h/x' title='t\"q'>Port</a>"


def test_batch_and_set_text_store_a_caption_sanitized_once(admin_client, image):
    stored = sanitize_caption_html(UNSTABLE_CAPTION)
    assert sanitize_caption_html(stored) != stored
    url = reverse("admin:assets_assetimage_batch") + f"?ids={image.pk}"
    admin_client.post(url, batch_data([{"name": "Harbour", "gravity": "east", "caption_en": UNSTABLE_CAPTION}]))
    assert list(image.locales.values_list("locale", "caption_html")) == [("en", stored)]
    data = set_text(image, "caption", "fr", caption=UNSTABLE_CAPTION)
    response = admin_client.post(reverse("admin:assets_assetimage_changelist"), data, follow=True)
    assert image.locales.get(locale="fr").caption_html == stored
    assert "The caption was cleaned" in " ".join(str(m) for m in response.context["messages"])


def test_a_language_tag_is_checked_and_normalized_on_the_change_page_and_in_set_text(admin_client, image):
    wrong = "Enter a well-formed BCP 47 language tag (such as en, fr, pt-BR)."
    change = reverse("admin:assets_assetimage_change", args=[image.pk])
    refused = admin_client.post(change, image_form("Harbour at dawn", "north", ({"locale": "not a tag"},)))
    assert refused.status_code == 200 and wrong in refused.content.decode()
    saved = admin_client.post(change, image_form("Harbour at dawn", "north", ({"locale": "PT-br", "credit": "A"},)))
    assert saved.status_code == 302
    assert list(image.locales.values_list("locale", flat=True)) == ["pt-BR"]
    data = set_text(image, "credit", "en", credit="B")
    url = reverse("admin:assets_assetimage_changelist")
    page = admin_client.post(url, {**data, "other_language": "not a tag"})
    assert page.context["form"].errors == {"other_language": [wrong]}
    assert page.context["form"].cleaned_data["locale"] == "en"
    admin_client.post(url, {**data, "other_language": " ZH-hant "})
    assert sorted(image.locales.values_list("locale", "credit")) == [("pt-BR", "A"), ("zh-Hant", "B")]


def test_a_preset_the_checks_accept_parses_by_its_name_as_by_its_operation(admin_client, image, settings):
    """The crop previews parse each preset by its name (no fallback to its operation needed):
    for every preset the system checks accept, both give the same spec."""
    from assets.renditions.checks import check_rendition_settings

    settings.RENDITION_PRESETS = {
        "thumb": "fill-160x160",
        "card": "fill-800x450-q70",
        "hero": "width-1600",
        "box_2": "fit-300x200-q5",
        "z" * 32: "fill-1x2",
    }
    assert check_rendition_settings() == []
    for name, operation in settings.RENDITION_PRESETS.items():
        assert parse_spec(f"{name}.webp") == parse_spec(f"{operation}.webp"), name
    image_soft_delete(image=image)  # a deleted image shows the presets' previews (crop_previews)
    html = admin_client.get(reverse("admin:assets_assetimage_change", args=[image.pk])).content.decode()
    for operation in settings.RENDITION_PRESETS.values():
        url = rendition_url(image=image, spec=parse_spec(f"{operation}.webp"))["url"]
        assert f'src="{url}"' in html
