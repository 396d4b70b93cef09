"""Core's admin: API keys, the audit trail, and the pieces every app's admin shares.

Every admin saves through the services, as the API and the commands do:
`SoftDeleteAdminMixin` gives a soft-deletable model its list (every row, a
live/deleted filter), its actions (soft delete, restore: the app's services)
and no hard delete; `adopt` makes the admin's form instance the saved row.
"""

from collections.abc import Callable
from operator import methodcaller
from urllib.parse import unquote as url_unquote

from auditlog.mixins import AuditlogHistoryAdminMixin
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import model_ngettext, unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.utils.text import capfirst
from rest_framework_api_key.models import APIKey as LibraryAPIKey

from core.exceptions import BadRequest, DomainError
from core.models import ROLE_CHOICES, APIKey, AuditLogEntry
from core.services import api_key_create, api_key_revoke, api_key_update

# The libraries register their own admins: the library's key model (without roles) is
# not used here, and the audit entry's admin is ours (actor label and event shown).
for library_model in (LibraryAPIKey, AuditLogEntry):
    if admin.site.is_registered(library_model):
        admin.site.unregister(library_model)


def adopt(instance, saved) -> None:
    """Make the admin's form instance the row a service saved (the admin logs and redirects with it)."""
    for field in saved._meta.concrete_fields:
        setattr(instance, field.attname, getattr(saved, field.attname))
    instance._state.adding = False


class HistoryAdminMixin(AuditlogHistoryAdminMixin):
    """The admin's "History" button shows the audit trail of the entity (API, admin and commands).

    `history_children` adds the trail of rows that belong to the entity (an
    image's captions, a category's names): `(model, parent field, label)`. Each
    entry then says what it is about: "caption en of “Harbour at dawn”".
    """

    auditlog_history_per_page = 50
    history_children: tuple = ()

    def history_view(self, request, object_id, extra_context=None):
        # The id as the admin writes it in its links (its unquote: "$" is "_24" there, as in
        # an API key's id "prefix.sha512$$…"); the object found here is the one the page shows.
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            # An erased row or a stale link: back to the index with Django's message, as
            # Django's own history view does.
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return self._history_page(request, obj, extra_context)

    def history_entries(self, obj):
        """The entity's entries and its children's, newest first (children erased since included)."""
        own = ContentType.objects.get_for_model(self.model)
        condition = Q(content_type=own, object_pk=str(obj.pk))
        labels = {}
        for model, parent_field, label in self.history_children:
            kind = ContentType.objects.get_for_model(model)
            labels[kind.pk] = label
            # _base_manager: soft-deleted children too. Erased ones are found by their
            # creation entry, which recorded the parent (auditlog stores the FK's value).
            pks = {str(pk) for pk in model._base_manager.filter(**{parent_field: obj}).values_list("pk", flat=True)}
            created = AuditLogEntry.objects.filter(
                content_type=kind, action=AuditLogEntry.Action.CREATE, **{f"changes__{parent_field}__1": str(obj.pk)}
            )
            pks |= set(created.values_list("object_pk", flat=True))
            condition |= Q(content_type=kind, object_pk__in=pks)
        entries = AuditLogEntry.objects.filter(condition).select_related("actor").order_by("-timestamp", "-pk")
        return entries, labels

    def auditlog_history_view(self, request, object_id, extra_context=None):
        # django-auditlog's own URL (<id>/auditlog/), still routed: the id as that library
        # writes it (percent-encoded, urllib's unquote), then the same page as history_view.
        obj = self.get_object(request, url_unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise PermissionDenied
        return self._history_page(request, obj, extra_context)

    def _history_page(self, request, obj, extra_context=None):
        """django-auditlog's history page, with the children's entries and a subject on each entry."""
        entries, labels = self.history_entries(obj)
        paginator = self.get_paginator(request, entries, self.auditlog_history_per_page)
        page_obj = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        for entry in page_obj:
            label = labels.get(entry.content_type_id)
            if label:
                entry.subject = f"{label} {entry.object_repr} of “{obj}”"
            elif labels:
                entry.subject = f"{self.model._meta.verbose_name} “{obj}”"
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "module_name": str(capfirst(self.model._meta.verbose_name_plural)),
            "page_range": paginator.get_elided_page_range(page_obj.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.count > self.auditlog_history_per_page,
            "object": obj,
            "opts": self.model._meta,
            "log_entries": page_obj,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.auditlog_history_template, context)


class NarrowingFilter(admin.SimpleListFilter):
    """A list filter whose choices each narrow the queryset their own way.

    `narrowings` maps each choice's value to its label and what it does to the
    queryset (a function of it); no choice made, nothing narrowed.
    """

    narrowings: dict[str, tuple[str, Callable]] = {}

    def chosen(self) -> str | None:
        return self.value()

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _narrow) in self.narrowings.items()]

    def queryset(self, request, queryset):
        choice = self.narrowings.get(self.chosen())
        return choice[1](queryset) if choice else queryset


class DeletedFilter(NarrowingFilter):
    """Live / deleted / all, for admins whose queryset is `all_objects`.

    The default is the admin's `deleted_filter_default` ("live" unless it says otherwise).
    """

    title = "status"
    parameter_name = "status"
    narrowings = {
        "live": ("Live", methodcaller("alive")),
        "deleted": ("Deleted", methodcaller("deleted")),
        "all": ("All", lambda queryset: queryset),
    }

    def __init__(self, request, params, model, model_admin):
        self.default = getattr(model_admin, "deleted_filter_default", "live")
        super().__init__(request, params, model, model_admin)

    def chosen(self) -> str | None:
        return self.value() or self.default

    def choices(self, changelist):
        value = self.chosen()
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ServiceItemsFormSet(forms.BaseInlineFormSet):
    """An inline whose rows the parent's service saves as one full set (`items()`).

    The rows are checked with the service's own cleaner (`clean_items`), so that
    its per-item errors show on the rows they are about.
    """

    item_fields: tuple[str, ...] = ()
    with_ids = False  # whether kept rows carry their id (the service matches rows by id)

    def clean_items(self, items: list[dict]) -> None:
        raise NotImplementedError

    def items(self) -> list[tuple[forms.Form, dict]]:
        """(form, item) for each row kept: new rows without an id, kept rows with it when `with_ids`."""
        items = []
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or self._should_delete_form(form):
                continue
            item = {name: form.cleaned_data.get(name) for name in self.item_fields}
            if self.with_ids and form.instance.pk is not None and not form.instance._state.adding:
                item["id"] = form.instance.pk
            items.append((form, item))
        return items

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        pairs = self.items()
        try:
            self.clean_items([item for _form, item in pairs])
        except BadRequest as exc:
            per_item = (exc.details or {}).get("locales", [])
            if per_item and all(isinstance(entry, dict) for entry in per_item):
                for (form, _item), entry in zip(pairs, per_item, strict=False):
                    for field, field_messages in entry.items():
                        form.add_error(field if field in form.fields else None, field_messages)
            else:
                raise forms.ValidationError(exc.messages(fields=False)) from None

    def saved(self) -> None:
        """Tell the admin's change message that the service did the saving (no row saved here)."""
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []


class ServiceSaveAdminMixin:
    """An admin whose `save_related` saves the form and its inline in one service call.

    A domain error there (a concurrent change, a rule the forms do not see) is
    shown as a message; the admin's transaction has been rolled back.
    """

    def save_model(self, request, obj, form, change):
        pass  # written in save_related, with the rows of the inline

    def save_with_service(self, form, items: list[dict], change: bool):
        """Call the app's create or update service with the form and the inline's items; return the row."""
        raise NotImplementedError

    def save_related(self, request, form, formsets, change):
        formset = next(fs for fs in formsets if isinstance(fs, ServiceItemsFormSet))
        saved = self.save_with_service(form, [item for _form, item in formset.items()], change)
        adopt(form.instance, saved)
        formset.saved()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            text = "; ".join(dict.fromkeys([exc.error, *exc.messages(fields=False)]))
            self.message_user(request, f"Not saved: {text}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class SoftDeleteAdminMixin:
    """The admin of a soft-deletable model; the app names its services in `soft_delete_one` / `restore_one`.

    Erasing for good is the `purge_deleted` command's job, so there is no delete here.
    """

    actions = ["soft_delete_selected", "restore_selected"]
    deleted_filter_default = "live"

    def soft_delete_one(self, obj) -> None:
        raise NotImplementedError

    def restore_one(self, obj) -> None:
        raise NotImplementedError

    def get_queryset(self, request):
        # all_objects on purpose: editors find deleted rows (status filter) to restore them.
        queryset = self.model.all_objects.all()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def apply_each(self, request, objects, apply, refused: str = "") -> int:
        """`apply` to each object; how many it went through for. A refusal is said with `refused`
        (a template of `obj` and `reason`), or passed over when there is none."""
        done = 0
        for obj in objects:
            try:
                apply(obj)
                done += 1
            except DomainError as exc:
                if refused:
                    self.message_user(request, refused.format(obj=obj, reason=" ".join(exc.messages())), messages.ERROR)
        return done

    @admin.action(description="Soft delete the selected %(verbose_name_plural)s")
    def soft_delete_selected(self, request, queryset):
        # A refusal: deleted meanwhile by someone else, nothing left to do.
        done = self.apply_each(request, queryset.alive(), self.soft_delete_one)
        self.message_user(request, f"Soft-deleted {done} {model_ngettext(self.opts, done)}.", messages.SUCCESS)

    @admin.action(description="Restore the selected %(verbose_name_plural)s")
    def restore_selected(self, request, queryset):
        refused = "“{obj}” was not restored: {reason}"
        done = self.apply_each(request, queryset.deleted(), self.restore_one, refused)
        self.message_user(request, f"Restored {done} {model_ngettext(self.opts, done)}.", messages.SUCCESS)


class APIKeyForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = APIKey
        fields = ["name", "roles", "expiry_date", "revoked"]


@admin.register(APIKey)
class APIKeyAdmin(HistoryAdminMixin, admin.ModelAdmin):
    """Keys are created (the key shown once) and edited through the same services as `create_api_key`."""

    form = APIKeyForm
    list_display = ["prefix", "name", "roles_display", "created", "expiry_date", "last_used_at", "revoked"]
    list_filter = ["revoked", "created"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "created", "last_used_at"]
    actions = ["revoke_keys"]

    @admin.display(description="roles")
    def roles_display(self, obj: APIKey) -> str:
        return ", ".join(obj.roles)

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.revoked:
            fields += ["name", "roles", "expiry_date", "revoked"]
        return fields

    def save_model(self, request, obj, form, change):
        # The form has put its values on obj (read-only fields keep the row's).
        fields = {"name": obj.name, "roles": obj.roles, "expiry_date": obj.expiry_date}
        if change:
            saved = api_key_update(api_key=obj, revoked=obj.revoked, **fields)
        else:
            saved, key = api_key_create(**fields)
            if obj.revoked:
                saved = api_key_revoke(api_key=saved)
        adopt(obj, saved)
        if not change:
            # Kept on this request only, for response_add: never in a message (they travel
            # in a cookie), the session or a log.
            request.new_api_key = key

    def response_add(self, request, obj, post_url_continue=None):
        """The new key on a page of its own, answered to the POST itself and never cached."""
        raw_key = getattr(request, "new_api_key", None)
        if raw_key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"API key {obj.name} created",
            "api_key": obj,
            "raw_key": raw_key,
        }
        response = TemplateResponse(request, "admin/core/apikey/key_created.html", context)
        add_never_cache_headers(response)
        return response

    @admin.action(description="Revoke the selected API keys")
    def revoke_keys(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} key(s).", messages.SUCCESS)


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    """Nobody edits the trail: no add, change or delete, from any admin user."""

    list_display = ["timestamp", "event", "content_type", "object_repr", "object_pk", "actor_label", "changed"]
    list_filter = ["event", "content_type"]
    search_fields = ["object_pk", "object_repr", "actor_label"]
    date_hierarchy = "timestamp"
    list_select_related = ["content_type"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="changed fields")
    def changed(self, obj) -> str:
        return ", ".join(sorted((obj.changes or {}).keys()))
