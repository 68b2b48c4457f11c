"""Exports built in the background: what was asked for, by whom, how far the job has got, and the
file it produced (with its size and SHA-256) until it expires."""

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long a page keeps asking about an export still pending: a job lost by the broker must not
# keep a page polling (and, since every request renews it, its session alive) for ever.
POLL_FOR = dt.timedelta(hours=1)


class Export(models.Model):
    """One requested file (a progress table, the audit workbook, a briefing…), built by a Celery job.

    `kind` names an entry of the registry in targets.exports (not a model choice: kinds are added
    there without a migration). `requested_by` is empty for the exports the portal makes by itself
    (the quarterly briefing, Celery beat). `file` is relative to MEDIA_ROOT and is set only once the
    whole file is in place: a half-written file is never offered.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    # The states in which a job still has work to do (the page polls them).
    PENDING = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=40)
    # {"period": code or None, "unit": code or None, "filters": {…}, "language": "zh-hans" | "en"}
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # Why it failed, in words for the person who asked (the details go to the log).
    error = models.TextField(_("error"), blank=True)
    file = models.CharField(_("file"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # When its job was last handed to the workers (asked for, or tried again).
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="export_by_requester"),
            models.Index(fields=["expires_at"], condition=models.Q(status="done"), name="export_expiry"),
        ]

    def __str__(self) -> str:
        period = self.params.get("period") or ""
        unit = self.params.get("unit") or ""
        return " ".join(part for part in (self.kind, period, unit) if part)

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING

    @property
    def polls(self) -> bool:
        """Return whether its row on the page should keep asking how far it has got."""
        return self.is_pending and timezone.now() - self.queued_at < POLL_FOR

    @property
    def period_code(self) -> str | None:
        return self.params.get("period")

    @property
    def unit_code(self) -> str | None:
        return self.params.get("unit")

    @property
    def language(self) -> str:
        return self.params.get("language") or settings.LANGUAGE_CODE
