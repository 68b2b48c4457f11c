"""Reads of progress snapshots, shared by the dashboards, the API and exports."""

from __future__ import annotations

from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _

from ..models import Indicator, OutboxMessage, Period, ProgressRun, ProgressSnapshot, Unit, User
from ..numbers import json_number


def computed_periods() -> QuerySet[Period]:
    """Return the periods progress has been computed for, newest first.

    The engine writes a city row for every period of every indicator, so the city's rows name them
    all; read through the primary key (indicator, unit, period), that is a few hundred index entries
    however many units report (the snapshot table has no index on period alone: see the model)."""
    city_rows = ProgressSnapshot.objects.filter(indicator__in=Indicator.objects.all(), unit__kind=Unit.Kind.CITY)
    return Period.objects.filter(pk__in=city_rows.values("period_id")).order_by("-start")


def latest_snapshot_period() -> Period | None:
    """Return the latest period progress has been computed for."""
    return computed_periods().first()


def snapshots_visible_to(user: User) -> QuerySet[ProgressSnapshot]:
    """Reporters see the city's rows (the unit of kind city) and their own unit's; every other role
    sees all rows."""
    rows = ProgressSnapshot.objects.select_related("indicator", "unit", "period")
    if user.role == User.Role.REPORTER:
        city = Q(unit__kind=Unit.Kind.CITY)
        return rows.filter(city | Q(unit_id=user.unit_id) if user.unit_id else city)
    return rows


def snapshot_as_dict(row: ProgressSnapshot) -> dict:
    """Return an output row with exactly the fields of PROGRESS-RULES.md plus indicator, unit, period."""
    return {
        "indicator": row.indicator.code,
        "unit": row.unit.code,
        "period": row.period.code,
        "actual": json_number(row.actual),
        "target": json_number(row.target_value),
        "target_year": row.target_year,
        "deadline": row.deadline.isoformat() if row.deadline else None,
        "mode": row.mode or None,
        "time_elapsed_pct": json_number(row.time_elapsed_pct),
        "completion_pct": json_number(row.completion_pct),
        "gap_pp": json_number(row.gap_pp),
        "status": row.status,
        "required_pace": json_number(row.required_pace),
        "recent_pace": json_number(row.recent_pace),
        "projected": json_number(row.projected),
        "computed_at": row.computed_at.isoformat(),
    }


def progress_filter(user: User, *, indicator: str | None, unit: str | None, period: str | None) -> tuple[QuerySet | None, dict]:
    """Return (rows, errors) for the API's filters; unknown codes are errors, no period = the latest,
    `all` = every period."""
    errors: dict[str, list[str]] = {}

    rows = snapshots_visible_to(user)
    if indicator:
        if not Indicator.objects.filter(code=indicator).exists():
            errors["indicator"] = [_("unknown indicator code “%s”") % indicator[:30]]
        rows = rows.filter(indicator__code=indicator)
    if unit:
        if not Unit.objects.filter(code=unit).exists():
            errors["unit"] = [_("unknown unit code “%s”") % unit[:30]]
        rows = rows.filter(unit__code=unit)
    if period == "all":
        pass  # every computed period
    elif period:
        if not Period.objects.filter(code=period).exists():
            errors["period"] = [_("unknown period “%s”") % period[:30]]
        rows = rows.filter(period__code=period)
    else:
        latest = latest_snapshot_period()
        rows = rows.filter(period=latest) if latest else rows.none()
    if errors:
        return None, errors
    return rows.order_by("indicator__position", "indicator__code", "unit__kind", "unit__code", "period__start"), {}


def recompute_pending() -> bool:
    """Whether any recompute request still waits for its run (an indicator's, in the outbox)."""
    return OutboxMessage.objects.filter(processed_at__isnull=True).exists()


def last_computed() -> dict:
    """Return when the snapshots were last computed and the latest approval they include."""
    return ProgressRun.objects.aggregate(finished=Max("finished_at"), latest_approval=Max("latest_approval_at"))
