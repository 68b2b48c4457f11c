"""Reporting oversight: completeness and timeliness of the reports, and the auditors' audit log."""

from __future__ import annotations

from collections.abc import Callable

import django_tables2 as tables
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import selectors
from ..actions import audit_record
from ..models import AuditEntry, User
from ..permissions import can_read_audit_log, role_required
from ..selectors.audit import (
    PAGE_SIZE,
    audit_chain_status,
    audit_changes,
    audit_csv_lines,
    audit_csv_rows,
    audit_entries_filtered,
)
from ..selectors.completeness import (
    completeness_default_period,
    completeness_matrix,
    completeness_periods,
)
from .common import client_ip

COMPLETENESS_ROLES = (User.Role.REVIEWER, User.Role.LEADER, User.Role.AUDITOR, User.Role.ADMIN)


def _submission_url_maker() -> Callable[[int], str] | None:
    """Return a function giving a submission's detail URL, or None while that page does not exist."""
    sentinel = 987654321
    for kwargs in ({"args": [sentinel]}, {"kwargs": {"pk": sentinel}}):
        try:
            pattern = reverse("targets:submission_detail", **kwargs)
        except NoReverseMatch:
            continue
        return lambda pk: pattern.replace(str(sentinel), str(pk))
    return None


@role_required(*COMPLETENESS_ROLES)
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
    url_for = _submission_url_maker()
    if matrix and url_for:
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


class AuditTable(tables.Table):
    """The audit log as a table; newest first, in the order of the chain (no re-sorting)."""

    at = tables.Column(verbose_name=gettext_lazy("Time"))
    actor_name = tables.Column(verbose_name=gettext_lazy("User"))
    ip = tables.Column(verbose_name=gettext_lazy("Address"))
    action = tables.Column(verbose_name=gettext_lazy("Action"))
    object = tables.Column(verbose_name=gettext_lazy("Object"), accessor="object_repr", empty_values=())
    changes = tables.Column(verbose_name=gettext_lazy("Before → after"), accessor="pk", empty_values=())
    hash = tables.Column(verbose_name=gettext_lazy("Hash"))

    class Meta:
        model = AuditEntry
        fields: tuple = ()
        orderable = False
        attrs = {"class": "data audit-table"}
        empty_text = gettext_lazy("No entries match these filters.")
        template_name = "django_tables2/table.html"

    def __init__(self, *args, submission_url: Callable[[int], str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.submission_url = submission_url

    def render_at(self, value):
        return format_html('<span class="nowrap">{}</span>', timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S"))

    def render_actor_name(self, record):
        return record.actor_name or "—"

    def render_action(self, record):
        return format_html('<span class="action action-{}">{}</span>', record.action, record.get_action_display())

    def render_object(self, record):
        if not (record.object_type or record.object_repr):
            return "—"
        label = record.object_repr or f"{record.object_type} {record.object_id}"
        title = f"{record.object_type} #{record.object_id}" if record.object_id else record.object_type
        if record.object_type == "submission" and self.submission_url and record.object_id.isdigit():
            return format_html('<a href="{}" title="{}">{}</a>', self.submission_url(int(record.object_id)), title, label)
        return format_html('<span title="{}">{}</span>', title, label)

    def render_changes(self, record):
        changes = audit_changes(record.before, record.after)
        if not changes:
            return "—"
        items = []
        for change in changes:
            key = format_html('<code class="key">{}</code> ', change.key) if change.key else ""
            if change.added:  # a value set where there was none: just the new value
                items.append(format_html("<li>{}<ins>{}</ins></li>", key, change.after))
            elif change.removed:
                items.append(format_html('<li>{}<del>{}</del> <span class="muted">({})</span></li>', key, change.before, _("removed")))
            else:
                items.append(format_html(
                    '<li>{}<del>{}</del> <span aria-hidden="true">→</span><span class="visually-hidden">{}</span> <ins>{}</ins></li>',
                    key, change.before, _("changed to"), change.after,
                ))
        return format_html('<ul class="changes">{}</ul>', format_html_join("", "{}", ((item,) for item in items)))

    def render_hash(self, value):
        return format_html('<code class="hash" title="{}">{}…</code>', value, value[:10])


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
    table = AuditTable(filterset.qs, submission_url=_submission_url_maker())
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
