"""The editors' admin for asset images, through the same services as the API."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from assets import selectors, services
from assets.models import AssetImage, AssetImageLocale, Rendition, StoredFile
from assets.renditions.selectors import rendition_url
from assets.renditions.specs import InvalidSpec, parse_spec
from core.admin import (
    DeletedFilter,
    HistoryAdminMixin,
    ServiceItemsFormSet,
    ServiceSaveAdminMixin,
    SoftDeleteAdminMixin,
)
from core.admin_search import SearchAdminMixin
from core.exceptions import DomainError
from core.validators import is_language_tag


def _spec(text: str, fallback: str):
    try:
        return parse_spec(text)
    except InvalidSpec:  # the operator renamed or removed the preset
        return parse_spec(fallback)


def thumbnail(image: AssetImage | None, size: int = 64) -> str:
    """The `thumb` rendition (a square crop at the gravity), never the full original."""
    if image is None or image.file_id is None:
        return "—"
    rendition = rendition_url(image=image, spec=_spec("thumb.webp", "fill-160x160.webp"))
    return format_html(
        '<img src="{}" alt="" title="gravity: {}" class="asset-thumb" width="{}" height="{}" loading="lazy" '
        'style="object-fit:cover;border-radius:4px;background:#eee">',
        rendition["url"],
        image.gravity,
        size,
        size,
    )


def crop_previews(image: AssetImage) -> str:
    """Each preset as pages will show it, at the image's gravity, drawn through its rendition."""
    rows = []
    for name, operation in settings.RENDITION_PRESETS.items():  # in the operator's order
        rendition = rendition_url(image=image, spec=_spec(f"{name}.webp", f"{operation}.webp"))
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
        '<div class="asset-crops">{}</div><p style="margin:0;color:var(--body-quiet-color)">Cropped at gravity '
        "“{}”. Change the gravity and save to see the new crops.</p>",
        figures,
        image.gravity,
    )


class LocaleFormSet(ServiceItemsFormSet):
    """The same rules as the API (the service's own cleaner): a well-formed locale, once; a sanitized caption."""

    item_fields = ("locale", "credit", "caption_html")

    def clean_items(self, items):
        services.clean_locales(items)


class LocaleInline(admin.StackedInline):
    model = AssetImageLocale
    formset = LocaleFormSet
    fields = ["locale", "credit", "caption_html"]
    extra = 1


class AssetImageForm(forms.ModelForm):
    upload = forms.FileField(
        required=False,
        help_text="A JPEG, PNG, GIF or WebP image. Identical files are stored once.",
    )

    class Meta:
        model = AssetImage
        fields = ["name", "gravity"]

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if self.instance.pk is None and upload is None:
            self.add_error("upload", "Choose an image file.")
        if upload is not None:
            if upload.size > settings.BACKOFFICE_UPLOAD_MAX_BYTES:
                self.add_error("upload", f"The file is larger than {settings.BACKOFFICE_UPLOAD_MAX_BYTES} bytes.")
                return cleaned
            try:
                stored, _created = services.stored_file_upload(file=upload)
            except DomainError as exc:
                self.add_error("upload", " ".join(exc.messages()))
                return cleaned
            live = AssetImage.objects.filter(file=stored).exclude(pk=self.instance.pk).first()
            if live is not None:
                self.add_error("upload", f"A live image already uses this file: “{live.name}” ({live.pk}).")
            cleaned["stored_file"] = stored
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class UploadManyForm(forms.Form):
    files = MultipleFileField(help_text="JPEG, PNG, GIF or WebP images; select several at once.")
    locale = forms.CharField(required=False, help_text="Optional: add a caption entry in this locale (e.g. en).")
    credit = forms.CharField(required=False, max_length=255, help_text="Credit for that locale entry.")

    def clean_locale(self) -> str:
        code = self.cleaned_data.get("locale") or ""
        if code and not is_language_tag(code):
            raise forms.ValidationError("Enter a well-formed BCP 47 language tag (such as en, fr, pt-BR).")
        return code


def upload_one(upload, *, locale: str, credit: str) -> tuple[str, AssetImage | None]:
    """Store one file and create its image: ("created" | "duplicate" | error text, image)."""
    if upload.size > settings.BACKOFFICE_UPLOAD_MAX_BYTES:
        return f"larger than {settings.BACKOFFICE_UPLOAD_MAX_BYTES} bytes", None
    name = (upload.name.rsplit(".", 1)[0] or upload.name)[:255]
    locales = [{"locale": locale, "credit": credit}] if locale else []
    try:
        image, created = services.image_create_from_upload(file=upload, name=name, locales=locales)
    except DomainError as exc:
        return " ".join(exc.messages()), None
    return ("created" if created else "duplicate"), image


@admin.register(AssetImage)
class AssetImageAdmin(
    SearchAdminMixin, ServiceSaveAdminMixin, SoftDeleteAdminMixin, HistoryAdminMixin, admin.ModelAdmin
):
    form = AssetImageForm
    inlines = [LocaleInline]
    list_display = ["thumb", "name", "gravity", "file_key", "locales_list", "inserted_at", "is_live"]
    list_display_links = ["thumb", "name"]
    list_filter = [DeletedFilter, "gravity"]
    search_fields = ["search_text"]  # shows the box; get_search_results searches
    search_help_text = "Name, credit or caption text (at least 2 characters), or a file key or SHA-256."
    search_selector = staticmethod(selectors.image_search)
    readonly_fields = ["preview", "file_info", "inserted_at", "updated_at", "deleted_at"]
    fields = ["preview", "upload", "name", "gravity", "file_info", "inserted_at", "updated_at", "deleted_at"]
    list_per_page = 50
    change_list_template = "admin/assets/assetimage/change_list.html"

    def get_urls(self):
        upload_many = self.admin_site.admin_view(self.upload_many_view)
        return [path("upload-many/", upload_many, name="assets_assetimage_upload_many"), *super().get_urls()]

    def upload_many_view(self, request):
        """Upload several files in one go, each through the upload and create services."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadManyForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            locale, credit = form.cleaned_data["locale"], form.cleaned_data["credit"]
            counts = {"created": 0, "duplicate": 0, "failed": 0}
            for upload in form.cleaned_data["files"]:
                outcome, image = upload_one(upload, locale=locale, credit=credit)
                if outcome == "created":
                    counts["created"] += 1
                elif outcome == "duplicate":
                    counts["duplicate"] += 1
                    self.message_user(
                        request, f"{upload.name}: already in the library as “{image.name}”.", messages.WARNING
                    )
                else:
                    counts["failed"] += 1
                    self.message_user(request, f"{upload.name}: not uploaded: {outcome}", messages.ERROR)
            self.message_user(
                request,
                f"Uploaded: {counts['created']} created, {counts['duplicate']} already present, "
                f"{counts['failed']} failed.",
                messages.SUCCESS if not counts["failed"] else messages.WARNING,
            )
            return redirect(reverse("admin:assets_assetimage_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload images",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/assets/assetimage/upload_many.html", context)

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

    @admin.display(description="file key", ordering="file__key")
    def file_key(self, obj):
        key = obj.file.key
        return format_html('<span title="{}">{}…</span>', key, key[:24]) if len(key) > 24 else key

    @admin.display(description="file")
    def file_info(self, obj):
        if not obj or not obj.file_id:
            return "—"
        f = obj.file
        return f"{f.key} · {f.content_type} · {f.width}×{f.height} · {f.byte_size} bytes · sha256 {f.sha256}"

    @admin.display(description="locales")
    def locales_list(self, obj):
        return ", ".join(loc.locale for loc in obj.locales.all())

    @admin.display(description="live", boolean=True, ordering="deleted_at")
    def is_live(self, obj):
        return obj.deleted_at is None

    def save_with_service(self, form, items, change):
        fields = {"name": form.cleaned_data["name"], "gravity": form.cleaned_data["gravity"], "locales": items}
        stored = form.cleaned_data.get("stored_file")
        if change:
            return services.image_update(image=form.instance, stored_file=stored, **fields)
        return services.image_create(file_key=stored.key, **fields)

    def soft_delete_one(self, obj: AssetImage) -> None:
        services.image_soft_delete(image=obj)

    def restore_one(self, obj: AssetImage) -> None:
        services.image_restore(image=obj)


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
