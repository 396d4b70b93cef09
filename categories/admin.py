"""Categories in the admin: the same services as the API, so the same rules.

Saving goes through `category_create` / `category_update` (one call with the
locales of the inline, in one transaction), and the forms check their input
with the services' own cleaning functions so that errors show on the fields.
There is no hard delete here: "Soft delete" and "Restore" are actions calling
the services; erasing for good is the `purge_deleted` command's job.
"""

import base64

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponseRedirect
from django.utils.html import format_html

from categories import services
from categories.models import Category, CategoryLocale
from categories.selectors import locale_queryset
from core.admin_audit import HistoryAdminMixin
from core.exceptions import BadRequest, DomainError


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


class CategoryLocaleFormSet(forms.BaseInlineFormSet):
    def locale_items(self) -> list[dict]:
        """The inline as the service's full set of locales: kept rows with their id, new rows without."""
        items = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or self._should_delete_form(form):
                continue
            item = {"locale": form.cleaned_data.get("locale"), "name": form.cleaned_data.get("name")}
            if form.instance.pk is not None and not form.instance._state.adding:
                item["id"] = form.instance.pk
            items.append((form, item))
        return items

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        pairs = self.locale_items()
        try:
            services.clean_locales([item for _form, item in pairs], with_ids=True)
        except BadRequest as exc:
            per_item = exc.details.get("locales", [])
            if per_item and all(isinstance(entry, dict) for entry in per_item):
                for (form, _item), entry in zip(pairs, per_item, strict=False):
                    for field, field_messages in entry.items():
                        form.add_error(field if field in form.fields else None, field_messages)
            else:
                raise forms.ValidationError(exc.messages(fields=False)) from None


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


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("deleted", "Deleted")]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.alive()
        if self.value() == "deleted":
            return queryset.deleted()
        return queryset


@admin.register(Category)
class CategoryAdmin(HistoryAdminMixin, admin.ModelAdmin):
    form = CategoryAdminForm
    inlines = [CategoryLocaleInline]
    list_display = ["names", "icon_preview", "is_archived", "inserted_at", "updated_at", "deleted_at"]
    list_filter = ["is_archived", StatusFilter]
    search_fields = ["locales__name"]
    readonly_fields = ["icon_preview", "inserted_at", "updated_at", "deleted_at"]
    fields = ["svg_icon", "icon_preview", "is_archived", "inserted_at", "updated_at", "deleted_at"]
    actions = ["soft_delete_selected", "restore_selected"]
    list_per_page = 50

    def get_queryset(self, request):
        # all_objects on purpose: editors find deleted categories here to restore them.
        return Category.all_objects.prefetch_related(Prefetch("locales", queryset=locale_queryset()))

    def get_search_results(self, request, queryset, search_term):
        # Live locale names only, as the API's `search`, with a subquery (no duplicate rows).
        term = search_term.strip()
        if not term:
            return queryset, False
        live = CategoryLocale.objects.alive().filter(category=OuterRef("pk"), name__icontains=term)
        return queryset.filter(Exists(live)), False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

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

    def save_model(self, request, obj, form, change):
        # Written in save_related, with the locales of the inline, in one service call.
        pass

    def save_related(self, request, form, formsets, change):
        formset = next(fs for fs in formsets if isinstance(fs, CategoryLocaleFormSet))
        locales = [item for _form, item in formset.locale_items()]
        fields = {"svg_icon": form.cleaned_data.get("svg_icon"), "is_archived": form.cleaned_data["is_archived"]}
        if change:
            saved = services.category_update(category=form.instance, locales=locales, **fields)
        else:
            saved = services.category_create(locales=locales, **fields)
        # The admin logs and redirects with the form's instance: make it the saved row.
        for field in ("id", "svg_icon", "is_archived", "inserted_at", "updated_at", "deleted_at"):
            setattr(form.instance, field, getattr(saved, field))
        form.instance._state.adding = False
        for each in formsets:
            # What the admin's change message reads; the service did the saving.
            each.new_objects, each.changed_objects, each.deleted_objects = [], [], []

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            # The forms checked the input already; this is a concurrent change (409) or
            # a rule the forms do not see. The admin's transaction has been rolled back.
            self.message_user(
                request,
                f"Not saved: {'; '.join(dict.fromkeys([exc.error, *exc.messages(fields=False)]))}",
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description="Soft delete the selected categories")
    def soft_delete_selected(self, request, queryset):
        done = 0
        for category in queryset.filter(deleted_at__isnull=True):
            try:
                services.category_soft_delete(category=category)
                done += 1
            except DomainError:
                pass  # deleted meanwhile by someone else: nothing left to do
        self.message_user(request, f"Soft-deleted {done} categor{'y' if done == 1 else 'ies'}.", messages.SUCCESS)

    @admin.action(description="Restore the selected categories")
    def restore_selected(self, request, queryset):
        done, failed = 0, 0
        for category in queryset.filter(deleted_at__isnull=False):
            try:
                services.category_restore(category=category)
                done += 1
            except DomainError:
                failed += 1
        self.message_user(request, f"Restored {done} categor{'y' if done == 1 else 'ies'}.", messages.SUCCESS)
        if failed:
            self.message_user(request, f"{failed} could not be restored (conflict).", messages.ERROR)
