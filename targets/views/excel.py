"""The reporters' Excel round trip: download the unit's template, upload it, check it, confirm it.

Reporters only, and always for their own unit (the unit comes from the login, never from the URL).
The upload is checked by a dry run of the real actions and kept in the session with a token and a
digest, so that the confirmation saves exactly the rows of the report the user saw.
"""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from ..actions.excel import Outcome, excel_upload_apply
from ..actions.exports import template_download_record
from ..excel import (
    CREATE,
    EMPTY,
    ERROR,
    FIELD_LABELS,
    SUBMIT,
    UNCHANGED,
    UPDATE,
    WRITES,
    ExcelRefused,
    template_build,
    template_filename,
    upload_digest,
    upload_read,
)
from ..models import SubmissionVersion, User
from ..permissions import role_required
from ..selectors.excel import excel_slots
from ..selectors.periods import period_get
from .common import client_ip

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "excel_upload"
OUTCOME_LABELS = {
    CREATE: gettext_lazy("OK: new"),
    UPDATE: gettext_lazy("OK: update"),
    SUBMIT: gettext_lazy("OK: submit unchanged figures"),
    UNCHANGED: gettext_lazy("Unchanged"),
    EMPTY: gettext_lazy("Empty: skipped"),
    ERROR: gettext_lazy("Error"),
}


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Filled Excel file (.xlsx, at most 5 MB)"))
    submit = forms.BooleanField(
        label=gettext_lazy("Submit the figures for review after saving (every row must then be complete)"),
        required=False,
    )


@role_required(User.Role.REPORTER)
@require_http_methods(["GET"])
def excel_template(request, period: str):
    period = period_get(period)
    unit = request.user.unit
    slots = excel_slots(unit, period)
    content = template_build(unit=unit, period=period, slots=slots)
    template_download_record(user=request.user, unit=unit, period=period, rows=len(slots), ip=client_ip(request))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, template_filename(unit, period))
    return response


@role_required(User.Role.REPORTER)
@require_http_methods(["GET", "POST"])
def excel_upload(request, period: str):
    period = period_get(period)
    unit = request.user.unit
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    context = {"period": period, "unit": unit, "form": form, "nav": "report"}
    if request.method == "GET" or not form.is_valid():
        return render(request, "targets/excel_upload.html", context, status=200 if request.method == "GET" else 400)
    try:
        upload = upload_read(
            uploaded_file=form.cleaned_data["file"], unit=unit, period=period, slots=excel_slots(unit, period)
        )
    except ExcelRefused as refusal:
        form.add_error("file", refusal.message)
        return render(request, "targets/excel_upload.html", context, status=400)
    submit = form.cleaned_data["submit"]
    outcomes, _saved = excel_upload_apply(
        user=request.user, unit=unit, period=period, upload=upload, submit=submit, commit=False, ip=client_ip(request)
    )
    payload = {"period": period.code, "unit": unit.code, "submit": submit, "upload": upload}
    pending = {"token": secrets.token_urlsafe(24), "digest": upload_digest(payload), "payload": payload}
    request.session[SESSION_KEY] = pending
    return _report(request, period, unit, pending, outcomes)


@role_required(User.Role.REPORTER)
@require_POST
def excel_confirm(request, period: str):
    period = period_get(period)
    unit = request.user.unit
    pending = request.session.get(SESSION_KEY)
    token, digest = request.POST.get("token", ""), request.POST.get("digest", "")
    if (
        not pending
        or not secrets.compare_digest(str(pending.get("token", "")), token)
        or not secrets.compare_digest(str(pending.get("digest", "")), digest)
        or upload_digest(pending["payload"]) != digest
        or pending["payload"]["period"] != period.code
        or pending["payload"]["unit"] != unit.code
    ):
        messages.error(request, _("This check is no longer current: upload the file again."))
        return redirect("targets:excel_upload", period.code)
    payload = pending["payload"]
    outcomes, saved = excel_upload_apply(
        user=request.user, unit=unit, period=period, upload=payload["upload"], submit=payload["submit"],
        commit=True, ip=client_ip(request),
    )
    if not saved:
        # Nothing was saved: show what stands in the way (e.g. someone saved a row meanwhile).
        messages.error(request, _("Nothing was saved: the rows below could not be saved as they are. Upload a corrected file."))
        return _report(request, period, unit, pending, outcomes, confirmed=True, status=409)
    del request.session[SESSION_KEY]
    count = sum(o.outcome in WRITES for o in outcomes)
    messages.success(
        request,
        ngettext("Saved %(count)d row from “%(file)s”.", "Saved %(count)d rows from “%(file)s”.", count)
        % {"count": count, "file": payload["upload"]["file_name"]},
    )
    try:
        # The period's page (reporting views) shows the saved figures; the upload page otherwise.
        return redirect("targets:report_period", period.code)
    except NoReverseMatch:
        return redirect("targets:excel_upload", period.code)


def _shown_values(row: dict) -> list[tuple[str, str]]:
    """Return the values read from a row as (column, text) pairs, for the report."""
    statuses = dict(SubmissionVersion.SelfStatus.choices)
    shown = []
    for key, value in row["values"].items():
        if value in (None, "", []):
            continue
        if key == "items":
            text = "; ".join(f"{i['name']}" + (f" ({i['number']})" if i["number"] else "") for i in value[:5])
            text = ngettext("%(count)d item: %(list)s", "%(count)d items: %(list)s", len(value)) % {"count": len(value), "list": text}
            if len(value) > 5:
                text += " …"
        elif value is True or value is False:
            text = _("Yes") if value else _("No")
        elif key == "self_status":
            text = str(statuses.get(value, value))
        else:
            text = str(value)
            if len(text) > 120:
                text = text[:120] + "…"
        shown.append((str(FIELD_LABELS.get(key, key)), text))
    return shown


def _report(request, period, unit, pending: dict, outcomes: list[Outcome], *, confirmed: bool = False, status: int = 200):
    upload = pending["payload"]["upload"]
    rows = [
        {
            "number": o.row["row"],
            "code": o.row["code"],
            "indicator": o.indicator,
            "values": _shown_values(o.row),
            "outcome": o.outcome,
            "outcome_label": OUTCOME_LABELS[o.outcome],
            "errors": [(str(FIELD_LABELS.get(e["field"], "")), e["message"]) for e in o.errors],
        }
        for o in outcomes
    ]
    errors = sum(o.outcome == ERROR for o in outcomes) + len(upload["item_errors"])
    to_save = sum(o.outcome in WRITES for o in outcomes)
    context = {
        "period": period,
        "unit": unit,
        "nav": "report",
        "rows": rows,
        "item_errors": upload["item_errors"],
        "file_name": upload["file_name"],
        "submit": pending["payload"]["submit"],
        "count_ok": to_save,
        "count_errors": errors,
        "count_unchanged": sum(o.outcome in (UNCHANGED, EMPTY) for o in outcomes),
        "can_confirm": errors == 0 and to_save > 0,
        "confirmed": confirmed,
        "token": pending["token"],
        "digest": pending["digest"],
    }
    return render(request, "targets/excel_report.html", context, status=status)


urlpatterns = [
    path("report/<str:period>/excel/", excel_template, name="excel_template"),
    path("report/<str:period>/excel/upload/", excel_upload, name="excel_upload"),
    path("report/<str:period>/excel/confirm/", excel_confirm, name="excel_confirm"),
]
