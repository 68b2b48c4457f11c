"""Reading a filled template and running its rows through the actions: a dry run, or for real.

Reading is defensive: the size is judged before reading, the zip container before parsing
(targets.uploads), the XML by openpyxl through defusedxml (no entity expansion), and the number of
rows is capped. Checking has no rules of its own: `upload_apply` runs the very actions the web form
uses — as a dry run inside a transaction that is rolled back, or for real, all rows or none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
from defusedxml import DefusedXmlException
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ..actions import ActionError, FiguresInvalid, StaleVersion, audit_record, submission_save, submission_submit
from ..figures import fields_for, figures_clean
from ..models import AuditEntry, Indicator, Period, Submission, SubmissionVersion, Unit, User
from ..selectors.excel import Slot, excel_slots, indicator_codes_known
from ..uploads import UploadRefused, check_zip_container
from .layout import (
    CREATE,
    EMPTY,
    ERROR,
    FORMAT,
    ITEM_COLUMNS,
    KEYS,
    MAX_DATA_ROWS,
    MAX_ITEM_ROWS,
    MAX_SCANNED_ROWS,
    MAX_UPLOAD_BYTES,
    META_SHEET,
    SUBMIT,
    UNCHANGED,
    UPDATE,
    VALUE_COLUMNS,
    WRITES,
    used_columns,
    yes_no,
)


class ExcelRefused(Exception):
    """The file as a whole is refused; the message says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Reading an upload -----------------------------------------------------------------------------


def _json_cell(value):
    """Return a cell's value as JSON-friendly input for figures_clean (text, booleans, ISO dates)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _words(labels) -> dict[str, object]:
    """Map the labels of `labels()` in every portal language (lower case) to their values."""
    words = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value, label in labels():
                words[str(label).strip().lower()] = value
    return words


def _read_rows(sheet, width: int, limit: int, what: str) -> list[tuple[int, tuple]]:
    """Return (row number, values) of the non-blank rows below the header, at most `limit` of them."""
    rows = []
    for number, values in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
        if number > MAX_SCANNED_ROWS:
            raise ExcelRefused(_("The sheet “%(sheet)s” has too many rows (at most %(limit)d).") % {"sheet": what, "limit": limit})
        values = tuple(values) + (None,) * (width - len(values))
        if all(_json_cell(v) is None for v in values):
            continue
        rows.append((number, values))
        if len(rows) > limit:
            raise ExcelRefused(_("The sheet “%(sheet)s” has more than %(limit)d rows.") % {"sheet": what, "limit": limit})
    return rows


def _open(data: bytes, unit: Unit, period: Period) -> tuple[list, list]:
    """Parse the workbook and return its data rows and item rows (raw cell values)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        if META_SHEET not in workbook.sheetnames:
            raise ExcelRefused(_("This is not the portal's Excel template: download the template and fill that in."))
        meta = {}
        for row in workbook[META_SHEET].iter_rows(max_row=20, max_col=2, values_only=True):
            if row and row[0]:
                meta[str(row[0])] = "" if len(row) < 2 or row[1] is None else str(row[1])
        if meta.get("format") != FORMAT:
            raise ExcelRefused(_("This is not the portal's Excel template: download the template and fill that in."))
        if meta.get("unit") != unit.code:
            raise ExcelRefused(
                _("This file is the template of unit %(theirs)s; you report for %(ours)s (%(name)s).")
                % {"theirs": meta.get("unit"), "ours": unit.code, "name": unit.name}
            )
        if meta.get("period") != period.code:
            raise ExcelRefused(
                _("This file is for %(theirs)s, not %(ours)s: upload it on the page of %(theirs)s, or download the template of %(ours)s.")
                % {"theirs": meta.get("period"), "ours": period.code}
            )
        for key in ("data_sheet", "items_sheet"):
            if meta.get(key) not in workbook.sheetnames:
                raise ExcelRefused(_("The sheet “%s” is missing: do not rename or delete sheets.") % meta.get(key))
        data_rows = _read_rows(workbook[meta["data_sheet"]], len(KEYS), MAX_DATA_ROWS, meta["data_sheet"])
        item_rows = _read_rows(workbook[meta["items_sheet"]], len(ITEM_COLUMNS), MAX_ITEM_ROWS, meta["items_sheet"])
        return data_rows, item_rows
    finally:
        workbook.close()


def _caused_by(error: BaseException, kind: type) -> bool:
    """Say whether `error` or an exception it was raised from is a `kind`."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def upload_read(*, uploaded_file, unit: Unit, period: Period, slots: list[Slot]) -> dict:
    """Return the upload as JSON-friendly data: file digest, data rows and item-sheet errors.

    Raise ExcelRefused when the file as a whole cannot be taken (size, container, XML, template).
    """
    if uploaded_file.size > MAX_UPLOAD_BYTES:
        raise ExcelRefused(
            _("“%(name)s” is %(size).1f MB: Excel uploads may be at most 5 MB.")
            % {"name": uploaded_file.name, "size": uploaded_file.size / 1024 / 1024}
        )
    data = uploaded_file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ExcelRefused(_("Excel uploads may be at most 5 MB."))
    if not data:
        raise ExcelRefused(_("“%s” is empty.") % uploaded_file.name)
    try:
        check_zip_container(data, "xlsx")
    except UploadRefused as refusal:
        raise ExcelRefused(str(refusal))
    try:
        data_rows, item_rows = _open(data, unit, period)
    except ExcelRefused:
        raise
    except Exception as error:
        # openpyxl raises many kinds of errors on damaged files (and wraps defusedxml's refusals in a
        # ValueError); none of them may become a 500.
        if _caused_by(error, DefusedXmlException):
            raise ExcelRefused(_("The file contains XML that is not allowed (entity or DTD declarations) and was refused."))
        raise ExcelRefused(_("The file could not be read as an Excel workbook: save it again as .xlsx and upload it once more."))
    rows, item_errors = _rows_from_cells(data_rows, item_rows, slots)
    return {
        "file_sha256": hashlib.sha256(data).hexdigest(),
        "file_name": uploaded_file.name[-200:],
        "rows": rows,
        "item_errors": item_errors,
    }


def _rows_from_cells(data_rows: list, item_rows: list, slots: list[Slot]) -> tuple[list[dict], list[dict]]:
    """Return the parsed data rows and the errors of the items sheet (all JSON-friendly)."""
    slot_by_code = {slot.indicator.code: slot for slot in slots}
    codes_in_file = {_json_cell(values[0]) for _n, values in data_rows} - {None}
    known = indicator_codes_known(codes_in_file - set(slot_by_code))
    done_words = _words(lambda: zip((True, False), yes_no()))
    statuses = _words(lambda: SubmissionVersion.SelfStatus.choices) | {v: v for v in SubmissionVersion.SelfStatus.values}

    items_by_code: dict[str, list[dict]] = {}
    item_errors = []
    for number, (code, name, certificate) in item_rows:
        code = _json_cell(code)
        slot = slot_by_code.get(code)
        if slot is None or slot.indicator.kind != Indicator.Kind.CUMULATIVE:
            message = _("“%s” is not a cumulative indicator your unit reports: items are listed only for those.")
            item_errors.append({"row": number, "code": code or "", "message": message % (code or "—")})
            continue
        item = {"name": _json_cell(name) or "", "number": _json_cell(certificate) or ""}
        items_by_code.setdefault(code, []).append(item)

    rows, seen = [], {}
    for number, values in data_rows:
        cells = dict(zip(KEYS, values))
        code = _json_cell(cells["code"])
        row = {"row": number, "code": code or "", "values": {}, "version": None, "errors": [], "empty": False}
        rows.append(row)
        slot = slot_by_code.get(code)
        if slot is None:
            if not code:
                message = _("The row has no indicator code.")
            elif code in known:
                message = _("%s is not an indicator your unit reports.") % code
            else:
                message = _("Unknown indicator code “%s”.") % code
            row["errors"].append({"field": "code", "message": message})
            continue
        if code in seen:
            message = _("%(code)s appears more than once (row %(first)d).") % {"code": code, "first": seen[code]}
            row["errors"].append({"field": "code", "message": message})
            continue
        seen[code] = number
        used = used_columns(slot.indicator)
        for key in VALUE_COLUMNS:
            value = _json_cell(cells[key])
            if key not in used:
                if value is not None:
                    message = _("This column is not used by this kind of indicator: leave it empty.")
                    row["errors"].append({"field": key, "message": message})
                continue
            if key == "done" and isinstance(value, str):
                value = done_words.get(value.lower(), value)
            if key == "self_status" and isinstance(value, str):
                value = statuses.get(value.lower(), value)
            row["values"][key] = value
        if slot.indicator.kind == Indicator.Kind.CUMULATIVE:
            row["values"]["items"] = items_by_code.get(code, [])
        version = _json_cell(cells["version"])
        if version is not None:
            try:
                row["version"] = int(version)
            except ValueError:
                message = _("The version column was changed: download a fresh template.")
                row["errors"].append({"field": "version", "message": message})
        row["empty"] = all(v in (None, "", []) for v in row["values"].values())
    for code in set(items_by_code) - set(seen):
        message = _("Items are listed for %s, but the data sheet has no row for it.") % code
        item_errors.append({"row": 0, "code": code, "message": message})
    return rows, item_errors



# --- Checking and saving ---------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised at the end of a dry run so that the transaction rolls everything back."""


@dataclass
class Outcome:
    row: dict
    indicator: Indicator | None
    outcome: str
    errors: list[dict]


def _jsonish(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _unchanged(indicator: Indicator, period: Period, values: dict, version: SubmissionVersion) -> bool:
    """Say whether `values` read the same as the version's (parsed by the same rules as saving)."""
    cleaned = figures_clean(indicator, period, values, complete=False)
    if cleaned.errors:
        return False
    current = version.values()
    return all(_jsonish(cleaned.values.get(name)) == current.get(name) for name in fields_for(indicator))


def _errors_of(exc: ActionError) -> list[dict]:
    return [{"field": field, "message": str(message)} for field, messages in exc.errors.items() for message in messages]


def _apply_row(
    *, user: User, unit: Unit, period: Period, row: dict, slot: Slot | None, submit: bool, ip: str | None
) -> Outcome:
    """Run one row through the actions (in their own savepoints) and say what came of it."""
    indicator = slot.indicator if slot else None
    if slot is None and not row["errors"]:
        # The indicator was unassigned between reading the file and now.
        row = dict(row, errors=[{"field": "code", "message": _("%s is not an indicator your unit reports.") % row["code"]}])
    if row["errors"]:
        return Outcome(row, indicator, ERROR, row["errors"])
    submission = slot.submission
    if submission is None and row["empty"]:
        return Outcome(row, indicator, EMPTY, [])
    values, version = row["values"], row["version"]
    try:
        if submission is None:
            submission_save(user=user, indicator=indicator, unit=unit, period=period, values=values, submit=submit, ip=ip)
            return Outcome(row, indicator, CREATE, [])
        same = _unchanged(indicator, period, values, submission.current)
        if submission.status == Submission.Status.APPROVED:
            if same:
                return Outcome(row, indicator, UNCHANGED, [])
            message = _("Approved figures: amend them in the form, with a reason.")
            return Outcome(row, indicator, ERROR, [{"field": "__all__", "message": message}])
        if same:
            if submit and submission.status in (Submission.Status.DRAFT, Submission.Status.RETURNED):
                submission_submit(user=user, submission=submission, expected_version=version, ip=ip)
                return Outcome(row, indicator, SUBMIT, [])
            return Outcome(row, indicator, UNCHANGED, [])
        if version is None:
            # The action refuses an edit that names no version too; this says why in Excel's terms.
            message = _(
                "Since this file was downloaded, figures were entered for this indicator (now version %d): "
                "download a fresh template."
            ) % submission.current.number
            return Outcome(row, indicator, ERROR, [{"field": "version", "message": message}])
        submission_save(
            user=user, indicator=indicator, unit=unit, period=period, values=values,
            expected_version=version, submit=submit, ip=ip,
        )
        return Outcome(row, indicator, UPDATE, [])
    except (StaleVersion, FiguresInvalid, ActionError) as exc:
        # Each action runs in its own savepoint: a refused row leaves nothing behind.
        return Outcome(row, indicator, ERROR, _errors_of(exc))


def upload_apply(
    *, user: User, unit: Unit, period: Period, upload: dict, submit: bool, commit: bool, ip: str | None = None
) -> tuple[list[Outcome], bool]:
    """Run the upload's rows through the actions; return the outcome per row and whether it was saved.

    With commit=False it is a dry run: everything is rolled back. With commit=True the rows are
    saved — all of them, with an UPLOAD audit entry, or none when any row (or the items sheet) fails.
    """
    outcomes: list[Outcome] = []
    try:
        with transaction.atomic():
            slots = {slot.indicator.code: slot for slot in excel_slots(unit, period)}
            for row in upload["rows"]:
                outcomes.append(
                    _apply_row(user=user, unit=unit, period=period, row=row, slot=slots.get(row["code"]), submit=submit, ip=ip)
                )
            failed = upload["item_errors"] or any(o.outcome == ERROR for o in outcomes)
            if not commit or failed:
                raise _DryRun
            audit_record(
                action=AuditEntry.Action.UPLOAD, actor=user, ip=ip, obj=unit,
                after={
                    "period": period.code,
                    "rows": sum(o.outcome in WRITES for o in outcomes),
                    "file_sha256": upload["file_sha256"],
                    "submitted": submit,
                },
            )
            return outcomes, True
    except _DryRun:
        return outcomes, False


def upload_digest(payload: dict) -> str:
    """Return the SHA-256 of the upload as kept in the session: a confirmation must match it."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()

