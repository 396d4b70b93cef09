"""Categories in the admin: the same services as the API, so the same rules.

Saving goes through `category_create` / `category_update` (one call with the
locales of the inline, in one transaction), and the forms check their input
with the services' own cleaning functions so that errors show on the fields.
There is no hard delete here: "Soft delete" and "Restore" are actions calling
the services; erasing for good is the `purge_deleted` command's job.
"""

import base64

from django import forms
from django.contrib import admin
from django.db.models import Prefetch
from django.utils.html import format_html

from categories import selectors, services
from categories.models import Category, CategoryLocale
from categories.selectors import locale_queryset
from core.admin import (
    DeletedFilter,
    HistoryAdminMixin,
    ServiceItemsFormSet,
    ServiceSaveAdminMixin,
    SoftDeleteAdminMixin,
)
from core.admin_search import SearchAdminMixin
from core.exceptions import BadRequest


class CategoryAdminForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["svg_icon", "is_archived"]
        widgets = {"svg_icon": forms.Textarea(attrs={"rows": 6, "cols": 80})}

    def clean_svg_icon(self):
        markup = self.cleaned_data.get("svg_icon") or None
        try:
            return services.clean_svg_icon(markup)
        except BadRequest as exc:
            raise forms.ValidationError(exc.messages(fields=False)) from None


class CategoryLocaleFormSet(ServiceItemsFormSet):
    item_fields = ("locale", "name")
    with_ids = True

    def clean_items(self, items):
        services.clean_locales(items, with_ids=True)


class CategoryLocaleInline(admin.TabularInline):
    model = CategoryLocale
    formset = CategoryLocaleFormSet
    fields = ["locale", "name"]
    extra = 1
    verbose_name = "locale"
    verbose_name_plural = "locales (deleting one soft-deletes it)"

    def get_queryset(self, request):
        # Soft-deleted locales are history: the inline edits the live set only.
        return super().get_queryset(request).alive()


@admin.register(Category)
class CategoryAdmin(SearchAdminMixin, ServiceSaveAdminMixin, SoftDeleteAdminMixin, HistoryAdminMixin, admin.ModelAdmin):
    form = CategoryAdminForm
    inlines = [CategoryLocaleInline]
    list_display = ["names", "icon_preview", "is_archived", "inserted_at", "updated_at", "deleted_at"]
    list_filter = ["is_archived", DeletedFilter]
    deleted_filter_default = "all"
    search_fields = ["search_text"]  # shows the box; SearchAdminMixin searches
    search_help_text = "Any live locale name (at least 2 characters)."
    search_selector = staticmethod(selectors.category_search)
    readonly_fields = ["icon_preview", "inserted_at", "updated_at", "deleted_at"]
    fields = ["svg_icon", "icon_preview", "is_archived", "inserted_at", "updated_at", "deleted_at"]
    list_per_page = 50
    history_children = ((CategoryLocale, "category", "name"),)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(Prefetch("locales", queryset=locale_queryset()))

    def has_change_permission(self, request, obj=None) -> bool:
        # A deleted category is shown read-only: restore it first, as in the API (404 on PATCH).
        if obj is not None and obj.deleted_at is not None:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description="names")
    def names(self, obj: Category) -> str:
        return ", ".join(f"{loc.locale}: {loc.name}" for loc in obj.locales.all()) or "—"

    @admin.display(description="icon")
    def icon_preview(self, obj: Category) -> str:
        if not obj.svg_icon:
            return "—"
        # The stored markup is already sanitized; shown through <img>, where an
        # SVG cannot run scripts at all, as a second line of defence.
        encoded = base64.b64encode(obj.svg_icon.encode("utf-8")).decode("ascii")
        return format_html(
            '<img src="data:image/svg+xml;base64,{}" width="32" height="32" alt="icon">',
            encoded,
        )

    def save_with_service(self, form, items, change):
        fields = {"svg_icon": form.cleaned_data.get("svg_icon"), "is_archived": form.cleaned_data["is_archived"]}
        if change:
            return services.category_update(category=form.instance, locales=items, **fields)
        return services.category_create(locales=items, **fields)

    def soft_delete_one(self, obj: Category) -> None:
        services.category_soft_delete(category=obj)

    def restore_one(self, obj: Category) -> None:
        services.category_restore(category=obj)
