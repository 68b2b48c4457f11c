"""The layout of the Excel template, shared by building it and reading it back."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from ..kinds import kind_of
from ..models import Indicator

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_DATA_ROWS = 500
MAX_ITEM_ROWS = 5000
# Blank rows are skipped but still cost time to read: a sheet may not make us read forever.
MAX_SCANNED_ROWS = 20 * MAX_ITEM_ROWS
FORMAT = "wenzhou-metrology-excel/1"
META_SHEET = "meta"

# The data sheet's columns, in order. The first six are the portal's, locked and grey.
COLUMNS = (
    ("code", gettext_lazy("Code")),
    ("name", gettext_lazy("Indicator")),
    ("kind", gettext_lazy("Kind")),
    ("unit", gettext_lazy("Unit of measure")),
    ("status", gettext_lazy("Status")),
    ("version", gettext_lazy("Version")),
    ("increment", gettext_lazy("Increment")),
    ("numerator", gettext_lazy("Numerator")),
    ("denominator", gettext_lazy("Denominator")),
    ("done", gettext_lazy("Done")),
    ("completed_on", gettext_lazy("Completed on")),
    ("self_status", gettext_lazy("Self-assessed status")),
    ("narrative", gettext_lazy("Narrative")),
    ("note", gettext_lazy("Note")),
    ("explanation", gettext_lazy("Explanation")),
)
KEYS = [key for key, _label in COLUMNS]
PORTAL_COLUMNS = KEYS[:6]
VALUE_COLUMNS = KEYS[6:]
WIDTHS = {
    "code": 12, "name": 42, "kind": 16, "unit": 10, "status": 14, "version": 8, "increment": 11,
    "numerator": 11, "denominator": 11, "done": 8, "completed_on": 13, "self_status": 20,
    "narrative": 50, "note": 30, "explanation": 34,
}
ITEM_COLUMNS = (
    ("code", gettext_lazy("Code"), 14),
    ("name", gettext_lazy("Item name"), 50),
    # The identifier the indicator's items carry (plan file: item_identifier; identifiers.py).
    ("number", gettext_lazy("Credit code or certificate no."), 30),
)
# Labels of the fields the actions name in their errors.
FIELD_LABELS = dict(COLUMNS) | {
    "items": gettext_lazy("Items"),
    "indicator": gettext_lazy("Indicator"),
    "period": gettext_lazy("Period"),
}
# What a row of the report can come to.
CREATE, UPDATE, SUBMIT, UNCHANGED, EMPTY, ERROR = "create", "update", "submit", "unchanged", "empty", "error"
WRITES = (CREATE, UPDATE, SUBMIT)


def used_columns(indicator: Indicator) -> set[str]:
    """Return the value columns the indicator's kind uses (items go on their own sheet)."""
    return set(kind_of(indicator).excel_columns)


def lists_items(indicator: Indicator) -> bool:
    """Say whether the indicator's items are listed on the items sheet (its kind counts items)."""
    return kind_of(indicator).items_sheet


def yes_no() -> tuple[str, str]:
    """Return the words for yes and no in the active language (the drop-down of “done”)."""
    return _("Yes"), _("No")


# Text a spreadsheet would run when the cell is edited: a formula, or a payload like +cmd|' /c …'!A1.
FORMULA_START = ("=", "+", "-", "@")


def write_cell(sheet, row: int, column: int, value):
    """Write `value` into a cell and return the cell: text always as text, never a formula.

    openpyxl stores a string starting with “=” as a live formula (and “#N/A” as an error), and
    the portal writes what users typed (notes, narratives, item names, certificate numbers): every
    string is forced to a text cell, quoted when it starts like a formula so that editing the cell
    in Excel keeps it text. Control characters, which an .xlsx cannot hold, are dropped.
    """
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_START):
            cell.quotePrefix = True
    elif value is not None:
        cell.value = value
    return cell
