"""Bilingual content: plan texts are stored in Chinese and English side by side."""

from django.db import models
from django.utils.translation import get_language


def localized(obj: object, field: str) -> str:
    """Return `obj.<field>_en` when the active language is English, else `obj.<field>_zh`.

    Falls back to the Chinese text when the English one is empty: the plan is Chinese first.
    """
    language = (get_language() or "zh-hans").lower()
    if language.startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, f"{field}_zh")


class Bilingual(models.Model):
    """Give models with `name_zh/name_en` (or `title_*`, `text_*`) localized accessors."""

    class Meta:
        abstract = True

    def localized(self, field: str) -> str:
        return localized(self, field)
