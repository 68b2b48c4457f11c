"""Reads of the auditors' workbook (targets.exports.audit_workbook): the plan and its targets, the
units, progress snapshots, every submission version with its evidence, the audit log for a range,
and the audit chain's head — all streamed in plan order, all read in one consistent snapshot.

Large reads are querysets or generators meant to be consumed once, in chunks (.iterator()), so that
memory stays flat however many rows there are.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from ..models import AuditEntry, Evidence, Indicator, Period, Plan, ProgressSnapshot, SubmissionVersion, Target, Unit
from .audit import audit_verify
from .plan import plan_current

CHUNK = 2000
# The order of /api/v1/progress/'s rows and of the progress table: indicators in plan order, the
# city first (kind "city" sorts first), units by code, periods in time.
PLAN_ORDER = ("indicator__position", "indicator__code", "unit__kind", "unit__code")


@contextlib.contextmanager
def workbook_snapshot() -> Iterator[None]:
    """Read everything inside in one database snapshot, read-only.

    On PostgreSQL, when no transaction is open yet, a REPEATABLE READ READ ONLY transaction: every
    sheet then shows the same moment even while people keep reporting, and the export cannot
    write. Inside an open transaction (tests) or on SQLite (a single writer), a plain atomic block.
    """
    fresh = not connection.in_atomic_block
    with transaction.atomic():
        if fresh and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


@dataclass(frozen=True)
class WorkbookScope:
    """What the workbook covers: a range of periods (None: from the first / to the last) and a unit
    (None: the city and every unit)."""

    first: Period | None = None
    last: Period | None = None
    unit: Unit | None = None

    def periods(self) -> QuerySet[Period]:
        periods = Period.objects.all()
        if self.first is not None:
            periods = periods.filter(start__gte=self.first.start)
        if self.last is not None:
            periods = periods.filter(start__lte=self.last.start)
        return periods

    @property
    def limited(self) -> bool:
        return self.first is not None or self.last is not None

    def audit_bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """Return the first and last instants of the range (local days), None when open."""
        start = end = None
        if self.first is not None:
            start = timezone.make_aware(dt.datetime.combine(self.first.start, dt.time.min))
        if self.last is not None:
            end = timezone.make_aware(dt.datetime.combine(self.last.end + dt.timedelta(days=1), dt.time.min))
        return start, end


def period_by_code(code: str | None) -> Period | None:
    """Return the period `code` (None for none or an unknown code)."""
    return Period.objects.filter(code=code).first() if code else None


def workbook_plan() -> Plan:
    return plan_current()


def plan_indicators(plan: Plan) -> QuerySet[Indicator]:
    """Return every indicator of the plan (retired ones too: figures point at them) with its home
    (measure and area, or safeguard), its targets and how many units report it
    (`reporting_unit_count`), in plan order."""
    return (
        Indicator.objects.filter(plan=plan)
        .annotate(reporting_unit_count=Count("reporting_units", distinct=True))
        .select_related("measure__area", "safeguard")
        .prefetch_related(Prefetch("targets", queryset=Target.objects.select_related("unit").order_by("unit__code", "deadline")))
        .order_by("position", "code")
    )


def workbook_units() -> Iterator[tuple[Unit, list[str]]]:
    """Yield every unit (retired ones too), the city first, with the codes of the indicators it
    reports in plan order."""
    through = Indicator.reporting_units.through
    units = Unit.objects.select_related("parent").order_by("kind", "code")
    for chunk_start in range(0, units.count(), CHUNK):
        chunk = list(units[chunk_start : chunk_start + CHUNK])
        reported: dict[int, list[str]] = {unit.pk: [] for unit in chunk}
        pairs = (
            through.objects.filter(unit_id__in=reported)
            .order_by("indicator__position", "indicator__code")
            .values_list("unit_id", "indicator__code")
        )
        for unit_id, code in pairs:
            reported[unit_id].append(code)
        for unit in chunk:
            yield unit, reported[unit.pk]


def workbook_progress(scope: WorkbookScope) -> QuerySet[ProgressSnapshot]:
    """Return the progress snapshot rows of the scope, in the API's order, to be streamed."""
    rows = ProgressSnapshot.objects.select_related("indicator", "unit", "period")
    if scope.limited:
        rows = rows.filter(period__in=scope.periods())
    if scope.unit is not None:
        rows = rows.filter(unit=scope.unit)
    return rows.order_by(*PLAN_ORDER, "period__start")


VERSION_USERS = ("created_by", "submitted_by", "returned_by", "approved_by")


def workbook_versions(scope: WorkbookScope) -> QuerySet[SubmissionVersion]:
    """Return every version of every submission of the scope (drafts, returned and replaced ones
    included), in plan order, then period, then version number."""
    versions = SubmissionVersion.objects.select_related(
        "submission__indicator", "submission__unit", "submission__period", *VERSION_USERS
    )
    if scope.limited:
        versions = versions.filter(submission__period__in=scope.periods())
    if scope.unit is not None:
        versions = versions.filter(submission__unit=scope.unit)
    return versions.order_by(*(f"submission__{field}" for field in PLAN_ORDER), "submission__period__start", "submission_id", "number")


def workbook_versions_with_evidence(scope: WorkbookScope) -> Iterator[tuple[SubmissionVersion, list[Evidence]]]:
    """Yield each version of workbook_versions() with the evidence files attached at that version,
    reading the evidence of CHUNK versions at a time."""
    versions = workbook_versions(scope).iterator(chunk_size=CHUNK)
    while True:
        chunk = []
        for version in versions:
            chunk.append(version)
            if len(chunk) == CHUNK:
                break
        if not chunk:
            return
        attached: dict[tuple[int, int], list[Evidence]] = {}
        files = Evidence.objects.filter(submission_id__in={v.submission_id for v in chunk}).order_by("uploaded_at", "pk")
        for evidence in files:
            attached.setdefault((evidence.submission_id, evidence.version_number), []).append(evidence)
        for version in chunk:
            yield version, attached.get((version.submission_id, version.number), [])


def workbook_evidence(scope: WorkbookScope) -> QuerySet[Evidence]:
    """Return every evidence file of the scope's submissions, in plan order, then upload time."""
    files = Evidence.objects.select_related("submission__indicator", "submission__unit", "submission__period", "uploaded_by")
    if scope.limited:
        files = files.filter(submission__period__in=scope.periods())
    if scope.unit is not None:
        files = files.filter(submission__unit=scope.unit)
    return files.order_by(*(f"submission__{field}" for field in PLAN_ORDER), "submission__period__start", "uploaded_at", "pk")


@dataclass(frozen=True)
class ChainState:
    """The audit chain at export time: its last entry (None: an empty log) and whether it verifies."""

    head_id: int | None
    head_hash: str
    entries: int
    broken_at: int | None  # the first entry that does not verify, None when all do

    @property
    def verified(self) -> bool:
        return self.broken_at is None


def audit_chain_state() -> ChainState:
    """Return the chain's head (the last entry's hash) and check the whole chain (verify_audit)."""
    head = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
    broken = audit_verify()
    return ChainState(
        head_id=head[0] if head else None,
        head_hash=head[1] if head else AuditEntry.GENESIS,
        entries=AuditEntry.objects.count(),
        broken_at=broken.pk if broken is not None else None,
    )


def workbook_audit_entries(scope: WorkbookScope, *, up_to: int | None) -> QuerySet[AuditEntry]:
    """Return the audit log entries of the scope's time range (every entry when open), up to
    entry `up_to` (the head at export time), oldest first."""
    entries = AuditEntry.objects.order_by("id")
    if up_to is None:
        return entries.none()
    entries = entries.filter(id__lte=up_to)
    start, end = scope.audit_bounds()
    if start is not None:
        entries = entries.filter(at__gte=start)
    if end is not None:
        entries = entries.filter(at__lt=end)
    return entries


def workbook_counts(scope: WorkbookScope, *, up_to: int | None) -> dict[str, int]:
    """Return how many rows each large sheet will have (for the progress bar)."""
    return {
        "progress": workbook_progress(scope).count(),
        "versions": workbook_versions(scope).count(),
        "evidence": workbook_evidence(scope).count(),
        "audit": workbook_audit_entries(scope, up_to=up_to).count(),
    }
