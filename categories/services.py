"""Writes for categories: every interface (REST, admin, commands) calls these.

Locale rules (contract §5), the same for the API and the admin:
- a locale code is a well-formed BCP 47 tag, stored in its canonical casing;
- a name has 1 to 255 characters;
- at most one live locale per code and category (a conditional unique
  constraint in the database); a category keeps at least one live locale.

Conflicts. A PATCH's `locales` is the new full set, so within one request a
code can only clash with another item of the same request, which is a 400
(the request itself is invalid: "given more than once"). Changing a locale's
code to the code of another live locale that the request leaves out is not a
clash: that other locale is soft-deleted by the same request. A 409 is left
for a write that loses a race with another one (the database's constraint
answers, `IntegrityError` → `Conflict`). A category has no uniqueness rule of
its own, and its locales are left as they are by a soft delete, so restoring a
category cannot conflict; it is still translated to a 409 should a rule appear.
"""

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from categories.models import Category, CategoryLocale
from categories.selectors import category_queryset
from core import search
from core import services as core_services
from core.exceptions import BadRequest, Conflict, EntityNotFound
from core.sanitize import sanitize_svg
from core.validators import is_language_tag, normalize_language_tag

NAME_MAX_LENGTH = 255
MAX_LOCALES = 200


class _Unset:
    """A PATCH field that was not sent (as opposed to one sent as null)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def clean_svg_icon(svg_icon: str | None) -> str | None:
    """None stays None (no icon); markup is sanitized, or a 400 on `svg_icon`."""
    return None if svg_icon is None else sanitize_svg(svg_icon)


def clean_locales(locales: Iterable[Mapping[str, Any]] | None, *, with_ids: bool) -> list[dict]:
    """Checked and normalized locale items: `{"locale", "name"}` (plus `"id"` when `with_ids`).

    400 with details per item (a list aligned with the request) for a bad tag,
    a bad name, or a code or id given twice; 400 when the list is empty.
    """
    if locales is None or isinstance(locales, str | bytes | Mapping):
        raise BadRequest({"locales": ["Send a list of locales."]})
    items = list(locales)
    if not items:
        raise BadRequest({"locales": ["Give at least one locale."]})
    if len(items) > MAX_LOCALES:
        raise BadRequest({"locales": [f"Give at most {MAX_LOCALES} locales."]})
    cleaned, errors = [], {}
    seen_codes: dict[str, int] = {}
    seen_ids: dict[Any, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            errors[index] = {"locale": ["Send each locale as an object with `locale` and `name`."]}
            continue
        item_errors: dict[str, list[str]] = {}
        code, name = item.get("locale"), item.get("name")
        if not isinstance(code, str) or not is_language_tag(code):
            item_errors["locale"] = ["Enter a well-formed BCP 47 language tag (such as en, fr, pt-BR)."]
        else:
            code = normalize_language_tag(code)
            if code in seen_codes:
                item_errors["locale"] = [
                    f"The locale {code} is given more than once (first at item {seen_codes[code]})."
                ]
            seen_codes.setdefault(code, index)
        if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX_LENGTH:
            item_errors["name"] = [f"Give a name of 1 to {NAME_MAX_LENGTH} characters."]
        entry = {"locale": code, "name": name}
        locale_id = item.get("id") if with_ids else None
        if locale_id is not None:
            try:
                locale_id = uuid.UUID(str(locale_id))
            except ValueError:
                item_errors["id"] = ["Must be a valid UUID."]
            else:
                if locale_id in seen_ids:
                    item_errors["id"] = [f"This locale id is given more than once (item {seen_ids[locale_id]})."]
                seen_ids.setdefault(locale_id, index)
                entry["id"] = locale_id
        if item_errors:
            errors[index] = item_errors
        cleaned.append(entry)
    if errors:
        raise BadRequest({"locales": [errors.get(index, {}) for index in range(len(items))]})
    return cleaned


def _clean_is_archived(is_archived: Any) -> bool:
    if not isinstance(is_archived, bool):
        raise BadRequest({"is_archived": ["Must be true or false."]})
    return is_archived


def category_search_text(locales: Iterable[Mapping[str, Any]]) -> str:
    """What a search of categories matches (core.search): the names of the live locales, in the
    order of their codes. Every write of the locales goes through the services below, and each
    one knows the new live set: no read is needed to write it."""
    return search.joined(item["name"] for item in sorted(locales, key=lambda item: item["locale"]))


def _locale_conflict() -> Conflict:
    return Conflict({"locales": ["Another live locale of this category has this code (a concurrent change?)."]})


@transaction.atomic
def category_create(
    *,
    locales: Iterable[Mapping[str, Any]],
    svg_icon: str | None = None,
    is_archived: bool = False,
) -> Category:
    """A new category with its locales (an `id` in a locale item is ignored, contract §2)."""
    cleaned = clean_locales(locales, with_ids=False)
    svg_icon = clean_svg_icon(svg_icon)
    is_archived = _clean_is_archived(is_archived)
    try:
        with transaction.atomic():
            category = Category.objects.create(
                svg_icon=svg_icon, is_archived=is_archived, search_text=category_search_text(cleaned)
            )
            for item in cleaned:  # one by one (few rows): the audit trail records each through signals
                CategoryLocale.objects.create(category=category, locale=item["locale"], name=item["name"])
    except IntegrityError:
        raise _locale_conflict() from None
    return category_queryset().get(pk=category.pk)


def _plan_locales(category: Category, items: list[dict]):
    """Match the new full set against the live locales: (updates, creates, ids to delete).

    Items with an `id` claim their locale first; an item without one takes the
    live locale with its code if no other item claimed it, else it is new.
    """
    live = {loc.id: loc for loc in CategoryLocale.objects.filter(category=category).alive()}
    errors = {}
    for index, item in enumerate(items):
        if "id" in item and item["id"] not in live:
            errors[index] = {"id": ["No live locale of this category has this id."]}
    if errors:
        raise BadRequest({"locales": [errors.get(index, {}) for index in range(len(items))]})
    claimed = {item["id"] for item in items if "id" in item}
    by_code = {loc.locale: loc for loc in live.values() if loc.id not in claimed}
    updates, creates = [], []
    for item in items:
        current = live[item["id"]] if "id" in item else by_code.pop(item["locale"], None)
        if current is None:
            creates.append(item)
        else:
            claimed.add(current.id)
            updates.append((current, item))
    return updates, creates, [loc_id for loc_id in live if loc_id not in claimed]


def _apply_locales(category: Category, items: list[dict]) -> None:
    """Write the plan with save() and create(), so that the audit trail records each change."""
    updates, creates, to_delete = _plan_locales(category, items)
    now = timezone.now()
    for locale in CategoryLocale.objects.filter(pk__in=to_delete):
        locale.deleted_at = now
        locale.save(update_fields=["deleted_at"])
    # Live codes of the locales that stay, to order renames: `fr→de` before `en→fr`.
    held = {current.locale: current.id for current, _item in updates}
    pending = [
        (current, item) for current, item in updates if (current.locale, current.name) != (item["locale"], item["name"])
    ]
    while pending:
        ready = [pair for pair in pending if held.get(pair[1]["locale"], pair[0].id) == pair[0].id]
        if not ready:
            # A cycle (en→fr with fr→en): one of them steps aside under a private-use
            # code first, with update() as it is no change of its own (the audit entry
            # of its final save shows this code as the old value, the price of a swap).
            current = pending[0][0]
            parked = f"x-swap-{current.id.hex[:8]}"
            CategoryLocale.objects.filter(pk=current.id).update(locale=parked)
            del held[current.locale]
            current.locale = parked
            held[parked] = current.id
            continue
        for current, item in ready:
            held.pop(current.locale, None)
            current.locale, current.name = item["locale"], item["name"]
            current.save(update_fields=["locale", "name"])
            held[current.locale] = current.id
        pending = [pair for pair in pending if pair not in ready]
    # Last: a new locale may take the code another one just gave up.
    for item in creates:
        CategoryLocale.objects.create(category=category, locale=item["locale"], name=item["name"])


@transaction.atomic
def category_update(
    *,
    category: Category,
    locales: Iterable[Mapping[str, Any]] | None = UNSET,
    svg_icon: str | None = UNSET,
    is_archived: bool = UNSET,
) -> Category:
    """PATCH (contract §5): only the fields given change; `locales` is the new full set.

    Everything happens in one transaction: a 400 or 409 leaves the category
    and its locales as they were.
    """
    # Lock the category: concurrent updates of one category run one after the other.
    locked = Category.objects.select_for_update().filter(pk=category.pk).first()
    if locked is None:
        raise EntityNotFound()
    changes = {}
    if svg_icon is not UNSET:
        changes["svg_icon"] = clean_svg_icon(svg_icon)
    if is_archived is not UNSET:
        changes["is_archived"] = _clean_is_archived(is_archived)
    cleaned = clean_locales(locales, with_ids=True) if locales is not UNSET else None
    if changes or cleaned is not None:
        try:
            with transaction.atomic():
                if cleaned is not None:
                    _apply_locales(locked, cleaned)
                    # The new full set is the live set now.
                    changes["search_text"] = category_search_text(cleaned)
                for field, value in changes.items():
                    setattr(locked, field, value)
                # updated_at moves when only the locales changed too: the category's representation did.
                locked.save(update_fields=[*changes, "updated_at"])
        except IntegrityError:
            raise _locale_conflict() from None
    return category_queryset().get(pk=locked.pk)


def category_soft_delete(*, category: Category) -> Category:
    """Set `deleted_at`; the locales stay as they are, so a restore brings the category back whole."""
    return core_services.soft_delete(instance=category)


def category_restore(*, category: Category) -> Category:
    """Clear `deleted_at` (idempotent on a live category); returns it with its live locales."""
    core_services.restore(instance=category)
    return category_queryset().get(pk=category.pk)


def categories_purge_deleted(*, cutoff, dry_run: bool = False) -> int:
    """Erase categories (and all their locales) soft-deleted before the cutoff."""
    return core_services.erase_soft_deleted(queryset=Category.all_objects.all(), cutoff=cutoff, dry_run=dry_run)


def category_locales_purge_deleted(*, cutoff, dry_run: bool = False) -> int:
    """Erase locales soft-deleted before the cutoff (replaced or removed names of categories)."""
    return core_services.erase_soft_deleted(queryset=CategoryLocale.objects.all(), cutoff=cutoff, dry_run=dry_run)
