"""The plan as data: goals, task areas, measures, safeguards, indicators and their targets."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..identifiers import CERTIFICATE, IDENTIFIER_CHOICES
from ..kinds import kind_of
from .i18n import Bilingual


class Plan(Bilingual):
    """A development plan and its editable settings (status thresholds, due days)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=300)
    issuer_zh = models.CharField(_("issuing body (Chinese)"), max_length=200)
    issuer_en = models.CharField(_("issuing body (English)"), max_length=300)
    start = models.DateField(_("start"), help_text=_("First day of the first reporting period."))
    horizons = models.JSONField(_("horizons"), default=list)
    source_zh = models.CharField(_("source (Chinese)"), max_length=300, blank=True)
    source_en = models.CharField(_("source (English)"), max_length=300, blank=True)
    assumption_zh = models.TextField(_("assumption (Chinese)"), blank=True)
    assumption_en = models.TextField(_("assumption (English)"), blank=True)
    # Settings of PROGRESS-RULES.md, editable per plan.
    on_track_max_gap = models.DecimalField(_("on-track maximum gap (pp)"), max_digits=6, decimal_places=2)
    at_risk_max_gap = models.DecimalField(_("at-risk maximum gap (pp)"), max_digits=6, decimal_places=2)
    maintain_at_risk_pp = models.DecimalField(
        _("maintain targets: at-risk margin (pp)"), max_digits=6, decimal_places=2
    )
    report_due_days = models.PositiveSmallIntegerField(_("report due days after quarter end"))
    settings_assumption_zh = models.TextField(_("settings assumption (Chinese)"), blank=True)
    settings_assumption_en = models.TextField(_("settings assumption (English)"), blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)
    source_sha256 = models.CharField(_("SHA-256 of the loaded file"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.localized("name")


class Goal(Bilingual):
    """An overall goal for one horizon year (总体目标)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    year = models.PositiveSmallIntegerField(_("year"))
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    indicators = models.ManyToManyField("Indicator", blank=True, related_name="goals", verbose_name=_("indicators"))

    class Meta:
        verbose_name = _("overall goal")
        verbose_name_plural = _("overall goals")
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["plan", "year"], name="goal_unique_year")]

    def __str__(self) -> str:
        return str(self.year)


class Area(Bilingual):
    """A key task area (重点任务)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="areas")
    number = models.PositiveSmallIntegerField(_("number"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=300)

    class Meta:
        verbose_name = _("task area")
        verbose_name_plural = _("task areas")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="area_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.localized('title')}"


class Responsible(models.Model):
    """Who answers for a part of the plan: one lead unit (牵头单位) and its partner units (配合单位).

    The plan file names them for every measure, safeguard and indicator; the lead is null only for
    rows loaded before responsibilities existed or retired since.
    """

    lead_unit = models.ForeignKey(
        "Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="led_%(class)ss", verbose_name=_("lead unit")
    )
    partner_units = models.ManyToManyField(
        "Unit", blank=True, related_name="partnered_%(class)ss", verbose_name=_("partner units")
    )

    class Meta:
        abstract = True


class NumberedText(Bilingual, Responsible):
    """A numbered part of the plan with a title and its full text (measures, safeguards)."""

    number = models.PositiveSmallIntegerField(_("number"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=300)
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    assumption_zh = models.TextField(_("assumption (Chinese)"), blank=True)
    assumption_en = models.TextField(_("assumption (English)"), blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.number}. {self.localized('title')}"


class Measure(NumberedText):
    """A measure (措施), numbered across the whole plan."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="measures")

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["area", "number"], name="measure_unique_number")]


class Safeguard(NumberedText):
    """A safeguard (保障措施)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="safeguards")

    class Meta:
        verbose_name = _("safeguard")
        verbose_name_plural = _("safeguards")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="safeguard_unique_number")]


class Indicator(Bilingual, Responsible):
    """Something reported quarterly and measured against targets; its kind says how (PROGRESS-RULES.md)."""

    class Kind(models.TextChoices):
        CUMULATIVE = "cumulative", _("Cumulative count")
        RATIO_YTD = "ratio_ytd", _("Ratio, year to date")
        RATIO_LATEST = "ratio_latest", _("Ratio, latest state")
        MILESTONE = "milestone", _("Milestone")
        NARRATIVE = "narrative", _("Narrative")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=20)
    # Exactly one home: a measure, a goal's horizon year, or a safeguard.
    measure = models.ForeignKey(
        Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("measure")
    )
    safeguard = models.ForeignKey(
        Safeguard,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("safeguard"),
    )
    goal_year = models.PositiveSmallIntegerField(_("goal year"), null=True, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=300)
    unit_zh = models.CharField(_("unit of measure (Chinese)"), max_length=20)
    unit_en = models.CharField(_("unit of measure (English)"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=4, default=Decimal("0"))
    reporting_units = models.ManyToManyField(
        "Unit", blank=True, related_name="reported_indicators", verbose_name=_("reporting units")
    )
    assumption_zh = models.TextField(_("assumption (Chinese)"), blank=True)
    assumption_en = models.TextField(_("assumption (English)"), blank=True)
    # What a reporter needs to know to count it (the plan file's optional keys after `name`): the
    # definition (口径), what a ratio's numerator and denominator count, how one counted item is
    # written (a name | an identifier), and the time the figures of one report cover.
    definition_zh = models.TextField(_("definition (Chinese)"), blank=True)
    definition_en = models.TextField(_("definition (English)"), blank=True)
    numerator_zh = models.CharField(_("numerator counts (Chinese)"), max_length=300, blank=True)
    numerator_en = models.CharField(_("numerator counts (English)"), max_length=500, blank=True)
    denominator_zh = models.CharField(_("denominator counts (Chinese)"), max_length=300, blank=True)
    denominator_en = models.CharField(_("denominator counts (English)"), max_length=500, blank=True)
    item_label_zh = models.CharField(_("item label (Chinese)"), max_length=100, blank=True)
    item_label_en = models.CharField(_("item label (English)"), max_length=200, blank=True)

    class Covers(models.TextChoices):
        QUARTER = "quarter", _("this quarter only")
        YEAR_TO_DATE = "year_to_date", _("the year to date")
        LATEST = "latest", _("the latest state at the quarter's end")

    figures_cover = models.CharField(_("figures cover"), max_length=20, choices=Covers.choices, blank=True)
    position = models.PositiveSmallIntegerField(_("position in the plan file"), default=0)
    # What identifies each counted item (kinds with items only; identifiers.py), so that no item is
    # counted twice for the indicator: the plan file's `item_identifier`.
    item_identifier = models.CharField(
        _("identifier of counted items"), max_length=20, choices=IDENTIFIER_CHOICES, default=CERTIFICATE
    )
    # Indicators that vanish from the plan file are retired, never deleted: figures point at them.
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["position", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="indicator_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.localized('name')}"

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def unit_of_measure(self) -> str:
        return self.localized("unit")

    @property
    def definition(self) -> str:
        return self.localized("definition")

    @property
    def numerator_counts(self) -> str:
        return self.localized("numerator")

    @property
    def denominator_counts(self) -> str:
        return self.localized("denominator")

    @property
    def item_label(self) -> str:
        """How one counted item is written, e.g. "企业名称 | 统一社会信用代码" (the form's placeholder)."""
        return self.localized("item_label")

    @property
    def covers(self) -> str:
        """The time one report's figures cover: the plan file's word, else its kind's (targets.kinds:
        a count's increment and a year-to-date ratio's counts are the quarter's own; a latest-state
        ratio and a milestone report the state)."""
        return self.figures_cover or kind_of(self.kind).covers

    @property
    def covers_label(self) -> str:
        return str(self.Covers(self.covers).label)

    @property
    def is_numeric(self) -> bool:
        """Say whether the city has a value (a number) of this indicator, not only a status (kinds.py)."""
        return kind_of(self.kind).has_value


class Target(Bilingual):
    """A target of an indicator: reach a value by a deadline, or maintain it through a year."""

    class Mode(models.TextChoices):
        REACH = "reach", _("Reach by the deadline")
        MAINTAIN = "maintain", _("Maintain every year")

    class Comparator(models.TextChoices):
        AT_LEAST = ">=", "≥"
        EQUAL = "=", "="
        AT_MOST = "<=", "≤"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    # A unit's own share of a city target (分解目标); null for the city-wide target.
    unit = models.ForeignKey(
        "Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="targets", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    deadline = models.DateField(_("deadline"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    comparator = models.CharField(_("comparator"), max_length=2, choices=Comparator.choices)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=4)
    stretch = models.DecimalField(_("stretch value"), max_digits=14, decimal_places=4, null=True, blank=True)
    aspirational = models.BooleanField(_("aspirational (力争)"), default=False)
    assumption_zh = models.TextField(_("assumption (Chinese)"), blank=True)
    assumption_en = models.TextField(_("assumption (English)"), blank=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["indicator", "unit", "deadline"]
        constraints = [
            # Two constraints because NULL units are distinct in SQL: one city target per year,
            # one target per unit and year.
            models.UniqueConstraint(
                fields=["indicator", "year"], condition=models.Q(unit__isnull=True), name="target_unique_city_year"
            ),
            models.UniqueConstraint(
                fields=["indicator", "unit", "year"],
                condition=models.Q(unit__isnull=False),
                name="target_unique_unit_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year} {self.get_comparator_display()} {self.value}"
