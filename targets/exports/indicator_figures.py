"""An indicator's approved figures (the units × periods table of /progress/indicators/<code>/) as a
file: the page's unit and period filters (`figures-unit`, `figures-period`) and sort
(`figures-sort`), every page; reporters get their own unit's figures only."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..selectors import plan_current
from ..selectors.indicator_progress import approved_figures, figure_periods, figure_units, indicator_get
from ..tables_progress import ApprovedFiguresFilter, ApprovedFiguresTable
from ..templatetags.review import version_figure
from .base import ExportRefused, ExportRequest
from .table_files import Table, header, table_builders

HEADER = (
    gettext_lazy("Indicator code"), gettext_lazy("Unit code"), gettext_lazy("Unit"), gettext_lazy("Period"),
    gettext_lazy("Approved figure"), gettext_lazy("Increment"), gettext_lazy("Numerator"), gettext_lazy("Denominator"),
    gettext_lazy("Done"), gettext_lazy("Self-assessed status"), gettext_lazy("Narrative"), gettext_lazy("Version"),
    gettext_lazy("Approved by"), gettext_lazy("Approved at"), gettext_lazy("Demo data"),
)


def indicator_figures_records(request: ExportRequest) -> list:
    """Return the approved figures the page's table lists for the same parameters (`indicator` names
    the indicator), all pages; only `request.unit`'s when it is set (a reporter's own unit)."""
    plan = plan_current()
    code = request.filters.get("indicator", "")
    try:
        indicator = indicator_get(plan, code)
    except Http404:
        raise ExportRefused(_("There is no indicator “%s”.") % code[:20])
    queryset = approved_figures(request.user, indicator)
    if request.unit is not None:
        queryset = queryset.filter(unit=request.unit)
    figures = ApprovedFiguresFilter(
        request.filters or None,
        queryset=queryset,
        units=figure_units(indicator),
        periods=figure_periods(plan, timezone.localdate()),
    )
    table = ApprovedFiguresTable(figures.qs, prefix="figures-", order_by=request.filters.get("figures-sort") or None)
    return [row.record for row in table.rows]


def indicator_figures_table(request: ExportRequest) -> Table:
    records = indicator_figures_records(request)

    def rows():
        for record in records:
            version = record.approved
            yield [
                record.indicator.code,
                record.unit.code,
                record.unit.name,
                record.period.code,
                version_figure(version, record.indicator.kind),
                version.increment,
                version.numerator,
                version.denominator,
                version.done,
                version.get_self_status_display() if version.self_status else None,
                version.narrative or None,
                version.number,
                version.approved_by.username if version.approved_by else None,
                timezone.localtime(version.approved_at) if version.approved_at else None,
                _("yes") if record.is_demo else None,
            ]

    return Table(_("Approved figures"), header(*HEADER), rows(), total=len(records))


indicator_figures_csv_build, indicator_figures_xlsx_build = table_builders(indicator_figures_table)
