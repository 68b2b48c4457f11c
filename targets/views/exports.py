"""My exports: ask for an export, watch its bar move (htmx polls the row), download the file.

Thin views: the rules are in targets.actions.exports and targets.permissions; the row of an
export still being built polls itself every second and stops once it is ready or has failed.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, re_path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..actions import ActionError
from ..actions.exports import (
    export_download_record,
    export_filename,
    export_path,
    export_request,
    export_retry,
    table_export,
)
from ..exports import export_kind
from ..models import Export
from ..permissions import export_get_for_user
from ..selectors.exports import export_kinds_for_user, export_periods, export_units_for_user, exports_for_user
from ..selectors.periods import period_get
from ..selectors.plan import unit_get
from .common import client_ip


def _lookup(getter, code: str, message: str):
    try:
        return getter(code)
    except Http404:
        raise ActionError(message % code[:20])


@require_GET
def export_list(request):
    user = request.user
    return render(
        request,
        "targets/exports.html",
        {
            "nav": "exports",
            "exports": exports_for_user(user),
            "kinds": export_kinds_for_user(user),
            "periods": export_periods(),
            "units": export_units_for_user(user),
        },
    )


@require_POST
def export_create(request):
    kind = request.POST.get("kind", "")
    period_code = request.POST.get("period", "").strip()
    unit_code = request.POST.get("unit", "").strip()
    try:
        period = _lookup(period_get, period_code, _("There is no period “%s”.")) if period_code else None
        unit = _lookup(unit_get, unit_code, _("There is no unit “%s”.")) if unit_code else None
        export = export_request(
            user=request.user, kind=kind, period=period, unit=unit, language=get_language(), ip=client_ip(request)
        )
    except ActionError as refused:
        if refused.status == 403:
            raise PermissionDenied
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("“%s” is being built; its bar below shows how far it has got.") % export_kind(export.kind).label
        )
    return redirect("targets:exports")


def _row(request, export: Export):
    return render(request, "targets/_export_row.html", {"export": export})


@require_GET
def export_row(request, pk):
    """Return one export's table row (htmx polls it while the export is being built)."""
    return _row(request, export_get_for_user(request.user, pk))


@require_POST
def export_retry_view(request, pk):
    export = export_get_for_user(request.user, pk)
    try:
        export = export_retry(user=request.user, export=export, ip=client_ip(request))
    except ActionError as refused:
        if refused.status == 403:
            raise PermissionDenied
        messages.error(request, refused.message)
    if request.htmx:
        return _row(request, export)
    return redirect("targets:exports")


def export_file_response(request, export: Export) -> FileResponse:
    """Return the finished file of `export` as an attachment and record the download (404 when it
    has no file: not ready, failed, expired, or removed from the disk)."""
    path = export_path(export) if export.status == Export.Status.DONE else None
    try:
        handle = path.open("rb") if path is not None else None
    except (FileNotFoundError, IsADirectoryError):
        handle = None
    if handle is None:
        raise Http404("the export has no file")
    export_download_record(user=request.user, export=export, ip=client_ip(request))
    registered = export_kind(export.kind)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=export_filename(export),
        content_type=registered.content_type if registered else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def export_download(request, pk):
    return export_file_response(request, export_get_for_user(request.user, pk))


def _table_page(table: str, filters: dict[str, str]) -> str:
    """Return the address of the page a table was downloaded from (to go back to with a message)."""
    if table == "indicator_figures":
        code = filters.get("indicator", "")
        if code and code.isprintable() and "/" not in code:
            return reverse("targets:dashboard_indicator", args=[code[:40]])
        return reverse("targets:dashboard_overview")
    return reverse(TABLE_PAGES[table])


TABLE_PAGES = {
    "review_queue": "targets:review_queue",
    "completeness": "targets:completeness",
    "units_compared": "targets:dashboard_counties",
    "audit_log": "targets:audit_log",
}
TABLE_FORMATS = ("csv", "xlsx")


@require_GET
def table_download(request, table, fmt):
    """Hand over a page's table as CSV or XLSX, built at once with the page's query parameters
    (targets.actions.exports.table_export records it); a refusal goes back to the page and says why."""
    if fmt not in TABLE_FORMATS:
        raise Http404("no such format")
    filters = {key: value for key, value in request.GET.items() if key != "page" and not key.endswith("-page")}
    try:
        made = table_export(
            user=request.user, kind=f"{table}_{fmt}", filters=filters, language=get_language(), ip=client_ip(request)
        )
    except ActionError as refused:
        if refused.status == 403:
            raise PermissionDenied
        if refused.status == 404:
            raise Http404("no such table")
        messages.error(request, refused.message)
        query = request.GET.urlencode()
        return redirect(_table_page(table, filters) + (f"?{query}" if query else ""))
    response = FileResponse(made.handle, as_attachment=True, filename=made.filename, content_type=made.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    re_path(r"^exports/table/(?P<table>[a-z_]+)\.(?P<fmt>[a-z]+)$", table_download, name="table_export"),
    path("exports/", export_list, name="exports"),
    path("exports/request/", export_create, name="export_create"),
    path("exports/<str:pk>/", export_row, name="export_row"),
    path("exports/<str:pk>/retry/", export_retry_view, name="export_retry"),
    path("exports/<str:pk>/download/", export_download, name="export_download"),
]
