"""The units compared (/progress/counties/) as a file: the overall ranking of the page's summary
table (its `period`, `scope` and `summary-sort`), then the status of each indicator per unit (the
page's heatmap)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..selectors import plan_current
from ..selectors.periods import period_pick
from ..selectors.progress import computed_periods
from ..selectors.unit_comparison import SCOPES, comparison
from ..status import LABELS, Status
from ..tables_progress import UnitSummaryTable
from .base import ExportRefused, ExportRequest
from .table_files import Table, header, table_builders

COUNTED = (Status.ACHIEVED, Status.ACHIEVED_LATE, Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.MISSED)
HEADER = (
    gettext_lazy("Rank"), gettext_lazy("Unit code"), gettext_lazy("Unit"), gettext_lazy("Period"),
    gettext_lazy("Achieved or on track"), *(LABELS[status] for status in COUNTED),
    # Completeness as the page and /completeness/ define it (selectors.completeness.COMPLETENESS_DEFINITION).
    gettext_lazy("Reports submitted or approved"), gettext_lazy("Reports assigned"), gettext_lazy("Reporting completeness (%)"),
)


def units_compared_table(request: ExportRequest) -> Table:
    periods = list(computed_periods())
    choice = period_pick(periods, request.filters.get("period", ""))
    if choice.error:
        raise ExportRefused(choice.error)
    if choice.period is None:
        raise ExportRefused(_("No progress has been computed yet: there is nothing to export."))
    scope = request.filters.get("scope", "")
    scope = scope if scope in SCOPES else SCOPES[0]
    data = comparison(plan_current(), period=choice.period, periods=periods, scope=scope)
    table = UnitSummaryTable(data.ranked, order_by=request.filters.get("summary-sort") or None)
    lines = [row.record for row in table.rows]
    names = header(*HEADER) + [indicator.code for indicator in data.indicators]
    rows = [
        [
            line.rank, line.unit.code, line.unit.name, choice.period.code, line.good,
            *(line.count(status) for status in COUNTED), line.complete, line.assigned, line.completeness_pct,
            *(cell.status_label if cell.present else None for cell in line.cells),
        ]
        for line in lines
    ]
    return Table(_("Units compared"), names, rows, total=len(rows))


units_compared_csv_build, units_compared_xlsx_build = table_builders(units_compared_table)
