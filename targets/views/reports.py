"""Reporting oversight: completeness and timeliness of the reports, and the auditors' audit log."""

from __future__ import annotations

import django_tables2 as tables
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import selectors
from ..actions import audit_record
from ..models import AuditEntry, User
from ..permissions import CITY_VIEW_ROLES, can_read_audit_log, role_required
from ..selectors.audit import (
    PAGE_SIZE,
    audit_chain_status,
    audit_csv_lines,
    audit_csv_rows,
    audit_entries_filtered,
)
from ..selectors.completeness import (
    completeness_default_period,
    completeness_matrix,
    completeness_periods,
)
from ..tables import AuditTable
from .common import client_ip



def _submission_url(pk: int) -> str:
    return reverse("targets:submission_detail", args=[pk])


@role_required(*CITY_VIEW_ROLES)
def completeness(request):
    today = timezone.localdate()
    periods = completeness_periods(today=today)
    code = request.GET.get("period", "").strip()
    period = next((p for p in periods if p.code == code), None) if code else None
    period_error = ""
    if code and period is None:
        period_error = _("There is no reporting period “%s” to show; the default period is shown instead.") % code
    period = period or completeness_default_period(periods, today=today)
    matrix = completeness_matrix(period=period, today=today, plan=selectors.plan_current()) if period else None
    url_for = _submission_url
    if matrix:
        # Leaders read approved figures only (permissions.submissions_visible_to): link just those.
        approved_only = request.user.role == User.Role.LEADER
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
            "requested_period": code,
            "period_error": period_error,
            "days_to_due": (period.due - today).days if period else None,
        },
    )


def _audit_csv(request, filterset) -> StreamingHttpResponse:
    """Stream the filtered entries as CSV; the export itself is recorded in the log first."""
    entries = filterset.qs
    # Fix what is exported before recording the export, so the file does not include its own entry.
    last_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    entries = entries.filter(id__lte=last_id)
    audit_record(
        action=AuditEntry.Action.EXPORT,
        actor=request.user,
        ip=client_ip(request),
        object_type="auditentry",
        object_repr="audit log (CSV)",
        after={"format": "csv", "filters": filterset.active_filters(), "rows": entries.count(), "up_to_entry": last_id},
    )
    response = StreamingHttpResponse(audit_csv_lines(audit_csv_rows(entries)), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response


def audit_log(request):
    if not can_read_audit_log(request.user):
        raise PermissionDenied
    filterset = audit_entries_filtered(request.GET)
    if request.GET.get("format") == "csv" and filterset.form.is_valid():
        return _audit_csv(request, filterset)
    table = AuditTable(filterset.qs, submission_url=_submission_url)
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
            "broken": audit_chain_status(),
            "export_query": export_params.urlencode(),
        },
    )


urlpatterns = [
    path("completeness/", completeness, name="completeness"),
    path("audit/", audit_log, name="audit_log"),
]
