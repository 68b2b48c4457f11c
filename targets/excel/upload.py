"""Reading a filled template: its rows as JSON-friendly data, ready for the actions.

Reading is defensive: the size is judged before reading, the zip container before parsing
(targets.uploads), the XML by openpyxl through defusedxml (no entity expansion), and the number of
rows is capped. Checking has no rules of its own: the write, `actions.excel.excel_upload_apply`,
runs the very actions the web form uses — as a dry run inside a transaction that is rolled back, or
for real, all rows or none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
import zipfile

import openpyxl
from defusedxml import DefusedXmlException
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import Period, SubmissionVersion, Unit
from ..selectors.excel import indicator_codes_known
from ..selectors.reporting import SlotRow
from ..uploads import UploadRefused, check_zip_container
from .layout import (
    FORMAT,
    ITEM_COLUMNS,
    KEYS,
    MAX_DATA_ROWS,
    MAX_ITEM_ROWS,
    MAX_SCANNED_ROWS,
    MAX_UPLOAD_BYTES,
    META_SHEET,
    VALUE_COLUMNS,
    lists_items,
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


def _word(text) -> str:
    """Return a typed word in the form _words keys it: NFKC (full-width letters, brackets), lower case."""
    return unicodedata.normalize("NFKC", str(text)).strip().lower()


def _words(labels) -> dict[str, object]:
    """Map the labels of `labels()` in every portal language to their values, keyed by _word.

    A label's words before a bracket count too: the messages name the statuses 正常推进、存在风险、
    严重滞后, the labels add the light (正常推进（绿灯）).
    """
    words = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for value, label in labels():
                label = _word(label)
                words[label] = value
                words.setdefault(re.split(r"[(\[]", label, maxsplit=1)[0].strip() or label, value)
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


def _declares_xml_entities(data: bytes) -> bool:
    """Say whether any XML part of the workbook declares a DTD or entities.

    No workbook Excel writes has them, and they are how entity bombs and external-entity reads
    work. Checked on the parts themselves, before any XML parser runs: openpyxl parses with lxml
    when it is installed (python-docx brings it), which defusedxml does not guard.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename.endswith((".xml", ".rels", ".vml")):
                content = archive.read(info).upper()  # sizes already bounded by check_zip_container
                if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
                    return True
    return False


def upload_read(*, uploaded_file, unit: Unit, period: Period, slots: list[SlotRow]) -> dict:
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
    if _declares_xml_entities(data):
        raise ExcelRefused(_("The file contains XML that is not allowed (entity or DTD declarations) and was refused."))
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


def _rows_from_cells(data_rows: list, item_rows: list, slots: list[SlotRow]) -> tuple[list[dict], list[dict]]:
    """Return the parsed data rows and the errors of the items sheet (all JSON-friendly)."""
    slot_by_code = {slot.indicator.code: slot for slot in slots}
    codes_in_file = {_json_cell(values[0]) for _n, values in data_rows} - {None}
    known = indicator_codes_known(codes_in_file - set(slot_by_code))
    done_words = _words(lambda: zip((True, False), yes_no()))
    statuses = _words(lambda: SubmissionVersion.SelfStatus.choices) | {
        word: v for v in SubmissionVersion.SelfStatus.values for word in (v, v.replace("_", " "))
    }

    items_by_code: dict[str, list[dict]] = {}
    item_errors = []
    for number, (code, name, certificate) in item_rows:
        code = _json_cell(code)
        slot = slot_by_code.get(code)
        if slot is None or not lists_items(slot.indicator):
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
                value = done_words.get(_word(value), value)
            if key == "self_status" and isinstance(value, str):
                value = statuses.get(_word(value), value)
            row["values"][key] = value
        if lists_items(slot.indicator):
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


def upload_digest(payload: dict) -> str:
    """Return the SHA-256 of the upload as kept in the session: a confirmation must match it."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()

