"""Reporting periods and the figures units report for them."""

import datetime as dt
import re
from decimal import Decimal

from ..numbers import decimal_text
from ..plan_calendar import quarter_bounds, quarter_code, quarter_of, quarter_ordinal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PERIOD_CODE = re.compile(r"^(\d{4})Q([1-4])$")


class Period(models.Model):
    """A calendar quarter, written `YYYYQn`, with the date its reports are due."""

    code = models.CharField(_("code"), max_length=6, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    due = models.DateField(_("due date"))
    is_open = models.BooleanField(_("open for reporting"), default=False)

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["start"]
        constraints = [models.UniqueConstraint(fields=["year", "quarter"], name="period_unique_quarter")]

    def __str__(self) -> str:
        return self.code

    @staticmethod
    def bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
        """Return the first and last day of a calendar quarter."""
        return quarter_bounds(year, quarter)

    @staticmethod
    def code_for(day: dt.date) -> str:
        return quarter_code(*quarter_of(day))

    def ordinal(self) -> int:
        """Return a number that increases by one per quarter (for q(p) arithmetic)."""
        return quarter_ordinal(self.year, self.quarter)


class Submission(models.Model):
    """One unit's figures for one indicator and period; every edit is a new SubmissionVersion.

    `current` is the version being worked on; `approved` the latest approved one, which alone
    counts for progress. An amendment after approval creates a new current version and goes back
    to review while the approved one keeps counting.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    # The states in which the reporter may still change the figures (the actions enforce it, the
    # API names it among the next steps).
    EDITABLE = (Status.DRAFT, Status.RETURNED)

    indicator = models.ForeignKey(
        "Indicator", on_delete=models.PROTECT, related_name="submissions", verbose_name=_("indicator")
    )
    unit = models.ForeignKey("Unit", on_delete=models.PROTECT, related_name="submissions", verbose_name=_("unit"))
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("period"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    current = models.ForeignKey(
        "SubmissionVersion", null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("current version")
    )
    approved = models.ForeignKey(
        "SubmissionVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved version"),
    )
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "period"], name="submission_unique_slot")
        ]
        # "Do the figures include demo data?" is asked on every dashboard: answered from the demo
        # rows alone (none in production) instead of scanning every submission.
        indexes = [models.Index(fields=["indicator"], condition=models.Q(is_demo=True), name="submission_demo")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.unit.code} {self.period.code}"

    @property
    def is_late(self) -> bool:
        if self.first_submitted_at is None:
            return False
        # The due date is a local (Asia/Shanghai) date: compare the local day of submission.
        return timezone.localdate(self.first_submitted_at) > self.period.due


class SubmissionVersion(models.Model):
    """The figures of one version of a submission; never changed once written."""

    class SelfStatus(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        OFF_TRACK = "off_track", _("Off track")

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    increment = models.DecimalField(_("increment"), max_digits=14, decimal_places=4, null=True, blank=True)
    items = models.JSONField(_("items counted"), default=list, blank=True)
    numerator = models.DecimalField(_("numerator"), max_digits=14, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(_("denominator"), max_digits=14, decimal_places=4, null=True, blank=True)
    done = models.BooleanField(_("done"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    self_status = models.CharField(
        _("self-assessed status"), max_length=10, choices=SelfStatus.choices, blank=True
    )
    narrative = models.TextField(_("narrative"), blank=True)
    note = models.TextField(_("note"), blank=True)
    # Required when the figures are unusual (a jump against earlier quarters).
    explanation = models.TextField(_("explanation of unusual values"), blank=True)
    reason = models.TextField(_("reason for the change"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"))
    # Review stamps: a version is submitted once, then approved or returned once.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("returned by"),
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("submission version")
        verbose_name_plural = _("submission versions")
        ordering = ["submission", "number"]
        constraints = [models.UniqueConstraint(fields=["submission", "number"], name="version_unique_number")]

    def __str__(self) -> str:
        return f"{self.submission} v{self.number}"

    VALUE_FIELDS = (
        "increment", "items", "numerator", "denominator", "done", "completed_on",
        "self_status", "narrative", "note", "explanation",
    )

    def values(self) -> dict:
        """Return the reported values as a dict of JSON-friendly types (for history and audit)."""
        result = {}
        for name in self.VALUE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, (dt.date,)):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = decimal_text(value)  # 12.0000 → "12": exact, no float rounding
            result[name] = value
        return result

    @property
    def ratio_pct(self):
        """Return 100 · numerator / denominator, or None when it cannot be computed."""
        if self.numerator is None or not self.denominator:
            return None
        return 100 * self.numerator / self.denominator


def evidence_path(instance: "Evidence", filename: str) -> str:
    # The stored name is the content hash: a user-supplied name never becomes a path.
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    """A file attached to a submission as evidence (PDF, JPEG, PNG, XLSX or DOCX, ≤ 20 MB)."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="evidence")
    version_number = models.PositiveIntegerField(_("attached at version"))
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ItemClaim(models.Model):
    """An identifier counted for an indicator, and the submission that counts it: one row per
    (indicator, identifier), so two units submitting one item at the same moment cannot both
    succeed (the unique constraint decides, not only a check).

    A submission claims the items of its approved version and, while it is submitted (in review),
    those of its current version too; drafts and returned versions claim nothing. The actions keep
    the rows in step in the transaction that changes the submission (actions/item_claims.py).
    """

    indicator = models.ForeignKey("Indicator", on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator"))
    identifier = models.CharField(_("identifier"), max_length=100)
    # A submission deleted (only demo data ever is) counts nothing any more.
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="item_claims", verbose_name=_("submission")
    )
    name = models.CharField(_("item name"), max_length=200)
    # The name as compared for possible duplicates (same name, another identifier): identifiers.name_key.
    name_key = models.CharField(_("item name (compared)"), max_length=200)

    class Meta:
        verbose_name = _("counted item")
        verbose_name_plural = _("counted items")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "identifier"], name="item_claim_counted_once")
        ]
        indexes = [models.Index(fields=["indicator", "name_key"], name="item_claim_name")]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.identifier}"
