"""Progress snapshots: the engine's output rows, which dashboards, the API and exports read."""

from django.db import models
from django.utils.translation import gettext_lazy as _

DECIMAL = {"max_digits": 28, "decimal_places": 10, "null": True, "blank": True}


class ProgressSnapshot(models.Model):
    """One output row of PROGRESS-RULES.md: an indicator, a unit (the city unit for the city), a period."""

    class Status(models.TextChoices):
        NO_DATA = "no_data", _("No data")
        NO_TARGET = "no_target", _("No target")
        ACHIEVED = "achieved", _("Achieved")
        ACHIEVED_LATE = "achieved_late", _("Achieved late")
        MISSED = "missed", _("Missed")
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        OFF_TRACK = "off_track", _("Off track")

    # Snapshots are derived data, rewritten whole by every recompute: database-level foreign-key
    # checks, single-column indexes and a surrogate id would cost more than the computation itself
    # (bench/), and the engine only ever writes ids it has just read. The natural key is the primary
    # key and the only index: every read names the indicators it wants (a page's, or the plan's
    # active ones), so it probes the key; an index on period would add a third of the write time
    # of a full recompute (bench/results/progress.md). On PostgreSQL the table is UNLOGGED
    # (migration 0006): not written twice through the WAL; after a crash it comes back empty and the
    # outbox relay recomputes it (targets.actions.outbox.relay_pending).
    pk = models.CompositePrimaryKey("indicator", "unit", "period")
    indicator = models.ForeignKey(
        "Indicator", on_delete=models.CASCADE, related_name="snapshots", db_constraint=False, db_index=False
    )
    unit = models.ForeignKey("Unit", on_delete=models.CASCADE, related_name="snapshots", db_constraint=False, db_index=False)
    period = models.ForeignKey(
        "Period", on_delete=models.CASCADE, related_name="snapshots", db_constraint=False, db_index=False
    )
    actual = models.DecimalField(_("actual"), **DECIMAL)
    target = models.ForeignKey(
        "Target", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False
    )
    target_value = models.DecimalField(_("target"), **DECIMAL)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    mode = models.CharField(_("mode"), max_length=10, blank=True)
    time_elapsed_pct = models.DecimalField(_("time elapsed (%)"), **DECIMAL)
    completion_pct = models.DecimalField(_("completion (%)"), **DECIMAL)
    gap_pp = models.DecimalField(_("gap (pp)"), **DECIMAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    required_pace = models.DecimalField(_("required pace per quarter"), **DECIMAL)
    recent_pace = models.DecimalField(_("recent pace per quarter"), **DECIMAL)
    projected = models.DecimalField(_("projected at deadline"), **DECIMAL)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")


class ProgressRun(models.Model):
    """A recompute of one indicator: when it ran and the latest approval it includes."""

    indicator = models.ForeignKey("Indicator", on_delete=models.CASCADE, related_name="progress_runs")
    trigger = models.CharField(_("trigger"), max_length=20)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    rows = models.PositiveIntegerField(_("rows"))
    latest_approval_at = models.DateTimeField(_("latest approval included"), null=True, blank=True)

    class Meta:
        verbose_name = _("progress run")
        verbose_name_plural = _("progress runs")
        indexes = [models.Index(fields=["indicator", "-finished_at"], name="run_indicator_latest")]


class OutboxMessage(models.Model):
    """A recompute request written in the same transaction as the approval that causes it.

    A relay hands pending messages to Celery after commit; when the broker is down they stay
    pending and a periodic relay retries, so a Redis outage delays recomputation, never drops it.
    """

    indicator = models.ForeignKey("Indicator", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    relayed_at = models.DateTimeField(_("handed to the broker at"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(_("relay attempts"), default=0)
    last_error = models.TextField(_("last relay error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [models.Index(fields=["processed_at", "indicator"], name="outbox_pending")]
