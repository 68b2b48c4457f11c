"""Reads of the exports: the rows the progress table exports, the exports a user may see, what the
request form offers, the latest briefing, and what the daily jobs look for.

Access is decided by targets.permissions (exports_visible_to, can_request_export); the registry
of kinds is targets.exports.KINDS.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from ..exports import BRIEFING_KINDS, KINDS, ExportKind
from ..models import Export, Period, ProgressSnapshot, Unit, User
from ..permissions import can_access_export, can_request_export, exports_visible_to
from .progress import computed_periods

# What "my exports" lists at most (newest first); older ones stay in the audit log.
LIST_SIZE = 100
# The order of /api/v1/progress/'s rows: a file and the API list the same rows the same way.
PROGRESS_ORDER = ("indicator__position", "indicator__code", "unit__kind", "unit__code", "period__start")


def progress_export_rows(*, period: Period | None, unit: Unit | None) -> QuerySet[ProgressSnapshot]:
    """Return the progress snapshot rows of `period` (every computed period when None) for `unit`
    (the city and every unit when None), in the API's order, to be streamed with .iterator()."""
    rows = ProgressSnapshot.objects.select_related("indicator", "unit", "period")
    if period is not None:
        rows = rows.filter(period=period)
    if unit is not None:
        rows = rows.filter(unit=unit)
    return rows.order_by(*PROGRESS_ORDER)


def exports_for_user(user: User, *, limit: int = LIST_SIZE) -> list[Export]:
    """Return the newest exports `user` may see (their own; auditors and administrators all)."""
    return list(exports_visible_to(user).select_related("requested_by").order_by("-created_at")[:limit])


def export_pending_count(user: User) -> int:
    """Return how many of `user`'s own exports are still queued or being built."""
    return Export.objects.filter(requested_by=user, status__in=Export.PENDING).count()


def export_kinds_for_user(user: User) -> list[ExportKind]:
    """Return the kinds `user` may ask for on "my exports" and the portal can build now (registry
    order); the pages' tables are downloaded from their pages."""
    own_unit = user.unit if user.is_authenticated and user.role == User.Role.REPORTER else None
    return [
        kind
        for kind in KINDS.values()
        if not kind.table and kind.available and can_request_export(user, kind.code, own_unit if kind.takes_unit else None)
    ]


def export_periods() -> list[Period]:
    """Return the periods an export can be about: those progress has been computed for, newest first."""
    return list(computed_periods())


def export_units_for_user(user: User) -> list[Unit]:
    """Return the units `user` may ask a unit's table for: their own (reporters), else every active
    unit, the city first."""
    if user.role == User.Role.REPORTER:
        return [user.unit] if user.unit is not None else []
    return list(Unit.objects.filter(active=True).order_by("kind", "code"))


def briefings_latest(user: User) -> dict | None:
    """Return the newest period's finished briefings `user` may download:
    {"period": code, "exports": [Export, …] in registry order}, or None."""
    if not user.is_authenticated:
        return None
    done = exports_visible_to(user).filter(kind__in=BRIEFING_KINDS, status=Export.Status.DONE)
    newest = done.order_by("-params__period", "-finished_at").first()
    if newest is None or not newest.period_code:
        return None
    exports = []
    for code in BRIEFING_KINDS:
        export = done.filter(kind=code, params__period=newest.period_code).order_by("-finished_at").first()
        if export is not None and can_access_export(user, export):
            exports.append(export)
    return {"period": newest.period_code, "exports": exports} if exports else None


def exports_expired(*, now: dt.datetime) -> QuerySet[Export]:
    """Return the finished exports whose file is past its expiry."""
    return Export.objects.filter(status=Export.Status.DONE, expires_at__lte=now)


def exports_stalled(*, before: dt.datetime) -> QuerySet[Export]:
    """Return the exports still queued or running whose job was handed over before `before` (it
    was lost: the broker dropped it, or a worker died and the retries ran out)."""
    return Export.objects.filter(status__in=Export.PENDING, queued_at__lt=before)


def export_files_in_use() -> set[str]:
    """Return the relative paths of the files exports still offer (everything else under the
    exports folder may go)."""
    return set(Export.objects.filter(status=Export.Status.DONE).exclude(file="").values_list("file", flat=True))


def period_briefing_due(*, today: dt.date, after_days: int) -> Period | None:
    """Return the latest period whose due date was at least `after_days` days before `today`
    (the quarter whose briefing is built automatically), or None."""
    return Period.objects.filter(due__lte=today - dt.timedelta(days=after_days)).order_by("-due").first()


def briefing_automatic_exists(*, kind: str, period: Period) -> bool:
    """Return whether the portal already asked for its own `kind` briefing of `period`."""
    return Export.objects.filter(kind=kind, requested_by__isnull=True, params__period=period.code).exists()
