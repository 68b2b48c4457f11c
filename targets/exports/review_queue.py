"""The reviewers' queue (/review/) as a file: the page's filters and sort order, every page of it."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..filters import ReviewQueueFilter
from ..selectors.review import previous_quarter_approved, review_queue_submissions
from ..tables import ReviewQueueTable
from ..templatetags.review import figure_change, version_figure
from .base import ExportRequest
from .table_files import Table, header, table_builders

PREVIOUS_CHUNK = 500  # submissions whose previous quarter is looked up in one query
HEADER = (
    gettext_lazy("Indicator code"), gettext_lazy("Indicator"), gettext_lazy("Unit code"), gettext_lazy("Unit"),
    gettext_lazy("Period"), gettext_lazy("Status"), gettext_lazy("Version"), gettext_lazy("Submitted value"),
    gettext_lazy("Previous quarter (approved)"), gettext_lazy("Change"), gettext_lazy("Submitted at"),
    gettext_lazy("Submitted by"), gettext_lazy("Late"),
)


def review_queue_records(request: ExportRequest) -> list:
    """Return the queue's submissions as the page lists them: its filters (status "submitted" when
    none is given), its sort (`sort`), all pages."""
    filterset = ReviewQueueFilter(request.filters, queryset=review_queue_submissions(request.user))
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    table = ReviewQueueTable(queryset, order_by=request.filters.get("sort") or None)
    return [row.record for row in table.rows]


def review_queue_table(request: ExportRequest) -> Table:
    records = review_queue_records(request)
    previous = {}
    for start in range(0, len(records), PREVIOUS_CHUNK):  # one query per chunk, as the page does per page
        previous.update(previous_quarter_approved(records[start:start + PREVIOUS_CHUNK]))

    def rows():
        for record in records:
            version, kind = record.current, record.indicator.kind
            earlier = previous.get(record.pk)
            yield [
                record.indicator.code,
                record.indicator.localized("name"),
                record.unit.code,
                record.unit.name,
                record.period.code,
                record.get_status_display(),
                version.number if version else None,
                version_figure(version, kind),
                version_figure(earlier, kind) if earlier is not None else None,
                figure_change(version, earlier, kind) or None,
                timezone.localtime(version.submitted_at) if version and version.submitted_at else None,
                version.submitted_by.username if version and version.submitted_by else None,
                _("late") if record.is_late else None,
            ]

    return Table(_("Review queue"), header(*HEADER), rows(), total=len(records))


review_queue_csv_build, review_queue_xlsx_build = table_builders(review_queue_table)
