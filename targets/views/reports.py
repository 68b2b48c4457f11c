"""Reporting oversight: completeness and timeliness of the reports, and the auditors' audit log."""

from __future__ import annotations

import django_tables2 as tables
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from .. import selectors
from ..actions.exports import audit_export_record
from ..exports.audit_csv import audit_csv_filename, audit_csv_stream
from ..permissions import CITY_VIEW_ROLES, can_read_audit_log, reads_approved_only, role_required
from ..selectors.audit import PAGE_SIZE, audit_entries_filtered, audit_verify
from ..selectors.completeness import (
    completeness_default_period,
    completeness_matrix,
    completeness_periods,
)
from ..selectors.periods import period_pick
from ..tables import AuditTable
from .common import client_ip



def _submission_url(pk: int) -> str:
    return reverse("targets:submission_detail", args=[pk])


@role_required(*CITY_VIEW_ROLES)
def completeness(request):
    today = timezone.localdate()
    periods = completeness_periods(today=today)
    choice = period_pick(periods, request.GET.get("period", ""), default=completeness_default_period(periods, today=today))
    period, period_error = choice.period, choice.error
    matrix = completeness_matrix(period=period, today=today, plan=selectors.plan_current()) if period else None
    url_for = _submission_url
    if matrix:
        # Leaders read approved figures only (permissions.submissions_visible_to): link just those.
        approved_only = reads_approved_only(request.user)
        for row in matrix.rows:
            for cell in row.cells:
                if cell.submission_id and (cell.has_approved or not approved_only):
                    cell.url = url_for(cell.submission_id)
    return render(
        request,
        "targets/completeness.html",
        {
            "nav": "completeness",
            "periods": periods,
            "matrix": matrix,
            "requested_period": request.GET.get("period", "").strip(),
            "period_error": period_error,
            "days_to_due": (period.due - today).days if period else None,
        },
    )


def _audit_csv(request, filterset) -> StreamingHttpResponse:
    """Stream the filtered entries as CSV; the export itself is recorded in the log first."""
    entries = audit_export_record(
        user=request.user, entries=filterset.qs, filters=filterset.active_filters(), ip=client_ip(request)
    )
    response = StreamingHttpResponse(audit_csv_stream(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{audit_csv_filename()}"'
    return response


def audit_log(request):
    if not can_read_audit_log(request.user):
        raise PermissionDenied
    filterset = audit_entries_filtered(request.GET)
    if request.GET.get("format") == "csv" and filterset.form.is_valid():
        return _audit_csv(request, filterset)
    table = AuditTable(filterset.qs.select_related("actor"), submission_url=_submission_url)
    tables.RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    export_params = request.GET.copy()
    export_params.pop("page", None)
    export_params["format"] = "csv"
    return render(
        request,
        "targets/audit_log.html",
        {
            "nav": "audit",
            "filter": filterset,
            "table": table,
            "broken": audit_verify(),
            "export_query": export_params.urlencode(),
        },
    )


urlpatterns = [
    path("completeness/", completeness, name="completeness"),
    path("audit/", audit_log, name="audit_log"),
]
