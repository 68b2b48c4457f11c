"""The progress table: the city's and every unit's progress rows (indicator × unit × period, from
the snapshots) as CSV or XLSX, with headers in the reader's language.

The numbers are the snapshots' own, exactly (no rounding): a file and /api/v1/progress/ show the
same values for the same period; past a target's last deadline a row is a verdict (achieved,
achieved late, missed) with no time elapsed, completion, gap or pace, as in the API. Rows are streamed from the database in chunks and written as they
come, so memory stays flat however many units report.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import ProgressSnapshot
from ..numbers import decimal_text
from ..selectors.exports import progress_export_rows
from ..status import gap_words, status_label
from .base import ExportRefused, ExportRequest, Report
from .writers import csv_write, xlsx_write

CHUNK = 2000

HEADER = [
    gettext_lazy("Indicator code"),
    gettext_lazy("Indicator"),
    gettext_lazy("Unit code"),
    gettext_lazy("Unit"),
    gettext_lazy("Period"),
    gettext_lazy("Actual"),
    gettext_lazy("Target"),
    gettext_lazy("Target year"),
    gettext_lazy("Deadline"),
    gettext_lazy("Target mode"),
    gettext_lazy("Time elapsed (%)"),
    gettext_lazy("Completion (%)"),
    gettext_lazy("Gap (pp)"),
    gettext_lazy("Status"),
    gettext_lazy("Required pace (per quarter)"),
    gettext_lazy("Recent pace (per quarter)"),
    gettext_lazy("Projected at deadline"),
    gettext_lazy("Computed at"),
    # The signed gap above reads either way; in words it cannot ("15.0 percentage points behind …").
    gettext_lazy("Gap in words"),
]


def _number(value: Decimal | None) -> Decimal | None:
    """Return the snapshot's value without its trailing zeros (50.0000000000 → 50): the same number."""
    return None if value is None else Decimal(decimal_text(value))


def progress_row(row: ProgressSnapshot) -> list:
    """Return one snapshot as the cells of the table (numbers as numbers, texts in the active language)."""
    return [
        row.indicator.code,
        row.indicator.localized("name"),
        row.unit.code,
        row.unit.name,
        row.period.code,
        _number(row.actual),
        _number(row.target_value),
        row.target_year,
        row.deadline.isoformat() if row.deadline else None,
        row.mode or None,
        _number(row.time_elapsed_pct),
        _number(row.completion_pct),
        _number(row.gap_pp),
        status_label(row.status),
        _number(row.required_pace),
        _number(row.recent_pace),
        _number(row.projected),
        timezone.localtime(row.computed_at).isoformat(timespec="seconds"),
        gap_words(row.gap_pp, row.mode or "reach") or None,
    ]


def progress_table(request: ExportRequest) -> tuple[list[str], int, Iterator[list]]:
    """Return (header, number of rows, the rows streamed) for the request's period and unit.

    Refuses (ExportRefused) when there is nothing to export: no progress computed for that choice.
    """
    rows = progress_export_rows(period=request.period, unit=request.unit)
    total = rows.count()
    if total == 0:
        if request.period is not None:
            raise ExportRefused(_("No progress has been computed for %s yet: there is nothing to export.") % request.period.code)
        raise ExportRefused(_("No progress has been computed yet: there is nothing to export."))
    header = [str(name) for name in HEADER]
    return header, total, (progress_row(row) for row in rows.iterator(chunk_size=CHUNK))


def _row_reporter(report: Report, total: int):
    def report_rows(done: int) -> None:
        report(min(done / total, 1.0))

    return report_rows


def progress_csv_build(*, out: BinaryIO, request: ExportRequest, report: Report) -> dict:
    """Write the progress table as CSV (UTF-8 with a byte-order mark, for Excel)."""
    header, total, rows = progress_table(request)
    written = csv_write(out, header, rows, report_rows=_row_reporter(report, total))
    return {"rows": written}


def progress_xlsx_build(*, out: BinaryIO, request: ExportRequest, report: Report) -> dict:
    """Write the progress table as an Excel workbook of one sheet."""
    header, total, rows = progress_table(request)
    written = xlsx_write(out, [(_("Progress"), header, rows)], report_rows=_row_reporter(report, total))
    return {"rows": written}
