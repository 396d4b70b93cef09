"""The editors' admin for asset images, through the same services as the API.

The desk's pages (batch upload and captioning, the gravity picker, the set-text
action) live in `assets/admin_desk.py`; this module wires them in.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST

from assets import selectors, services
from assets.admin_desk import (
    CaptionField,
    DeskViews,
    GravityPicker,
    allow_caption_editor,
    caption_languages,
    clean_language_tag,
    error_text,
    original_url,
    set_text_action,
    thumbnail_url,
)
from assets.models import AssetImage, AssetImageLocale, Rendition, StoredFile
from assets.renditions.selectors import rendition_url
from assets.renditions.specs import parse_spec
from core.admin import (
    DeletedFilter,
    HistoryAdminMixin,
    NarrowingFilter,
    ServiceItemsFormSet,
    ServiceSaveAdminMixin,
    SoftDeleteAdminMixin,
)
from core.admin_search import SearchAdminMixin
from core.exceptions import Conflict, DomainError


def thumbnail(image: AssetImage | None, size: int = 64) -> str:
    """The `thumb` rendition (a square crop at the gravity), never the full original."""
    if image is None or image.file_id is None:
        return "—"
    return format_html(
        '<img src="{}" alt="" title="crop anchor: {}" class="asset-thumb" width="{}" height="{}" loading="lazy" '
        'style="object-fit:cover;border-radius:4px;background:#eee">',
        thumbnail_url(image),
        image.gravity,
        size,
        size,
    )


def crop_previews(image: AssetImage) -> str:
    """Each preset as pages will show it, at the image's gravity, drawn through its rendition."""
    rows = []
    for name, operation in settings.RENDITION_PRESETS.items():  # in the operator's order
        rendition = rendition_url(image=image, spec=parse_spec(f"{name}.webp"))
        width, height = rendition["width"], rendition["height"]
        shown = min(width, 320)
        rows.append(
            (name, rendition["url"], name, shown, round(height * shown / width), name, operation, width, height)
        )
    figures = format_html_join(
        "",
        '<figure class="asset-crop" data-preset="{}" style="display:inline-block;margin:0 16px 12px 0;'
        'vertical-align:top"><img src="{}" alt="{} preview" width="{}" height="{}" '
        'style="border:1px solid var(--hairline-color);border-radius:4px;background:#eee">'
        '<figcaption style="font-size:12px;color:var(--body-quiet-color)">{} · {} · {}×{}</figcaption></figure>',
        rows,
    )
    return format_html(
        '<div class="asset-crops">{}</div><p style="margin:0;color:var(--body-quiet-color)">Cropped at the '
        "anchor “{}”.</p>",
        figures,
        image.gravity,
    )


class LanguageTagInput(forms.TextInput):
    """A language tag: the configured languages offered first, any BCP 47 tag accepted."""

    template_name = "admin/assets/widgets/language_tag.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["languages"] = caption_languages()
        return context


class LocaleInlineForm(forms.ModelForm):
    """The same rules as the API: a well-formed locale (stored normalized), sanitized caption."""

    class Meta:
        model = AssetImageLocale
        fields = ["locale", "caption_html", "credit"]
        widgets = {"locale": LanguageTagInput(attrs={"list": "caption-languages", "size": 10})}
        labels = {"locale": "Language", "caption_html": "Caption"}
        help_texts = {"locale": "One of the site's languages, or any BCP 47 tag (such as pt-BR)."}

    caption_html = CaptionField(label="Caption")

    def clean_locale(self) -> str:
        return clean_language_tag(self.cleaned_data["locale"])

    def clean_caption_html(self) -> str:
        caption = self.fields["caption_html"]
        self.sanitizer_note = caption.sanitizer_note  # told to the editor after saving
        return caption.sanitized


class LocaleFormSet(ServiceItemsFormSet):
    """The service's full set of captions; rows checked with the service's own cleaner."""

    item_fields = ("locale", "credit", "caption_html")

    def clean_items(self, items):
        services.clean_locales(items)

    def items(self):
        return [
            (form, {key: value or "" for key, value in item.items()})
            for form, item in super().items()
            # A prefilled language left empty is no caption to add.
            if not form.instance._state.adding or strip_tags(item["caption_html"] or "").strip() or item["credit"]
        ]


class LocaleInline(admin.StackedInline):
    model = AssetImageLocale
    form = LocaleInlineForm
    formset = LocaleFormSet
    verbose_name = "caption"
    verbose_name_plural = "captions and credits"

    def get_extra(self, request, obj=None, **kwargs):
        # An empty caption for each site language the image lacks (prefilled, see get_formset_kwargs).
        return len(missing_languages(obj)) or 1

    def _editable(self, obj) -> bool:
        return obj is None or obj.deleted_at is None  # a deleted image is read-only until restored

    def has_add_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


def restore_refusal(image: AssetImage) -> str | None:
    """Why a restore was refused, in words: which live image holds the file now."""
    holder = AssetImage.objects.filter(file_id=image.file_id).exclude(pk=image.pk).first()
    if holder is None:
        return None
    return (
        f"the live image “{holder.name}” (uploaded "
        f"{date_format(localtime(holder.inserted_at), 'SHORT_DATE_FORMAT')}) uses the same file, and a file "
        f"has one live image at most. Delete “{holder.name}” first, or keep using it."
    )


def missing_languages(image: AssetImage | None) -> list[str]:
    have = {loc.locale for loc in image.locales.all()} if image is not None and image.pk else set()
    return [code for code, _name in caption_languages() if code not in have]


class AssetImageForm(forms.ModelForm):
    upload = forms.FileField(
        required=False,
        help_text="A JPEG, PNG, GIF or WebP image. Identical files are stored once.",
    )
    # After a form error the browser forgets the chosen file; the stored file is
    # kept here (signed, so that no other key can be slipped in) and reused.
    kept_file = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = AssetImage
        fields = ["name", "gravity"]

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        adding = self.instance._state.adding  # the UUID primary key is set before the first save
        if upload is None:
            kept, filename = keep_file_from(cleaned.get("kept_file"))
            if kept is not None:
                cleaned["stored_file"] = kept
                keep_file_in(self, kept, filename)
            elif adding:
                self.add_error("upload", "Choose an image file.")
            return cleaned
        if upload.size > settings.BACKOFFICE_UPLOAD_MAX_BYTES:
            self.add_error("upload", f"The file is larger than {filesizeformat(settings.BACKOFFICE_UPLOAD_MAX_BYTES)}.")
            return cleaned
        try:
            stored, _created = services.stored_file_upload(file=upload)
        except DomainError as exc:
            self.add_error("upload", error_text(exc))
            return cleaned
        live = AssetImage.objects.filter(file=stored).exclude(pk=self.instance.pk).first()
        if live is not None:
            self.add_error("upload", f"A live image already uses this file: “{live.name}”.")
            return cleaned
        cleaned["stored_file"] = stored
        keep_file_in(self, stored, upload.name)
        return cleaned


KEEP_SALT = "assets.admin.kept-file"


def keep_file_from(token: str | None) -> tuple[StoredFile | None, str]:
    """The stored file a previous try of the form kept, and its file name."""
    if not token:
        return None, ""
    try:
        kept = signing.loads(token, salt=KEEP_SALT, max_age=24 * 3600)
        return StoredFile.objects.filter(key=kept["key"]).first(), kept["name"]
    except (signing.BadSignature, KeyError, TypeError):
        return None, ""


def keep_file_in(form: forms.Form, stored: StoredFile, filename: str) -> None:
    """Carry the stored file through a re-rendered form, and say so beside the file field."""
    data = form.data.copy()
    data[form.add_prefix("kept_file")] = signing.dumps({"key": stored.key, "name": filename}, salt=KEEP_SALT)
    form.data = data
    note = (
        f"Kept: {filename} ({stored.width}×{stored.height}, {filesizeformat(stored.byte_size)}). "
        "No need to choose it again; choose another file only to replace it."
    )
    # The bound field copied the help text when the form was cleaned: set both.
    form.fields["upload"].help_text = form["upload"].help_text = note


class UploadDateFilter(admin.DateFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "upload date"


class AnchorFilter(admin.ChoicesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "crop anchor"


class MissingCaptionFilter(admin.SimpleListFilter):
    """Images with no caption in a language (no entry, or an empty caption)."""

    title = "missing caption in"
    parameter_name = "missing_caption"

    def lookups(self, request, model_admin):
        return caption_languages()

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        captioned = AssetImageLocale.objects.filter(image=OuterRef("pk"), locale=code).exclude(caption_html="")
        return queryset.filter(~Exists(captioned))


def _credited():
    return Exists(AssetImageLocale.objects.filter(image=OuterRef("pk")).exclude(credit=""))


class CreditFilter(NarrowingFilter):
    title = "credit"
    parameter_name = "credit"
    narrowings = {
        "none": ("No credit", lambda queryset: queryset.filter(~_credited())),
        "some": ("Has a credit", lambda queryset: queryset.filter(_credited())),
    }


@admin.register(AssetImage)
class AssetImageAdmin(
    DeskViews, SearchAdminMixin, ServiceSaveAdminMixin, SoftDeleteAdminMixin, HistoryAdminMixin, admin.ModelAdmin
):
    form = AssetImageForm
    inlines = [LocaleInline]
    list_display = ["thumb", "name", "locales_list", "size", "anchor", "uploaded", "is_live"]
    list_display_links = ["thumb", "name"]
    list_filter = [
        DeletedFilter,
        MissingCaptionFilter,
        CreditFilter,
        ("inserted_at", UploadDateFilter),
        ("gravity", AnchorFilter),
    ]
    search_fields = ["search_text"]  # shows the box; get_search_results searches
    search_help_text = "Name, credit or caption text (at least 2 characters), or a file key or SHA-256."
    search_selector = staticmethod(selectors.image_search)
    readonly_fields = ["preview", "file_info", "inserted_at", "updated_at", "deleted_at"]
    change_form_template = "admin/assets/assetimage/change_form.html"
    history_children = ((AssetImageLocale, "image", "caption"),)
    actions = [*SoftDeleteAdminMixin.actions, set_text_action]
    list_per_page = 50
    change_list_template = "admin/assets/assetimage/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload-many/", view(self.upload_many_view), name="assets_assetimage_upload_many"),
            path("upload-one/", view(require_POST(self.upload_one_view)), name="assets_assetimage_upload_one"),
            path("batch/", view(self.batch_view), name="assets_assetimage_batch"),
            path("<uuid:object_id>/restore/", view(require_POST(self.restore_view)), name="assets_assetimage_restore"),
            *super().get_urls(),
        ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["upload", "kept_file", "name", "gravity"]
        times = ["inserted_at", "updated_at", "deleted_at"]
        if obj.deleted_at is not None:
            return ["preview", "name", "gravity", "file_info", *times]
        return ["name", "gravity", "file_info", "upload", "kept_file", *times]

    def has_change_permission(self, request, obj=None) -> bool:
        # A deleted image is shown read-only (with a banner and a Restore button), as in the API.
        if obj is not None and obj.deleted_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, LocaleInline) and request.method != "POST":
            kwargs["initial"] = [{"locale": code} for code in missing_languages(obj)]
        return kwargs

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "gravity" in form.base_fields:
            # The picture to click on (the whole image) and the crops that follow the click.
            form.base_fields["gravity"].widget = GravityPicker(image=obj)
            form.base_fields["gravity"].label = "Crop anchor"
        if obj is not None and "upload" in form.base_fields:
            form.base_fields["upload"].label = "Replace the file"
            form.base_fields["upload"].help_text = "Only to replace the picture; captions and anchor stay."
        return form

    @property
    def media(self):
        return super().media + forms.Media(css={"all": ["assets/desk.css"]}, js=["assets/desk.js"])

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("file").prefetch_related("locales")

    def get_search_results(self, request, queryset, search_term):
        # A file key or hash names one file: its image, found through the unique indexes.
        term = search_term.strip()
        if term and " " not in term:
            stored = StoredFile.objects.filter(Q(key=term) | Q(sha256=term.lower())).values("pk")
            file_ids = list(stored[:1])
            if file_ids:
                return queryset.filter(file_id=file_ids[0]["pk"]), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="image")
    def thumb(self, obj):
        return thumbnail(obj)

    @admin.display(description="crop previews")
    def preview(self, obj):
        return crop_previews(obj) if obj and obj.pk else "—"

    @admin.display(description="size", ordering="file__byte_size")
    def size(self, obj):
        f = obj.file
        return format_html('{}×{}<br><span class="quiet">{}</span>', f.width, f.height, filesizeformat(f.byte_size))

    @admin.display(description="crop anchor", ordering="gravity")
    def anchor(self, obj):
        return obj.get_gravity_display()

    @admin.display(description="uploaded", ordering="inserted_at")
    def uploaded(self, obj):
        return date_format(localtime(obj.inserted_at), "SHORT_DATE_FORMAT")

    @admin.display(description="file")
    def file_info(self, obj):
        if not obj or not obj.file_id:
            return "—"
        f = obj.file
        kind = f.content_type.removeprefix("image/").upper()
        return format_html(
            '{} · {}×{} · {} · <a href="{}">open the original</a>',
            kind,
            f.width,
            f.height,
            filesizeformat(f.byte_size),
            original_url(obj),
        )

    @admin.display(description="caption")
    def locales_list(self, obj):
        """The caption in the first site language that has one, and which languages lack one."""
        captions = {loc.locale: loc.caption_html for loc in obj.locales.all()}
        languages = [code for code, _name in caption_languages()]
        first = next((captions[code] for code in [*languages, *captions] if captions.get(code)), "")
        text = Truncator(strip_tags(first)).chars(90) if first else "no caption yet"
        missing = [code for code in languages if not captions.get(code)]
        if not missing:
            return text
        return format_html('{}<br><span class="quiet">missing: {}</span>', text, ", ".join(missing))

    @admin.display(description="live", boolean=True, ordering="deleted_at")
    def is_live(self, obj):
        return obj.deleted_at is None

    def save_with_service(self, form, items, change):
        fields = {"name": form.cleaned_data["name"], "gravity": form.cleaned_data["gravity"], "locales": items}
        stored = form.cleaned_data.get("stored_file")
        if change:
            return services.image_update(image=form.instance, stored_file=stored, **fields)
        return services.image_create(file_key=stored.key, **fields)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        formset = next(fs for fs in formsets if isinstance(fs, LocaleFormSet))
        for inline_form, item in formset.items():
            note = getattr(inline_form, "sanitizer_note", None)
            if note:
                self.message_user(request, f"Caption ({item['locale']}): {note}", messages.WARNING)

    def soft_delete_one(self, obj: AssetImage) -> None:
        services.image_soft_delete(image=obj)

    def restore_one(self, obj: AssetImage) -> None:
        try:
            services.image_restore(image=obj)
        except Conflict as exc:
            reason = restore_refusal(obj)
            raise (Conflict([reason]) if reason else exc) from None

    def _restore(self, request, image: AssetImage) -> bool:
        try:
            self.restore_one(image)
        except DomainError as exc:
            self.message_user(request, f"“{image}” was not restored: {error_text(exc)}", messages.ERROR)
            return False
        return True

    def restore_view(self, request, object_id):
        """The deleted image's Restore button."""
        image = self.get_object(request, str(object_id))
        if image is None or not super().has_change_permission(request):
            raise PermissionDenied
        if image.deleted_at is not None and self._restore(request, image):
            self.message_user(request, f"“{image.name}” is restored and can be edited again.", messages.SUCCESS)
        return redirect(reverse("admin:assets_assetimage_change", args=[image.pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["has_restore_permission"] = super().has_change_permission(request)
        return allow_caption_editor(super().render_change_form(request, context, add, change, form_url, obj))


@admin.register(StoredFile)
class StoredFileAdmin(HistoryAdminMixin, admin.ModelAdmin):
    list_display = ["key", "content_type", "width", "height", "byte_size", "created_at"]
    search_fields = ["key", "sha256"]
    readonly_fields = ["key", "sha256", "byte_size", "content_type", "width", "height", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # files arrive through uploads

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # unused files are erased by purge_deleted


@admin.register(Rendition)
class RenditionAdmin(admin.ModelAdmin):
    """Read-only: renditions are made on first request or by `render_renditions`."""

    list_display = ["key", "operation", "gravity", "format", "width", "height", "byte_size", "created_at"]
    list_filter = ["format"]
    search_fields = ["key", "file__sha256"]
    readonly_fields = [*list_display, "file", "etag"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # erased with their file by purge_deleted
