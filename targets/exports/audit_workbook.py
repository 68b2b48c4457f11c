"""The auditors' workbook (XLSX): everything the portal holds about the plan's figures, with its
history, and the proof that the file is what the portal held.

Sheets: a cover (when, by whom, with which filters; the SHA-256 of each data sheet's canonical
content; the audit chain's head hash at export time and whether the chain verified; how to verify),
then the plan and its targets, the units, progress (the snapshots: the city and every unit ×
indicator × period, every column), every submission with all its versions, the evidence files
with their SHA-256, and the audit log for the range with its hash chain.

Everything is read in one database snapshot (targets.selectors.audit_workbook) and streamed into
the file (targets.exports.writers), so memory stays flat however many rows. `python manage.py
verify_export FILE` recomputes the data sheets' hashes from the file alone and compares them with
the cover (the canonical content is defined in targets.exports.writers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO
from zipfile import BadZipFile

from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ..figures import items_text
from ..models import Area, AuditEntry, Evidence, Indicator, Measure, Safeguard, Submission, SubmissionVersion, Target, Unit
from ..numbers import decimal_text
from ..selectors.audit_workbook import (
    ChainState,
    WorkbookScope,
    audit_chain_state,
    period_by_code,
    plan_indicators,
    workbook_audit_entries,
    workbook_counts,
    workbook_evidence,
    workbook_plan,
    workbook_progress,
    workbook_snapshot,
    workbook_units,
    workbook_versions_with_evidence,
)
from .base import ExportRefused, ExportRequest, Report
from .progress_table import HEADER as PROGRESS_HEADER
from .progress_table import progress_row
from .writers import SheetStream, SheetWritten, XlsxBook, iter_sheet_values, sheet_sha256

VERIFY_COMMAND = "python manage.py verify_export FILE"


def _label(model, field: str) -> str:
    """Return a model field's name as a column header (the catalogue already translates it)."""
    return str(capfirst(model._meta.get_field(field).verbose_name))


def _number(value: Decimal | None) -> Decimal | None:
    """Return a stored decimal without its trailing zeros (12.5000 → 12.5): the same number."""
    return None if value is None else Decimal(decimal_text(value))


def _json_text(value: Any) -> str:
    """Return a JSON value as the audit chain serialises it (sorted keys, no spaces), "" for none."""
    if value is None:
        return ""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _local_text(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


# --- Scope ----------------------------------------------------------------------------------------


def workbook_scope(request: ExportRequest) -> WorkbookScope:
    """Return what the request covers: its period (or the range filters["period_from"] …
    filters["period_to"]) and its unit; unknown period codes are refused."""
    first = last = request.period
    if first is None:
        codes = {name: (request.filters.get(name) or "").strip() for name in ("period_from", "period_to")}
        for name, code in codes.items():
            if code and period_by_code(code) is None:
                raise ExportRefused(_("There is no period “%s”.") % code[:30])
        first, last = period_by_code(codes["period_from"]), period_by_code(codes["period_to"])
        if first is not None and last is not None and first.start > last.start:
            first, last = last, first
    return WorkbookScope(first=first, last=last, unit=request.unit)


def _periods_text(scope: WorkbookScope) -> str:
    if scope.first is None and scope.last is None:
        return _("All periods")
    if scope.first is not None and scope.last is not None:
        if scope.first.pk == scope.last.pk:
            return scope.first.code
        return _("%(first)s to %(last)s") % {"first": scope.first.code, "last": scope.last.code}
    if scope.first is not None:
        return _("From %s on") % scope.first.code
    return _("Up to %s") % scope.last.code


def _audit_range_text(scope: WorkbookScope) -> str:
    start, end = scope.audit_bounds()
    if start is None and end is None:
        return _("The whole log")
    first_day = scope.first.start.isoformat() if scope.first is not None else "…"
    last_day = scope.last.end.isoformat() if scope.last is not None else "…"
    return _("Entries dated %(first)s to %(last)s (local time)") % {"first": first_day, "last": last_day}


# --- Sheets ---------------------------------------------------------------------------------------


def _home(indicator: Indicator) -> tuple[str, str, str, int | None]:
    """Return the indicator's task area, measure, safeguard and goal year (one of them set)."""
    measure = indicator.measure
    area = str(measure.area) if measure is not None else ""
    return (
        area,
        str(measure) if measure is not None else "",
        str(indicator.safeguard) if indicator.safeguard is not None else "",
        indicator.goal_year,
    )


def plan_sheet(plan) -> tuple[list[str], Iterator[list]]:
    """Return the header and rows of the plan and its targets: one row per target (an indicator
    without a target has one row with the target columns empty)."""
    header = [
        str(capfirst(Area._meta.verbose_name)),
        str(capfirst(Measure._meta.verbose_name)),
        str(capfirst(Safeguard._meta.verbose_name)),
        _label(Indicator, "goal_year"),
        _("Indicator code"),
        _("Indicator"),
        _("Unit of measure"),
        _("Kind"),
        _("Baseline"),
        _("Reporting units"),
        _label(Indicator, "active"),
        _("Target for"),
        _label(Target, "year"),
        _label(Target, "mode"),
        _label(Target, "comparator"),
        _label(Target, "value"),
        _label(Target, "stretch"),
        _("Deadline"),
        _label(Target, "aspirational"),
        _("Assumption"),
    ]

    def rows() -> Iterator[list]:
        for indicator in plan_indicators(plan):
            common = [
                *_home(indicator),
                indicator.code,
                indicator.localized("name"),
                indicator.localized("unit"),
                indicator.get_kind_display(),
                _number(indicator.baseline),
                indicator.reporting_unit_count,
                indicator.active,
            ]
            targets = list(indicator.targets.all())
            if not targets:
                yield common + [None] * 8 + [indicator.localized("assumption")]
            for target in targets:
                yield common + [
                    f"{target.unit.code} {target.unit.name}" if target.unit is not None else _("City-wide"),
                    target.year,
                    target.get_mode_display(),
                    target.get_comparator_display(),
                    _number(target.value),
                    _number(target.stretch),
                    target.deadline,
                    target.aspirational,
                    target.localized("assumption") or indicator.localized("assumption"),
                ]

    return header, rows()


def units_sheet() -> tuple[list[str], Iterator[list]]:
    """Return the header and rows of the units (retired ones too) with the indicators they report."""
    header = [
        _("Unit code"),
        _("Unit"),
        _("Kind"),
        _("Parent"),
        _label(Unit, "active"),
        _("Indicators reported (codes)"),
    ]

    def rows() -> Iterator[list]:
        for unit, codes in workbook_units():
            yield [
                unit.code,
                unit.name,
                unit.get_kind_display(),
                unit.parent.code if unit.parent is not None else None,
                unit.active,
                " ".join(codes),
            ]

    return header, rows()


def progress_sheet(scope: WorkbookScope) -> tuple[list[str], Iterator[list]]:
    """Return the progress table's header and rows (the same columns and values as the progress
    export and /api/v1/progress/), for the scope's periods and unit."""
    return [str(name) for name in PROGRESS_HEADER], (progress_row(row) for row in workbook_progress(scope).iterator(chunk_size=2000))


VERSION_VALUES = (
    "increment", "items", "numerator", "denominator", "done", "completed_on", "self_status", "narrative",
    "note", "explanation", "reason",
)


def _user_name(user) -> str | None:
    return user.username if user is not None else None


def _evidence_text(files: list[Evidence]) -> str:
    return "\n".join(f"{evidence.original_name} SHA-256 {evidence.sha256}" for evidence in files)


def versions_sheet(scope: WorkbookScope) -> tuple[list[str], Iterator[list]]:
    """Return the header and rows of every submission version: values, who created, submitted,
    returned and approved it and when, the reasons, and the evidence files attached at it."""
    header = [
        str(capfirst(Submission._meta.verbose_name)),
        _("Indicator code"),
        _("Indicator"),
        _("Unit code"),
        _("Unit"),
        _("Period"),
        _("Status"),
        _("Version"),
        _("Counts for progress"),
        _label(Submission, "current"),
        *(_label(SubmissionVersion, name) for name in VERSION_VALUES),
        _label(SubmissionVersion, "created_by"),
        _label(SubmissionVersion, "created_at"),
        _label(SubmissionVersion, "submitted_by"),
        _label(SubmissionVersion, "submitted_at"),
        _label(SubmissionVersion, "returned_by"),
        _label(SubmissionVersion, "returned_at"),
        _label(SubmissionVersion, "return_reason"),
        _label(SubmissionVersion, "approved_by"),
        _label(SubmissionVersion, "approved_at"),
        _("Evidence files"),
    ]

    def rows() -> Iterator[list]:
        for version, files in workbook_versions_with_evidence(scope):
            submission = version.submission
            yield [
                submission.pk,
                submission.indicator.code,
                submission.indicator.localized("name"),
                submission.unit.code,
                submission.unit.name,
                submission.period.code,
                submission.get_status_display(),
                version.number,
                submission.approved_id == version.pk,
                submission.current_id == version.pk,
                _number(version.increment),
                items_text(version.items),
                _number(version.numerator),
                _number(version.denominator),
                version.done,
                version.completed_on,
                version.get_self_status_display() if version.self_status else None,
                version.narrative,
                version.note,
                version.explanation,
                version.reason,
                _user_name(version.created_by),
                version.created_at,
                _user_name(version.submitted_by),
                version.submitted_at,
                _user_name(version.returned_by),
                version.returned_at,
                version.return_reason,
                _user_name(version.approved_by),
                version.approved_at,
                _evidence_text(files),
            ]

    return header, rows()


def evidence_sheet(scope: WorkbookScope) -> tuple[list[str], Iterator[list]]:
    """Return the header and rows of the evidence files: which submission and version, the file's
    name, type, size and SHA-256 (computed from its content when it was uploaded; the stored file is
    named by it), who uploaded it and when."""
    header = [
        str(capfirst(Submission._meta.verbose_name)),
        _("Indicator code"),
        _("Unit code"),
        _("Period"),
        _label(Evidence, "version_number"),
        _label(Evidence, "original_name"),
        _label(Evidence, "content_type"),
        _label(Evidence, "size"),
        _label(Evidence, "sha256"),
        _("Uploaded by"),
        _label(Evidence, "uploaded_at"),
    ]

    def rows() -> Iterator[list]:
        for evidence in workbook_evidence(scope).iterator(chunk_size=2000):
            submission = evidence.submission
            yield [
                submission.pk,
                submission.indicator.code,
                submission.unit.code,
                submission.period.code,
                evidence.version_number,
                evidence.original_name,
                evidence.content_type,
                evidence.size,
                evidence.sha256,
                _user_name(evidence.uploaded_by),
                evidence.uploaded_at,
            ]

    return header, rows()


def audit_sheet(scope: WorkbookScope, chain: ChainState) -> tuple[list[str], Iterator[list]]:
    """Return the header and rows of the audit log for the scope's time range, up to the chain's
    head at export time: every field an entry's hash is computed over (its time exactly as hashed,
    the user's id, before and after as canonical JSON), then the previous entry's hash and its own."""
    header = [
        str(capfirst(AuditEntry._meta.verbose_name)),
        _label(AuditEntry, "at"),
        _("Time as hashed (UTC)"),
        _("User id"),
        _label(AuditEntry, "actor_name"),
        _label(AuditEntry, "ip"),
        _label(AuditEntry, "action"),
        _("Action in words"),
        _label(AuditEntry, "object_type"),
        _label(AuditEntry, "object_id"),
        _label(AuditEntry, "object_repr"),
        _label(AuditEntry, "before"),
        _label(AuditEntry, "after"),
        _label(AuditEntry, "prev_hash"),
        _label(AuditEntry, "hash"),
    ]
    labels = dict(AuditEntry.Action.choices)

    def rows() -> Iterator[list]:
        for entry in workbook_audit_entries(scope, up_to=chain.head_id).iterator(chunk_size=2000):
            yield [
                entry.pk,
                entry.at,
                entry.at.isoformat(timespec="microseconds"),
                entry.actor_id,
                entry.actor_name,
                entry.ip,
                entry.action,
                str(labels.get(entry.action, entry.action)),
                entry.object_type,
                entry.object_id,
                entry.object_repr,
                _json_text(entry.before),
                _json_text(entry.after),
                entry.prev_hash,
                entry.hash,
            ]

    return header, rows()


# --- Cover ----------------------------------------------------------------------------------------


def _chain_text(chain: ChainState) -> str:
    if not chain.verified:
        return _("No: the chain breaks at entry #%(id)d (python manage.py verify_audit)") % {"id": chain.broken_at}
    if chain.head_id is None:
        return _("Yes: the log is empty")
    return _("Yes: %(count)d entries, the last #%(id)d") % {"count": chain.entries, "id": chain.head_id}


def write_cover(cover: SheetStream, *, request: ExportRequest, plan, scope: WorkbookScope, chain: ChainState,
                sheets: list[SheetWritten], generated_at) -> None:
    """Fill the cover sheet: what the workbook is, its filters, the data sheets' hashes, the audit
    chain's head, and how to check them. `verify_export` finds the hashes as the rows of three cells:
    a sheet's title, 64 hexadecimal digits, a whole number (workbook_verify)."""
    user = request.user
    unit = scope.unit
    cover.append_plain([f"{_('Audit workbook')} — {plan}"], bold=True)
    cover.append_plain([])
    lines = [
        (_("Generated at"), _local_text(generated_at)),
        (_("Generated by"), f"{user.username} ({user.get_role_display()})" if user is not None else "—"),
        (_("Periods"), _periods_text(scope)),
        (_("Unit"), f"{unit.code} {unit.name}" if unit is not None else _("All units")),
        (_("Audit log"), _audit_range_text(scope)),
        (_("Audit chain head (SHA-256)"), chain.head_hash),
        (_("Audit chain verified"), _chain_text(chain)),
        (_("Times"), _("Date-time cells are local time (%s); “Time as hashed” is the exact UTC time each audit entry's hash covers.") % timezone.get_current_timezone_name()),
    ]
    for key, value in lines:
        cover.append_plain([key, value])
    cover.append_plain([])
    cover.append_plain([_("Sheet"), _("SHA-256 of its canonical content"), _("Data rows")], bold=True)
    for sheet in sheets:
        cover.append_plain([sheet.title, sheet.sha256, sheet.rows])
    cover.append_plain([])
    cover.append_plain([_("How to verify"), VERIFY_COMMAND])
    cover.append_plain([
        _("Canonical content"),
        _(
            "Each data sheet's rows, from the first to the last non-empty one, each as a JSON array of its "
            "cells' texts up to its last non-empty cell (no spaces, characters as they are), followed by a "
            "line feed; the SHA-256 of those UTF-8 bytes. A cell's text: empty → \"\", text as it is, "
            "TRUE/FALSE, numbers as the shortest decimal of the double (whole numbers without “.0”), "
            "dates YYYY-MM-DD, date-times YYYY-MM-DDTHH:MM:SS. The header row is included."
        ),
    ])


# --- The builder ----------------------------------------------------------------------------------


def _fraction_reporter(report: Report, total: int) -> Callable[[int], None]:
    def report_rows(done: int) -> None:
        report(min(done / total, 0.99) if total else 0.0)

    return report_rows


def audit_workbook_build(*, out: BinaryIO, request: ExportRequest, report: Report) -> dict:
    """Write the auditors' workbook to `out`; return its data sheets with their rows and hashes,
    the audit chain's head and whether it verified."""
    with translation.override(request.language or "zh-hans"), workbook_snapshot():
        scope = workbook_scope(request)
        plan = workbook_plan()
        generated_at = timezone.now()
        chain = audit_chain_state()
        counts = workbook_counts(scope, up_to=chain.head_id)
        total = sum(counts.values()) + 100  # the plan and the units: a few hundred rows, roughly
        book = XlsxBook(out, report_rows=_fraction_reporter(report, total))
        try:
            cover = book.sheet(_("Cover"), widths=[28, 70, 12])
            sheets: list[SheetWritten] = []
            for title, (header, rows) in (
                (_("Plan and targets"), plan_sheet(plan)),
                (_("Unit list"), units_sheet()),
                (_("Progress"), progress_sheet(scope)),
                (_("Submissions (all versions)"), versions_sheet(scope)),
                (_("Evidence files"), evidence_sheet(scope)),
                (_("Audit log"), audit_sheet(scope, chain)),
            ):
                sheets += book.write_sheet(title, header, rows)
            write_cover(cover, request=request, plan=plan, scope=scope, chain=chain, sheets=sheets, generated_at=generated_at)
            cover.close()
            book.close()
        except BaseException:
            book.discard()
            raise
    report(1.0)
    return {
        "rows": sum(sheet.rows for sheet in sheets),
        "sheets": [{"title": sheet.title, "rows": sheet.rows, "sha256": sheet.sha256} for sheet in sheets],
        "audit_head": chain.head_hash,
        "audit_verified": chain.verified,
    }


# --- Verification ---------------------------------------------------------------------------------

HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class SheetCheck:
    """One data sheet's verification: its hash on the cover, the one recomputed from its cells."""

    title: str
    recorded: str | None  # None: the cover does not list it
    computed: str | None  # None: the cover lists it but the workbook has no such sheet

    @property
    def ok(self) -> bool:
        return self.recorded is not None and self.recorded == self.computed


def workbook_verify(path) -> list[SheetCheck]:
    """Recompute the hash of each data sheet of the workbook at `path` (every sheet but the first,
    the cover) from its cells alone, and pair it with the hash its cover records.

    The cover's hashes are the rows of three cells: a sheet's title, 64 hexadecimal digits and a
    whole number (its data rows). Raises ValueError when the file is not a workbook, or its cover
    lists no hash.
    """
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as error:
        raise ValueError(str(error)) from error
    try:
        titles = workbook.sheetnames
        if len(titles) < 2:
            raise ValueError("no data sheets")
        data_titles = titles[1:]
        recorded: dict[str, str] = {}
        for row in iter_sheet_values(workbook[titles[0]]):
            if (
                len(row) >= 3 and isinstance(row[0], str) and isinstance(row[1], str) and HEX64.match(row[1])
                and isinstance(row[2], int) and not isinstance(row[2], bool)
            ):
                recorded.setdefault(row[0], row[1])
        if not recorded:
            raise ValueError("the cover lists no hashes")
        checks = [
            SheetCheck(title, recorded.get(title), sheet_sha256(iter_sheet_values(workbook[title])))
            for title in data_titles
        ]
        checks += [SheetCheck(title, digest, None) for title, digest in recorded.items() if title not in data_titles]
        return checks
    finally:
        workbook.close()
