"""Writes for asset images: every interface (REST, admin, commands) calls these."""

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from assets.models import AssetImage, AssetImageLocale, Gravity, StoredFile
from assets.selectors import image_queryset
from assets.storage import hash_file, inspect_image, storage_key
from core import search
from core import services as core_services
from core.exceptions import BadRequest, Conflict, EntityNotFound
from core.sanitize import html_to_text, sanitize_caption_html
from core.validators import is_language_tag, normalize_language_tag


def _holds(key: str, sha256: str) -> bool:
    """Whether the stored file at key has exactly these bytes."""
    with default_storage.open(key, "rb") as handle:
        return hash_file(handle)[0] == sha256


def stored_file_upload(*, file) -> tuple[StoredFile, bool]:
    """Store an uploaded image by its content; returns (record, created).

    The file is written before its record, so a crash in between leaves an
    orphan file (found by `verify_assets`), never a record without its file.
    """
    sha256 = getattr(file, "sha256", "") or None
    size = getattr(file, "size", None)
    if sha256 is None or size is None:
        sha256, size = hash_file(file)
    info = inspect_image(file)
    existing = StoredFile.objects.filter(sha256=sha256).first()
    if existing is not None and default_storage.exists(existing.key):
        return existing, False
    key = existing.key if existing is not None else storage_key(sha256, info.extension)
    if existing is None and default_storage.exists(key) and not _holds(key, sha256):
        # A file at the key but no record: a leftover, possibly cut short by a crash
        # while it was copied into place. Never adopt it unchecked: store the bytes again.
        default_storage.delete(key)
    if not default_storage.exists(key):
        file.seek(0)
        # Object storage serves the file with the type it is saved with, which would be the
        # client's declared one (text/html, say): store what the bytes were judged to be.
        file.content_type = info.content_type
        saved = default_storage.save(key, file)
        if saved != key:
            # Another request stored the same bytes in between: keep one copy.
            default_storage.delete(saved)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            record = StoredFile.objects.create(
                key=key,
                sha256=sha256,
                byte_size=size,
                content_type=info.content_type,
                width=info.width,
                height=info.height,
                orientation=info.orientation,
            )
    except IntegrityError:
        return StoredFile.objects.get(sha256=sha256), False
    return record, True


CREDIT_MAX_LENGTH = AssetImageLocale._meta.get_field("credit").max_length


def clean_locales(locales) -> list[dict]:
    """The locale entries checked and cleaned (normalized tag, sanitized caption); BadRequest per item."""
    cleaned, seen, errors = [], set(), {}
    for index, item in enumerate(locales or []):
        code = item.get("locale", "")
        if not is_language_tag(code):
            errors[index] = {"locale": ["Enter a well-formed BCP 47 language tag (such as en, fr, pt-BR)."]}
            continue
        code = normalize_language_tag(code)
        if code in seen:
            errors[index] = {"locale": [f"The locale {code} is given more than once."]}
            continue
        seen.add(code)
        credit = item.get("credit", "") or ""
        if len(credit) > CREDIT_MAX_LENGTH:
            # The column's limit: PostgreSQL would refuse the row with a 500 otherwise.
            errors[index] = {"credit": [f"Give a credit of at most {CREDIT_MAX_LENGTH} characters."]}
            continue
        caption_html = sanitize_caption_html(item.get("caption_html", "") or "")
        cleaned.append(
            {"locale": code, "credit": credit, "caption_html": caption_html, "caption_text": html_to_text(caption_html)}
        )
    if errors:
        raise BadRequest({"locales": [errors.get(i, {}) for i in range(len(locales))]})
    return cleaned


def image_search_text(*, name: str, locales) -> str:
    """What a search of images matches (core.search): the name, then the credits and the caption
    text of every locale, in the order of their codes. `locales`: mappings, such as clean_locales'
    items or the rows of `_search_locales`."""
    ordered = sorted(locales, key=lambda item: item.get("locale") or "")
    credits = [item.get("credit") or "" for item in ordered]
    # caption_text: the caption's text, derived once by clean_locales and stored with the row.
    captions = [item.get("caption_text") or "" for item in ordered]
    return search.joined([name, *credits, *captions])


def _search_locales(image_id):
    """The stored locales of an image as image_search_text reads them (one query, no instances)."""
    return AssetImageLocale.objects.filter(image_id=image_id).values("locale", "credit", "caption_text")


def image_reindex(*, image: AssetImage) -> AssetImage:
    """Write the image's `search_text` again from its name and stored locales, for rows written
    around the services (a data fix in SQL, the test factories)."""
    text = image_search_text(name=image.name, locales=_search_locales(image.pk))
    # update(): a derived column, not a change of the image (no audit entry, updated_at kept).
    AssetImage.all_objects.filter(pk=image.pk).update(search_text=text)
    image.search_text = text
    return image


def _live_conflict(stored: StoredFile) -> Conflict:
    live = AssetImage.objects.filter(file=stored).values_list("id", flat=True).first()
    return Conflict({"file_key": ["A live image already uses this file."], "existing_id": str(live) if live else None})


@transaction.atomic
def image_create(
    *,
    file_key: str,
    name: str,
    file_hash: str | None = None,
    gravity: str = Gravity.CENTER,
    locales: list[dict] | None = None,
) -> AssetImage:
    """Describe an uploaded file; at most one live image per file (409 otherwise)."""
    stored = StoredFile.objects.filter(key=file_key).first()
    if stored is None:
        raise BadRequest({"file_key": ["No uploaded file has this key. Upload the file first."]})
    if file_hash is not None and file_hash.lower() != stored.sha256:
        raise BadRequest({"file_hash": ["Does not match the SHA-256 of the stored file."]})
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise BadRequest({"name": ["Give a name of 1 to 255 characters."]})
    if gravity not in Gravity.values:
        raise BadRequest({"gravity": [f"Choose one of: {', '.join(Gravity.values)}."]})
    cleaned = clean_locales(locales)
    if AssetImage.objects.filter(file=stored).exists():
        raise _live_conflict(stored)
    try:
        with transaction.atomic():
            image = AssetImage.objects.create(
                file=stored, name=name, gravity=gravity, search_text=image_search_text(name=name, locales=cleaned)
            )
    except IntegrityError:
        # A concurrent request created the live image between the check and the insert.
        raise _live_conflict(stored) from None
    for item in cleaned:  # one by one (few rows): the audit trail records each through signals
        AssetImageLocale.objects.create(image=image, **item)
    return image_queryset(include_deleted=True).get(pk=image.pk)


def image_create_from_upload(
    *, file, name: str, gravity: str = Gravity.CENTER, locales: list[dict] | None = None
) -> tuple[AssetImage, bool]:
    """Store an uploaded file and describe it: (image, created).

    A file some live image already uses is not stored again: that image is
    returned with created=False (the admin's upload and `import_images` call
    this, so both judge a duplicate the same way).
    """
    if not getattr(file, "sha256", None) or getattr(file, "size", None) is None:
        file.sha256, file.size = hash_file(file)
    live = AssetImage.objects.filter(file__sha256=file.sha256).select_related("file").first()
    if live is not None:
        return live, False
    stored, _created = stored_file_upload(file=file)
    return image_create(file_key=stored.key, name=name, gravity=gravity, locales=locales), True


# What a locale row holds besides its code: written from a clean_locales item.
_LOCALE_FIELDS = ("credit", "caption_html", "caption_text")


def _update_locale_row(row: AssetImageLocale, item: dict) -> None:
    """Write a clean_locales item's values into a stored locale row, saved only when one of them
    differs: an unchanged locale writes nothing and leaves no audit entry."""
    if any(getattr(row, field) != item[field] for field in _LOCALE_FIELDS):
        for field in _LOCALE_FIELDS:
            setattr(row, field, item[field])
        row.save(update_fields=list(_LOCALE_FIELDS))


@transaction.atomic
def image_update(
    *,
    image: AssetImage,
    name: str | None = None,
    gravity: str | None = None,
    stored_file: StoredFile | None = None,
    locales: list[dict] | None = None,
) -> AssetImage:
    """Change what is given; `locales`, when given, is the new full set (by locale tag).

    A new file that another live image uses is a 409, as on create.
    """
    locked = AssetImage.objects.select_for_update().filter(pk=image.pk).first()
    if locked is None:
        raise EntityNotFound()
    if name is not None:
        name = name.strip()
        if not name or len(name) > 255:
            raise BadRequest({"name": ["Give a name of 1 to 255 characters."]})
        locked.name = name
    if gravity is not None:
        if gravity not in Gravity.values:
            raise BadRequest({"gravity": [f"Choose one of: {', '.join(Gravity.values)}."]})
        locked.gravity = gravity
    cleaned = clean_locales(locales) if locales is not None else None
    if stored_file is not None and stored_file.pk != locked.file_id:
        if AssetImage.objects.filter(file=stored_file).exclude(pk=locked.pk).exists():
            raise _live_conflict(stored_file)
        locked.file = stored_file
    if name is not None or cleaned is not None:
        # The new locales when given, else the stored ones (read once).
        current = cleaned if cleaned is not None else _search_locales(locked.pk)
        locked.search_text = image_search_text(name=locked.name, locales=current)
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        raise _live_conflict(locked.file) from None
    if cleaned is not None:
        wanted = {item["locale"]: item for item in cleaned}
        for row in locked.locales.all():  # one by one: the audit trail records each through signals
            item = wanted.pop(row.locale, None)
            if item is None:
                row.delete()
            else:
                _update_locale_row(row, item)
        for item in wanted.values():
            AssetImageLocale.objects.create(image=locked, **item)
    return image_queryset(include_deleted=True).get(pk=locked.pk)


@transaction.atomic
def image_locale_set(
    *, image: AssetImage, locale: str, caption_html: str | None = None, credit: str | None = None
) -> AssetImageLocale:
    """Set the caption and/or the credit of one locale (created when missing); None keeps a value."""
    # Locked, as in image_update: concurrent edits of one image run one after the other;
    # a deleted image is read-only until restored.
    locked = AssetImage.objects.select_for_update().filter(pk=image.pk).first()
    if locked is None:
        raise EntityNotFound()
    current = locked.locales.filter(locale=normalize_language_tag(locale) if is_language_tag(locale) else locale)
    current = current.first()
    item = {
        "locale": locale,
        "credit": credit if credit is not None else (current.credit if current else ""),
        "caption_html": caption_html if caption_html is not None else (current.caption_html if current else ""),
    }
    (cleaned,) = clean_locales([item])
    if current is None:
        row = AssetImageLocale.objects.create(image=locked, **cleaned)
    else:
        row = current
        _update_locale_row(row, cleaned)
    # The image's representation changed, and what a search matches with it.
    locked.search_text = image_search_text(name=locked.name, locales=_search_locales(locked.pk))
    locked.save(update_fields=["search_text", "updated_at"])
    return row


def image_soft_delete(*, image: AssetImage) -> AssetImage:
    return core_services.soft_delete(instance=image)


def image_restore(*, image: AssetImage) -> AssetImage:
    """Restore; 409 when another live image took its file meanwhile."""

    def details(instance):
        live = AssetImage.objects.filter(file_id=instance.file_id).values_list("id", flat=True).first()
        # None when the live image was deleted between the refusal and this read: null, not "None".
        return {"file_key": ["Another live image uses this file."], "existing_id": str(live) if live else None}

    return core_services.restore(instance=image, conflict_details=details)


def images_purge_deleted(*, cutoff, dry_run: bool = False) -> int:
    """Erase images (and their captions) soft-deleted before the cutoff."""
    return core_services.erase_soft_deleted(queryset=AssetImage.all_objects.all(), cutoff=cutoff, dry_run=dry_run)


def stored_files_purge_unused(*, cutoff, dry_run: bool = False) -> int:
    """Erase stored files that no image (live or deleted) uses, uploaded before the cutoff.

    Recent uploads are kept: a client uploads first and creates the image
    after. The record goes first, then the bytes, so a crash in between leaves
    an orphan file (verify_assets), never a record without its file.
    """
    unused = StoredFile.objects.filter(created_at__lt=cutoff, images__isnull=True)
    if dry_run:
        return unused.count()
    erased = 0
    for pk in unused.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            stored = StoredFile.objects.select_for_update().filter(pk=pk).first()
            if stored is None or AssetImage.all_objects.filter(file_id=pk).exists():
                continue
            key = stored.key
            stored.delete()
        default_storage.delete(key)
        erased += 1
    return erased
