"""The file writers every export shares: CSV for Excel, XLSX streamed, and the canonical
content hash of a sheet that `manage.py verify_export` recomputes from the file alone.

Both writers stream: rows are consumed one by one from any iterable (a queryset's .iterator(), a
generator) and written at once, so memory stays flat however many rows there are (XLSX: XlsxWriter
in constant_memory mode, which writes each sheet's rows to a temporary file as inline strings;
openpyxl's write-only mode does the same at about 0.6 times the speed: bench/results/exports.md). Both call
`report_rows(n)` (n: data rows written so far, all sheets together) about every thousand rows.

Cells that a spreadsheet could take for a formula are neutralised in both (targets.exports.cells):
- CSV: text cells go through `spreadsheet_safe` (an apostrophe before `= + - @ \\t \\r`);
- XLSX: text is always written as a string cell (never a formula, whatever it starts with), and
  text that starts like a formula also gets Excel's "quote prefix" (the leading apostrophe Excel
  itself records when one types '=…), so that editing the cell later keeps it text. The cell
  keeps the exact text: an auditor's file shows what the portal holds.

Canonical content of a sheet (what its SHA-256 is computed over; `sheet_sha256`):
    the sheet's rows, from the first to the last row that has a non-empty cell; each row written as
    a JSON array (UTF-8, no spaces: separators "," and ":", non-ASCII characters as they are) of the
    canonical texts of its cells from the first column to its last non-empty cell, followed by one
    line feed ("\\n"); the SHA-256 of those bytes, in lower-case hex. A cell's canonical text:
    empty → "", text → the text itself, TRUE/FALSE for booleans, a number → the shortest decimal
    that reads back as the same double (`repr`), without ".0" when it is a whole number below 10^15,
    a date → YYYY-MM-DD, a date and time → YYYY-MM-DDTHH:MM:SS (a time of 00:00:00 → the date alone).
The header row is part of the content. The writer computes the hash from the values as the file
will give them back (text with line breaks as \\n, numbers as the doubles written), and the reader
(openpyxl, read-only) recomputes it from the cells' values.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

from django.utils import timezone
import xlsxwriter

from .cells import FORMULA_START, spreadsheet_safe

ReportRows = Callable[[int], None]

REPORT_EVERY = 1000  # rows between two report_rows() calls
BOM = "\ufeff".encode("utf-8")  # Excel reads a CSV as UTF-8 only after this mark

EXCEL_MAX_ROWS = 1_048_576  # rows per sheet, header included; more continue on another sheet
EXCEL_MAX_CHARS = 32_767  # characters per cell
EXCEL_MAX_TITLE = 31  # characters per sheet title
TRUNCATED = "…"
# Characters XML 1.0 cannot carry (a file with them does not open), and carriage returns, which an
# XML reader turns into line feeds: both are replaced before writing, so that what is hashed is
# what comes back.
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TITLE_ILLEGAL = re.compile(r"[\[\]:*?/\\]")


# --- CSV -------------------------------------------------------------------------------------------


def _decimal_plain(value: Decimal) -> str:
    """Return a decimal without exponent or trailing zeros (50.0000 → "50", 1E-7 → "0.0000001")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _csv_datetime(value: dt.datetime) -> str:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.isoformat(timespec="seconds")


def _csv_other(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, Decimal):
        return _decimal_plain(value)
    if isinstance(value, float):
        return _decimal_plain(Decimal(repr(value))) if math.isfinite(value) else repr(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, dt.datetime):
        return _csv_datetime(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return spreadsheet_safe(str(value))  # text of any kind: lazy translations, choices, str subclasses


# The exact types met in almost every cell, each with its conversion (a dict lookup per cell keeps
# the CSV writer above 50,000 rows a second: bench/exports.py).
_CSV_CELL: dict[type, Callable[[Any], str]] = {
    str: spreadsheet_safe,
    type(None): lambda value: "",
    int: str,
    Decimal: _decimal_plain,
    bool: lambda value: "TRUE" if value else "FALSE",
    dt.date: dt.date.isoformat,
    dt.datetime: _csv_datetime,
}


def csv_cell(value: Any) -> str:
    """Return a value as the text of a CSV cell: text made formula-safe, numbers and dates plain."""
    return _CSV_CELL.get(type(value), _csv_other)(value)


def csv_write(
    out: BinaryIO,
    header: list[str],
    rows: Iterable[Sequence],
    *,
    report_rows: ReportRows | None = None,
) -> int:
    """Write `header` and `rows` to `out` as CSV for Excel; return the number of rows (header excluded).

    UTF-8 with a byte-order mark (Excel then reads Chinese correctly), CRLF line ends, every text
    cell through spreadsheet_safe, decimals and dates written plainly (no exponent, no trailing
    zeros), None as an empty cell. Streams: the text is encoded and handed to `out` every
    REPORT_EVERY rows.
    """
    convert = _CSV_CELL
    other = _csv_other
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    out.write(BOM)
    writer.writerow([csv_cell(name) for name in header])
    written = 0
    for row in rows:
        writer.writerow([convert.get(type(value), other)(value) for value in row])
        written += 1
        if written % REPORT_EVERY == 0:
            out.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
            if report_rows is not None:
                report_rows(written)
    out.write(buffer.getvalue().encode("utf-8"))
    if report_rows is not None:
        report_rows(written)
    return written


# --- Canonical content -----------------------------------------------------------------------------


def _number_text(value: float) -> str:
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _datetime_text(value: dt.datetime) -> str:
    if value.time() == dt.time(0, 0):
        return value.date().isoformat()
    return value.replace(tzinfo=None).isoformat(sep="T")


def canonical_cell(value: Any) -> str:
    """Return the canonical text of a cell's value as a reader gets it back (openpyxl read-only:
    str, int, float, bool, datetime or None); see the module's docstring."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, Decimal)):
        return _number_text(float(value))
    if isinstance(value, dt.datetime):
        return _datetime_text(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


class SheetHash:
    """The SHA-256 of a sheet's canonical content, fed one row of canonical texts at a time."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()
        self._empty_rows = 0  # empty rows seen and not yet followed by a non-empty one

    def add(self, texts: list[str]) -> None:
        end = len(texts)
        while end and texts[end - 1] == "":
            end -= 1
        if not end:
            self._empty_rows += 1
            return
        if self._empty_rows:
            self._digest.update(b"[]\n" * self._empty_rows)
            self._empty_rows = 0
        line = json.dumps(texts[:end], ensure_ascii=False, separators=(",", ":"))
        self._digest.update(line.encode("utf-8"))
        self._digest.update(b"\n")

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def sheet_sha256(rows: Iterable[Iterable[Any]]) -> str:
    """Return the SHA-256 of the canonical content of a sheet given as rows of cell values (as a
    reader gets them: `worksheet.iter_rows(values_only=True)`)."""
    content = SheetHash()
    for row in rows:
        content.add([canonical_cell(value) for value in row])
    return content.hexdigest()


# --- XLSX ------------------------------------------------------------------------------------------


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def xlsx_text(value: str) -> str:
    """Return text as an XLSX cell can hold it and give it back: line breaks as "\\n", characters
    XML cannot carry replaced by U+FFFD, at most 32,767 UTF-16 units (longer text is cut, ending
    with "…")."""
    if _XML_UNSAFE.search(value):
        value = _XML_ILLEGAL.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))
    if len(value) > EXCEL_MAX_CHARS // 2 and _utf16_length(value) > EXCEL_MAX_CHARS:
        keep = EXCEL_MAX_CHARS - len(TRUNCATED)
        value = value[:keep]
        while _utf16_length(value) > keep:
            value = value[:-1]
        value += TRUNCATED
    return value


def sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """Return `title` as a valid, unused sheet title: no []:*?/\\, at most 31 characters."""
    base = _TITLE_ILLEGAL.sub("_", str(title)).strip().strip("'") or "Sheet"
    base = base[:EXCEL_MAX_TITLE]
    taken_lower = {name.lower() for name in taken}
    candidate, n = base, 1
    while candidate.lower() in taken_lower:
        n += 1
        suffix = f" ({n})"
        candidate = base[: EXCEL_MAX_TITLE - len(suffix)] + suffix
    return candidate


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@dataclass(frozen=True)
class SheetWritten:
    """A data sheet as written: its title, its data rows (header excluded) and its content hash."""

    title: str
    rows: int
    sha256: str


class SheetStream:
    """One sheet of an XlsxBook: an optional header row (bold, frozen), then rows appended one by one.

    Past Excel's limit of 1,048,576 rows a sheet, the rows continue on a new sheet titled
    "<title> (2)" (created then, so placed after the sheets created before it), with the same
    header; each sheet has its own hash.
    """

    def __init__(self, book: XlsxBook, title: str, header: Sequence[Any] | None, widths: Sequence[float] | None):
        self.book = book
        self.base_title = title
        self.header = [xlsx_text(str(name)) for name in header] if header is not None else None
        self.widths = widths
        self.parts: list[SheetWritten] = []
        self._open(title)

    def _open(self, title: str) -> None:
        self.title = sheet_title(title, self.book.titles)
        self.book.titles.append(self.title)
        self.sheet = self.book.workbook.add_worksheet(self.title)
        self.hash = SheetHash()
        self.row_index = 0  # the next row to write (0-based)
        self.data_rows = 0
        widths = self.widths
        if widths is None and self.header is not None:
            widths = [min(max(_display_width(name) + 2, 10), 60) for name in self.header]
        for column, width in enumerate(widths or ()):
            self.sheet.set_column(column, column, width)
        if self.header is not None:
            self.sheet.freeze_panes(1, 0)
            self._write(self.header, self.book.bold)

    def _write(self, row: Iterable[Any], text_format=None) -> None:
        self.hash.add(self.book.write_row(self.sheet, self.row_index, row, text_format))
        self.row_index += 1

    def append(self, row: Iterable[Any]) -> None:
        """Write one data row (values: str, int, Decimal, float, bool, date, datetime, None)."""
        if self.row_index >= EXCEL_MAX_ROWS:
            self.close()
            self._open(f"{self.base_title} ({len(self.parts) + 1})")
        self._write(row)
        self.data_rows += 1
        self.book.row_written()

    def append_plain(self, row: Iterable[Any], *, bold: bool = False) -> None:
        """Write a row that is not data (a cover sheet's lines): not counted, optionally bold."""
        self._write(row, self.book.bold if bold else None)

    def close(self) -> list[SheetWritten]:
        """Finish the current sheet; return every sheet this stream wrote, with its hash."""
        if not self.parts or self.parts[-1].title != self.title:
            self.parts.append(SheetWritten(self.title, self.data_rows, self.hash.hexdigest()))
        return self.parts


class XlsxBook:
    """An XLSX workbook written by XlsxWriter in constant_memory mode: each sheet's rows go to its
    own temporary file as they arrive, and close() zips the workbook into `out`. Sheets appear in
    the order they are created and may be filled in any order (a cover sheet created first, filled
    last); within a sheet rows are written in order."""

    def __init__(self, out: BinaryIO, *, report_rows: ReportRows | None = None):
        self.workbook = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                # Text stays text: never turned into numbers, formulas or links.
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self.titles: list[str] = []
        self.rows_written = 0
        self.report_rows = report_rows
        self.bold = self.workbook.add_format({"bold": True})
        self.bold_quoted = self.workbook.add_format({"bold": True, "quote_prefix": True})
        self.quoted = self.workbook.add_format({"quote_prefix": True})
        self.date_format = self.workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime_format = self.workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})

    def write_row(self, sheet, index: int, row: Iterable[Any], text_format=None) -> list[str]:
        """Write `row` at `index` of `sheet`; return its cells' canonical texts (as read back)."""
        texts: list[str] = []
        append = texts.append
        for column, value in enumerate(row):
            kind = type(value)
            if kind is str or isinstance(value, str):
                text = xlsx_text(str(value))
                if text:  # an empty text is an empty cell (it reads back as None: the same "")
                    if text.startswith(FORMULA_START):
                        cell_format = self.bold_quoted if text_format is not None else self.quoted
                    else:
                        cell_format = text_format
                    sheet.write_string(index, column, text, cell_format)
                append(text)
            elif value is None:
                append("")
            elif kind is Decimal or kind is int or kind is float:
                number = float(value)
                if math.isfinite(number):
                    sheet.write_number(index, column, number)
                    # Written with 16 significant digits ("%.16G"); the reader parses them back.
                    append(_number_text(float(f"{number:.16G}")))
                else:  # no such number in a spreadsheet: say it in words
                    sheet.write_string(index, column, str(value))
                    append(str(value))
            elif kind is bool:
                sheet.write_boolean(index, column, value)
                append("TRUE" if value else "FALSE")
            elif isinstance(value, dt.datetime):
                if timezone.is_aware(value):
                    value = timezone.make_naive(value)  # Excel has no time zones: local time
                value = value.replace(microsecond=0)
                sheet.write_datetime(index, column, value, self.datetime_format)
                append(_datetime_text(value))
            elif isinstance(value, dt.date):
                sheet.write_datetime(index, column, value, self.date_format)
                append(value.isoformat())
            else:  # anything else: its text
                text = xlsx_text(str(value))
                if text:
                    sheet.write_string(index, column, text, self.quoted if text.startswith(FORMULA_START) else text_format)
                append(text)
        return texts

    def sheet(
        self, title: str, header: Sequence[Any] | None = None, *, widths: Sequence[float] | None = None
    ) -> SheetStream:
        """Create a sheet (placed after those created before) and return it to append rows to."""
        return SheetStream(self, title, header, widths)

    def write_sheet(
        self, title: str, header: Sequence[Any], rows: Iterable[Sequence], *, widths: Sequence[float] | None = None
    ) -> list[SheetWritten]:
        """Write a whole data sheet; return it (and its continuations) with row counts and hashes."""
        stream = self.sheet(title, header, widths=widths)
        for row in rows:
            stream.append(row)
        return stream.close()

    def row_written(self) -> None:
        self.rows_written += 1
        if self.report_rows is not None and self.rows_written % REPORT_EVERY == 0:
            self.report_rows(self.rows_written)

    def close(self) -> None:
        """Put the workbook together into `out` (the sheets' temporary files are then removed)."""
        if not self.workbook.worksheets():
            self.workbook.add_worksheet()
        self.workbook.close()
        if self.report_rows is not None:
            self.report_rows(self.rows_written)

    def discard(self) -> None:
        """Remove the sheets' temporary files after a failure (close() removes them otherwise);
        nothing has been written to `out`."""
        for sheet in self.workbook.worksheets():
            handle = getattr(sheet, "row_data_fh", None)
            name = getattr(sheet, "row_data_filename", None)
            if handle is not None and not handle.closed:
                handle.close()
            if name:
                try:
                    os.unlink(name)
                except OSError:
                    pass
        self.workbook.fileclosed = True  # nothing more to write: no "not closed" warning


def xlsx_write(
    out: BinaryIO,
    sheets: Iterable[tuple[str, list[str], Iterable[Sequence]]],
    *,
    report_rows: ReportRows | None = None,
) -> int:
    """Write `sheets` — (title, header, rows) each — to `out` as one XLSX workbook; return the number
    of data rows written (headers excluded, all sheets together).

    Streams (XlsxWriter's constant_memory mode): memory stays flat however many rows. Header row
    bold and frozen; text written as string cells (never formulas; quote-prefixed when it starts
    like one), numbers (int, Decimal, float) as numbers, dates and date-times as dates (aware ones
    in local time), None as an empty cell. Sheets past 1,048,576 rows continue on "<title> (2)".
    """
    book = XlsxBook(out, report_rows=report_rows)
    try:
        for title, header, rows in sheets:
            book.write_sheet(title, header, rows)
        book.close()
    except BaseException:
        book.discard()
        raise
    return book.rows_written


def iter_sheet_values(sheet) -> Iterator[tuple]:
    """Yield the rows of a read-only worksheet as values (its recorded dimensions ignored: every row)."""
    sheet.reset_dimensions()
    yield from sheet.iter_rows(values_only=True)
