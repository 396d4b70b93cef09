"""Test data for categories, made through the services (the same rules as the API)."""

from datetime import datetime

from categories.models import Category
from categories.services import category_create

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="10"/></svg>'


def make_category(
    names: dict[str, str] | None = None,
    *,
    svg_icon: str | None = None,
    is_archived: bool = False,
    inserted_at: datetime | None = None,
) -> Category:
    """make_category({"en": "News", "fr": "Actualités"}) → a live category with those locales."""
    names = names or {"en": "News"}
    category = category_create(
        locales=[{"locale": code, "name": name} for code, name in names.items()],
        svg_icon=svg_icon,
        is_archived=is_archived,
    )
    if inserted_at is not None:
        Category.all_objects.filter(pk=category.pk).update(inserted_at=inserted_at)
        category.inserted_at = inserted_at
    return category
