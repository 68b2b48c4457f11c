"""Cells that spreadsheets read as data, never as formulas: the one rule for every file we write.

Excel, WPS and LibreOffice run a cell that starts like a formula (`= + - @`, or a tab or carriage
return before one) — text typed by anyone (a login name, a narrative, an item's name) could then
fetch a URL or run a command on an auditor's machine (OWASP "CSV injection"). Such text is written
with a leading apostrophe, which the spreadsheet shows as the text itself.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Return `value` unchanged unless it is text that a spreadsheet would take for a formula; then
    the same text behind an apostrophe. Numbers, dates and None pass through (they are data)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
