"""The completeness matrix (/completeness/) as a file: one row per unit, its counts, then one column
per indicator with the state of its report for the page's period (the page's `period`)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..selectors import plan_current
from ..selectors.completeness import completeness_default_period, completeness_matrix, completeness_periods
from ..selectors.periods import period_pick
from .base import ExportRefused, ExportRequest
from .table_files import Table, header, table_builders

HEADER = (
    gettext_lazy("Unit code"), gettext_lazy("Unit"), gettext_lazy("Period"), gettext_lazy("Complete (%)"),
    gettext_lazy("Reports submitted or approved"), gettext_lazy("Reports assigned"), gettext_lazy("Late"),
    gettext_lazy("Submitted after the due date"),
)


def completeness_table(request: ExportRequest) -> Table:
    """The matrix of the period the page shows for the same `period` parameter (its default when
    none is given; an unknown one is refused, as the page says it is unknown)."""
    today = timezone.localdate()
    periods = completeness_periods(today=today)
    choice = period_pick(periods, request.filters.get("period", ""), default=completeness_default_period(periods, today=today))
    if choice.error:
        raise ExportRefused(choice.error)
    if choice.period is None:
        raise ExportRefused(_("No reporting period has started yet."))
    matrix = completeness_matrix(period=choice.period, today=today, plan=plan_current())
    names = header(*HEADER) + [indicator.code for indicator in matrix.indicators]

    def cell_text(cell) -> str | None:
        if not cell.state:
            return None  # the unit does not report this indicator
        return f"{cell.label} *" if cell.submitted_late else cell.label

    rows = [
        [
            row.unit.code, row.unit.name, matrix.period.code, row.percent, row.complete, row.assigned, row.late,
            row.submitted_late, *(cell_text(cell) for cell in row.cells),
        ]
        for row in matrix.rows
    ]
    return Table(_("Completeness"), names, rows, total=len(rows))


completeness_csv_build, completeness_xlsx_build = table_builders(completeness_table)
