"""System checks: rendition settings that would only fail on a request are refused at start."""

import re

from django.conf import settings
from django.core import checks

from assets.renditions.specs import PRESET_NAME, InvalidSpec, parse_operation


def check_rendition_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    if not settings.RENDITION_SIGNING_KEYS or not all(settings.RENDITION_SIGNING_KEYS):
        errors.append(checks.Error("RENDITION_SIGNING_KEYS needs at least one non-empty key.", id="assets.E001"))
    for name, operation in settings.RENDITION_PRESETS.items():
        try:
            parse_operation(operation)
        except InvalidSpec as exc:
            errors.append(
                checks.Error(
                    f"RENDITION_PRESETS: the preset {name!r} is not a valid operation: {exc}.", id="assets.E002"
                )
            )
        if not re.fullmatch(PRESET_NAME, name):
            errors.append(
                checks.Error(
                    f"RENDITION_PRESETS: a preset name is a lowercase letter, then letters, digits or _: {name!r}.",
                    id="assets.E003",
                )
            )
    return errors
