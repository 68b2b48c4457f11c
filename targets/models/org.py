from django.db import models
from django.utils.translation import gettext_lazy as _

from .i18n import Bilingual


class Unit(Bilingual):
    """An organisational unit: the city, a county-level division or a city department."""

    class Kind(models.TextChoices):
        CITY = "city", _("City")
        COUNTY = "county", _("County-level division")
        DEPARTMENT = "department", _("City department")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    assumption_zh = models.TextField(_("assumption (Chinese)"), blank=True)
    assumption_en = models.TextField(_("assumption (English)"), blank=True)
    # Units that vanish from the plan file are retired, never deleted: figures may point at them.
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.localized('name')}"

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def is_city(self) -> bool:
        return self.kind == self.Kind.CITY
