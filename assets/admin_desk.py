"""The editors' desk in the admin: upload a batch, caption it on one page, set texts on many.

Kept apart from `assets/admin.py` (which wires these in) so that the pages read
as one workflow. Every write goes through `assets.services`.
"""

import base64
import copy
import hashlib
import json
import math
import uuid
from html.parser import HTMLParser

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import strip_tags
from django_prose_editor.widgets import AdminProseEditorWidget
from django_prose_editor.widgets import importmap as prose_editor_importmap

from assets import services
from assets.models import AssetImage, Gravity
from assets.renditions.selectors import rendition_url
from assets.renditions.specs import InvalidSpec, parse_spec
from core.exceptions import BadRequest, DomainError
from core.sanitize import sanitize_caption_html
from core.validators import is_language_tag, normalize_language_tag


def rendition_spec(text: str, fallback: str):
    try:
        return parse_spec(text)
    except InvalidSpec:  # the operator renamed or removed the preset
        return parse_spec(fallback)


def thumbnail_url(image: AssetImage) -> str:
    """The picture a list, grid or batch row shows: the `thumb` rendition (cropped at the anchor)."""
    return rendition_url(image=image, spec=rendition_spec("thumb.webp", "fill-160x160.webp"))["url"]


def original_url(image: AssetImage) -> str:
    return default_storage.url(image.file.key)


def preview_url(image: AssetImage) -> str:
    """The whole picture the gravity picker shows: a rendition fitted to the page, not the original."""
    return rendition_url(image=image, spec=parse_spec("fit-1040x840.webp"))["url"]


def crop_urls(image: AssetImage, spec_text: str) -> dict[str, str]:
    """A crop preview's rendition URL at each of the nine anchors (signed; rendered on first view)."""
    spec = parse_spec(spec_text)
    urls = {}
    for gravity in Gravity.values:
        anchored = copy.copy(image)
        anchored.gravity = gravity
        urls[gravity] = rendition_url(image=anchored, spec=spec)["url"]
    return urls


# The shapes the change page previews besides the presets (width, height).
PREVIEW_RATIOS = [("1:1", 1, 1), ("16:9", 16, 9), ("4:5", 4, 5)]


def error_messages(exc: DomainError) -> list[str]:
    """A domain error as sentences for an editor (field names and ids left out)."""
    return exc.messages(fields=False, skip=("existing_id",))


def error_text(exc: DomainError) -> str:
    """The same sentences as one text (a message, a form error)."""
    return " ".join(error_messages(exc))


def clean_language_tag(code: str) -> str:
    """A language tag as the services store it (normalized), else a form error in their words."""
    if not is_language_tag(code):
        raise forms.ValidationError("Enter a well-formed BCP 47 language tag (such as en, fr, pt-BR).")
    return normalize_language_tag(code)


def caption_languages() -> list[tuple[str, str]]:
    """(tag, name) of the configured languages, tags as the services store them."""
    return [(normalize_language_tag(code), name) for code, name in settings.LANGUAGES if is_language_tag(code)]


# --- Captions: written, not typed as HTML -------------------------------------
# The editor offers exactly what captions keep: bold, italic, links, line breaks
# (the sanitizer allows these and a few more, such as lists, that the API may send).
CAPTION_EDITOR_CONFIG = {
    "extensions": {
        "Bold": True,
        "Italic": True,
        "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
        "HardBreak": True,
        "History": True,
        "NoSpellCheck": False,
    }
}


def allow_caption_editor(response):
    """Let the caption editor's import map (an inline script of django-prose-editor) run under the
    Content-Security-Policy: its hash joins script-src for this answer only."""
    tag = str(prose_editor_importmap)
    content = tag[tag.index(">") + 1 : tag.rindex("</script>")]
    digest = base64.b64encode(hashlib.sha256(content.encode()).digest()).decode()
    response._csp_update = {"script-src": [f"'sha256-{digest}'"]}
    return response


class CaptionEditor(AdminProseEditorWidget):
    def __init__(self, attrs=None):
        super().__init__(attrs={"rows": 2, **(attrs or {})}, config=CAPTION_EDITOR_CONFIG, preset="configurable")


def _visible(html: str) -> str:
    return " ".join(strip_tags(html).split())


class _Shape(HTMLParser):
    """Tags, attributes and text of some HTML, to compare what was sent with what was kept."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.items = []

    def handle_starttag(self, tag, attrs):
        # rel is added by the sanitizer to links; it removes nothing.
        self.items.append((tag, tuple(sorted((k, v) for k, v in attrs if k != "rel"))))

    def handle_endtag(self, tag):
        self.items.append(("/" + tag,))

    def handle_data(self, data):
        if data.strip():
            self.items.append(("text", " ".join(data.split())))

    def handle_comment(self, data):
        self.items.append(("comment",))


def _shape(html: str) -> list:
    parser = _Shape()
    parser.feed(html)
    parser.close()
    return [item for item in parser.items if item != ("/br",)]


def sanitizer_note(submitted: str, stored: str) -> str | None:
    """What the editor is told when the sanitizer removed something from a caption."""
    if not submitted or _shape(submitted) == _shape(stored):
        return None
    lost_text = _visible(submitted) != _visible(stored)
    return (
        "The caption was cleaned: "
        + ("some text (in a script or style) was removed; " if lost_text else "")
        + "captions keep bold, italic, links (http, https, mailto) and line breaks only."
    )


class CaptionField(forms.CharField):
    """A caption as the editor writes it; cleaning also sanitizes it as the services do.

    The cleaned value stays what was written: the services sanitize it once (sanitized
    twice, some HTML changes again), and a caption whose text was all in a script still
    counts as written. Cleaning keeps beside it, on the form's own copy of the field,
    `sanitized` (what will be stored) and `sanitizer_note` (what the editor is told, or None).
    """

    sanitized = ""
    sanitizer_note = None

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", CaptionEditor())
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        self.sanitized = sanitize_caption_html(value or "")
        self.sanitizer_note = sanitizer_note(value or "", self.sanitized)
        return value


# --- Batch upload -------------------------------------------------------------


def upload_one(upload) -> dict:
    """Store one file and create its image: a small report for the upload page."""
    if upload.size > settings.BACKOFFICE_UPLOAD_MAX_BYTES:
        return {"status": "failed", "message": f"larger than {filesizeformat(settings.BACKOFFICE_UPLOAD_MAX_BYTES)}"}
    name = (upload.name.rsplit(".", 1)[0] or upload.name)[:255]
    try:
        image, created = services.image_create_from_upload(file=upload, name=name)
    except DomainError as exc:
        return {"status": "failed", "message": error_text(exc)}
    if not created:
        return {"status": "duplicate", "image": image, "message": f"already in the library as “{image.name}”"}
    return {"status": "created", "image": image, "message": "uploaded"}


def batch_url(created: list, duplicates: list) -> str:
    query = "&".join(
        part
        for part in (
            "ids=" + ",".join(str(i.pk) for i in created) if created else "",
            "dups=" + ",".join(str(i.pk) for i in duplicates) if duplicates else "",
        )
        if part
    )
    return reverse("admin:assets_assetimage_batch") + ("?" + query if query else "")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class UploadManyForm(forms.Form):
    files = MultipleFileField(label="Images", help_text="JPEG, PNG, GIF or WebP; choose or drop several at once.")


class DeskViews:
    """The desk's pages, mixed into the image ModelAdmin."""

    def upload_many_view(self, request):
        """The drop zone (files sent one by one, see upload_one_view) and its plain-form fallback."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadManyForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            created, duplicates = [], []
            for upload in form.cleaned_data["files"]:
                report = upload_one(upload)
                if report["status"] == "created":
                    created.append(report["image"])
                elif report["status"] == "duplicate":
                    duplicates.append(report["image"])
                else:
                    message = report["message"].rstrip(".")
                    self.message_user(request, f"{upload.name}: not uploaded: {message}.", messages.ERROR)
            return HttpResponseRedirect(batch_url(created, duplicates))
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload images",
            "form": form,
            "media": self.media,
            "opts": self.model._meta,
            "upload_one_url": reverse("admin:assets_assetimage_upload_one"),
            "batch_url": reverse("admin:assets_assetimage_batch"),
            "max_bytes": settings.BACKOFFICE_UPLOAD_MAX_BYTES,
        }
        return TemplateResponse(request, "admin/assets/assetimage/upload_many.html", context)

    def upload_one_view(self, request):
        """One file of the drop zone: JSON for its row (created, duplicate or failed)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        upload = request.FILES.get("file")
        if upload is None:
            return JsonResponse({"status": "failed", "message": "no file was sent"}, status=400)
        report = upload_one(upload)
        image = report.pop("image", None)
        if image is not None:
            report |= {
                "id": str(image.pk),
                "name": image.name,
                "url": reverse("admin:assets_assetimage_change", args=[image.pk]),
            }
        return JsonResponse(report, status=400 if report["status"] == "failed" else 200)

    def batch_view(self, request):
        """Every new image of an upload on one page: name, gravity, caption and credit per language."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        ids = _uuid_list(request.GET.get("ids", ""))
        images = list(AssetImage.objects.select_related("file").prefetch_related("locales").filter(pk__in=ids))
        images.sort(key=lambda image: ids.index(str(image.pk)))
        duplicates = list(AssetImage.objects.filter(pk__in=_uuid_list(request.GET.get("dups", ""))))
        languages = caption_languages()
        rows = [
            BatchRowForm(request.POST or None, image=image, languages=languages, prefix=f"img{n}")
            for n, image in enumerate(images)
        ]
        if request.method == "POST" and all([row.is_valid() for row in rows]):
            saved = self._save_batch(request, rows)
            if saved is not None:
                self.message_user(request, f"Saved the captions of {saved} image(s).", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:assets_assetimage_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Caption {len(images)} new image{'s' if len(images) != 1 else ''}",
            "opts": self.model._meta,
            "rows": rows,
            "languages": languages,
            "duplicates": duplicates,
            "media": self.media + (rows[0].media if rows else forms.Media()),
            "has_errors": any(row.errors for row in rows),
        }
        return allow_caption_editor(TemplateResponse(request, "admin/assets/assetimage/batch.html", context))

    def _save_batch(self, request, rows) -> int | None:
        """One transaction for the whole batch: every image is saved, or none (errors on their row)."""
        try:
            with transaction.atomic():
                for row in rows:
                    try:
                        services.image_update(image=row.image, **row.service_arguments())
                    except BadRequest as exc:
                        row.add_error(None, error_messages(exc))
                        raise
        except DomainError as exc:
            if not any(row.errors for row in rows):
                self.message_user(request, "Not saved: " + error_text(exc), messages.ERROR)
            return None
        for row in rows:
            for note in row.sanitizer_notes():
                self.message_user(request, note, messages.WARNING)
        return len(rows)


def _uuid_list(value: str) -> list[str]:
    out = []
    for part in value.split(","):
        try:
            out.append(str(uuid.UUID(part.strip())))
        except ValueError:
            continue
    return out


class BatchRowForm(forms.Form):
    """One image of the batch: its name, gravity, and caption and credit in each language."""

    name = forms.CharField(max_length=255)
    gravity = forms.ChoiceField(choices=Gravity.choices)

    def __init__(self, *args, image: AssetImage, languages, **kwargs):
        current = {loc.locale: loc for loc in image.locales.all()}
        initial = {"name": image.name, "gravity": image.gravity}
        for code, _name in languages:
            if code in current:
                initial[f"caption_{code}"] = current[code].caption_html
                initial[f"credit_{code}"] = current[code].credit
        super().__init__(*args, initial=initial, **kwargs)
        self.image, self.languages, self.current = image, languages, current
        self.fields["gravity"].widget = GravityPicker(image=image, previews=False)
        for code, name in languages:
            self.fields[f"caption_{code}"] = CaptionField(label=f"Caption ({name})")
            self.fields[f"credit_{code}"] = forms.CharField(
                label=f"Credit ({name})", required=False, max_length=services.CREDIT_MAX_LENGTH
            )

    def language_fields(self):
        return [(code, name, self[f"caption_{code}"], self[f"credit_{code}"]) for code, name in self.languages]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        # Captions in other languages (added on the change page) are kept as they are.
        locales = {
            code: {"locale": code, "credit": loc.credit, "caption_html": loc.caption_html}
            for code, loc in self.current.items()
        }
        for code, _name in self.languages:
            caption, credit = data.get(f"caption_{code}") or "", data.get(f"credit_{code}") or ""
            if _visible(caption) or credit.strip():
                locales[code] = {"locale": code, "credit": credit.strip(), "caption_html": caption}
            else:
                locales.pop(code, None)
        return {"name": data["name"], "gravity": data["gravity"], "locales": list(locales.values())}

    def sanitizer_notes(self) -> list[str]:
        notes = []
        for code, _name in self.languages:
            note = self.fields[f"caption_{code}"].sanitizer_note
            if note:
                notes.append(f"“{self.cleaned_data['name']}” ({code}): {note}")
        return notes


def preview_boxes(image: AssetImage) -> list[dict]:
    """The crops previewed on the change page: each configured preset that crops, then the
    shapes of PREVIEW_RATIOS no preset has; each one a rendition per anchor."""
    boxes, ratios = [], set()
    for name in settings.RENDITION_PRESETS:  # in the operator's order
        op = parse_spec(f"{name}.webp").operation
        if op.crops:
            divisor = math.gcd(op.width, op.height)
            label = f"{name} · {op.width // divisor}:{op.height // divisor}"
            boxes.append(preview_box(image, name, label, f"{name}.webp", op.width, op.height))
            ratios.add(round(op.width / op.height, 3))
    for label, w, h in PREVIEW_RATIOS:
        if round(w / h, 3) not in ratios:
            boxes.append(preview_box(image, label, label, None, w, h))
    return boxes


def preview_box(image: AssetImage, key: str, label: str, spec_text: str | None, w: int, h: int) -> dict:
    """A crop preview: the shape (longest side 160 pixels) and its rendition at each anchor."""
    box_w, box_h = round(160 * w / max(w, h)), round(160 * h / max(w, h))
    urls = crop_urls(image, spec_text or f"fill-{box_w * 2}x{box_h * 2}.webp")  # twice the box: sharp
    return {
        "key": key,
        "label": label,
        "box_w": box_w,
        "box_h": box_h,
        "url": urls.get(image.gravity, urls[Gravity.CENTER]),
        "urls": json.dumps(urls),
    }


class GravityPicker(forms.Select):
    """The gravity as a click on the picture: the nearest of the nine anchors (assets/desk.js).

    The select stays (keyboard, no JavaScript); the picture, its marker and the
    crop previews follow it.
    """

    template_name = "admin/assets/widgets/gravity_picker.html"

    def __init__(self, *, image: AssetImage | None, previews: bool = True, attrs=None):
        super().__init__(attrs=attrs, choices=Gravity.choices)
        self.image, self.previews = image, previews

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.image is not None and self.image.file_id:
            stored = self.image.file
            # The whole picture, no taller than the screen can show beside the form.
            width, height = (520, 420) if self.previews else (220, 200)
            context["picker"] = {
                "url": preview_url(self.image) if self.previews else thumbnail_url(self.image),
                "width": stored.width,
                "height": stored.height,
                "frame_width": min(width, round(height * stored.width / max(stored.height, 1))),
                "large": self.previews,
                "previews": preview_boxes(self.image) if self.previews else [],
            }
        return context

    class Media:
        css = {"all": ["assets/desk.css"]}
        js = ["assets/desk.js"]


# --- List action: one credit or caption on many images ------------------------


class SetTextForm(forms.Form):
    what = forms.ChoiceField(
        label="Set", choices=[("credit", "the credit"), ("caption", "the caption")], widget=forms.RadioSelect
    )
    language = forms.ChoiceField(label="In", help_text="Or type another BCP 47 tag below.")
    other_language = forms.CharField(label="Other language tag", required=False, max_length=64)
    credit = forms.CharField(required=False, max_length=services.CREDIT_MAX_LENGTH)
    caption = CaptionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [(code, f"{name} ({code})") for code, name in caption_languages()]

    def clean_other_language(self) -> str:
        other = self.cleaned_data["other_language"].strip()
        return clean_language_tag(other) if other else ""

    def clean(self):
        cleaned = super().clean()
        cleaned["locale"] = cleaned.get("other_language") or cleaned.get("language")
        return cleaned


def set_text_action(modeladmin, request, queryset):
    """Set the credit, or a language's caption, of every selected image (an intermediate page)."""
    images = list(queryset.alive())
    form = SetTextForm(request.POST if "apply" in request.POST else None, initial={"what": "credit"})
    if "apply" in request.POST and form.is_valid():
        what, locale = form.cleaned_data["what"], form.cleaned_data["locale"]
        value = {"credit": form.cleaned_data["credit"].strip()} if what == "credit" else {}
        if what == "caption":
            value = {"caption_html": form.cleaned_data["caption"]}
        try:
            with transaction.atomic():  # all the selected images, or none
                for image in images:
                    services.image_locale_set(image=image, locale=locale, **value)
        except DomainError as exc:
            modeladmin.message_user(request, "Not saved: " + error_text(exc), messages.ERROR)
            return None
        modeladmin.message_user(request, f"Set the {what} ({locale}) of {len(images)} image(s).", messages.SUCCESS)
        if what == "caption":
            note = form.fields["caption"].sanitizer_note
            if note:
                modeladmin.message_user(request, note, messages.WARNING)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"Set a credit or caption on {len(images)} image(s)",
        "opts": modeladmin.model._meta,
        "images": images,
        "form": form,
        "media": modeladmin.media + form.media,
        "action_checkbox_name": "_selected_action",
    }
    return allow_caption_editor(TemplateResponse(request, "admin/assets/assetimage/set_text.html", context))


set_text_action.short_description = "Set the credit or a caption of the selected images"
set_text_action.allowed_permissions = ("change",)
