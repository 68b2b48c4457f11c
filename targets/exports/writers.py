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
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

from django.utils import timezone

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


# One encoder for every row (json.dumps would build a new one per call with these options).
_canonical_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


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
        line = _canonical_json(texts[:end] if end < len(texts) else texts)
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


_MAYBE_TOO_LONG = EXCEL_MAX_CHARS // 2  # shorter text always fits a cell (at most 2 UTF-16 units a character)


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def xlsx_text(value: str) -> str:
    """Return text as an XLSX cell can hold it and give it back: line breaks as "\\n", characters
    XML cannot carry replaced by U+FFFD, at most 32,767 UTF-16 units (longer text is cut, ending
    with "…")."""
    if _XML_UNSAFE.search(value):
        value = _XML_ILLEGAL.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))
    if len(value) > _MAYBE_TOO_LONG and _utf16_length(value) > EXCEL_MAX_CHARS:
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


# The workbook's fixed parts. Written by hand (see XlsxBook): the cell formats ("xf" in styles.xml) are
# fixed, each row's cells only name one by its index.
_XF_PLAIN, _XF_BOLD, _XF_QUOTED, _XF_BOLD_QUOTED, _XF_DATE, _XF_DATETIME = range(6)
_STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" quotePrefix="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)
_ROOT_RELS_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # serial 0 for every date from 1900-03-01 on (Excel's 1900 leap-day bug)


def _column_letters(n: int) -> str:
    """Return the letters of the n-th column (0 → A, 26 → AA)."""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_COLUMNS = [_column_letters(n) for n in range(702)]  # A … ZZ; wider rows are extended when met


def _xml_text(text: str) -> str:
    """Escape text for an XML element or a double-quoted attribute."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    return text


def _serial(value: dt.datetime) -> str:
    """Return a date and time as Excel's serial number (days since 1899-12-30, time as a fraction)."""
    delta = value - _EXCEL_EPOCH
    return repr(delta.days + delta.seconds / 86400) if delta.seconds else str(delta.days)


class SheetStream:
    """One sheet of an XlsxBook: an optional header row (bold, frozen), then rows appended one by one.

    Each row is turned into the sheet's XML at once and written to the sheet's own temporary file
    (unnamed, so it disappears with its handle whatever happens); only a few hundred rows of text
    are held in memory. Past Excel's limit of 1,048,576 rows a sheet, the rows continue on a new
    sheet titled "<title> (2)" (created then, so placed after the sheets created before it), with
    the same header; each sheet has its own hash.
    """

    FLUSH_EVERY = 500  # rows held as text before they go to the temporary file

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
        self.file = tempfile.TemporaryFile()
        self.book.files.append((self.title, self.file))
        self.pending: list[str] = []
        self.hash = SheetHash()
        self.row_index = 0  # the next row to write (0-based)
        self.data_rows = 0
        self.closed = False
        widths = self.widths
        if widths is None and self.header is not None:
            widths = [min(max(_display_width(name) + 2, 10), 60) for name in self.header]
        head = [_SHEET_HEAD]
        # The sheet's view: the first sheet is the one shown; a header row stays frozen at the top.
        selected = ' tabSelected="1"' if len(self.book.files) == 1 else ""
        if self.header is not None:
            head.append(
                f'<sheetViews><sheetView{selected} workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/></sheetView></sheetViews>'
            )
        else:
            head.append(f'<sheetViews><sheetView{selected} workbookViewId="0"/></sheetViews>')
        head.append('<sheetFormatPr defaultRowHeight="15"/>')
        if widths:
            head.append("<cols>")
            head.extend(
                f'<col min="{n}" max="{n}" width="{float(width):g}" customWidth="1"/>' for n, width in enumerate(widths, 1)
            )
            head.append("</cols>")
        head.append("<sheetData>")
        self.file.write("".join(head).encode("utf-8"))
        if self.header is not None:
            self._write(self.header, bold=True)

    def _write(self, row: Iterable[Any], bold: bool = False) -> None:
        """Turn `row` into the XML of row `row_index` + 1 and record its canonical texts in the hash.

        Text: an inline string (`t="inlineStr"`, never a formula), with the quote-prefix format when
        it starts like a formula; numbers: the canonical text itself (it reads back as the same
        double); dates: Excel's serial number with a date format; booleans: `t="b"`; None and "":
        no cell at all (each written cell names its column, so gaps are fine).

        This loop is the writer's cost (tens of millions of cells for a large export): the common
        cases are tested first, by exact type, and the helpers' fast paths are inlined.
        """
        if type(row) is not list:
            row = list(row)
        columns = _COLUMNS
        if len(row) > len(columns):
            columns.extend(_column_letters(n) for n in range(len(columns), len(row)))
        number = str(self.row_index + 1)
        texts: list[str] = []
        append = texts.append
        cells = [f'<row r="{number}">']
        cell = cells.append
        text_style = ' s="1"' if bold else ""
        quoted_style = f' s="{_XF_BOLD_QUOTED if bold else _XF_QUOTED}"'
        unsafe = _XML_UNSAFE.search
        for letters, value in zip(columns, row):
            kind = type(value)
            if kind is str:
                text = value
            elif value is None:
                append("")
                continue
            elif kind is Decimal or kind is float or kind is int:
                real = float(value)
                if real - real == 0:  # finite (inf - inf and nan - nan are nan)
                    # _number_text, inlined
                    text = str(int(real)) if real.is_integer() and -1e15 < real < 1e15 else repr(real)
                    cell(f'<c r="{letters}{number}"><v>{text}</v></c>')
                    append(text)
                    continue
                text = str(value)  # no such number in a spreadsheet: say it in words
            elif kind is bool:
                cell(f'<c r="{letters}{number}" t="b"><v>{int(value)}</v></c>')
                append("TRUE" if value else "FALSE")
                continue
            elif isinstance(value, (dt.datetime, dt.date)):
                if isinstance(value, dt.datetime):
                    if timezone.is_aware(value):
                        value = timezone.make_naive(value)  # Excel has no time zones: local time
                    value = value.replace(microsecond=0)
                    style, canonical = _XF_DATETIME, _datetime_text(value)
                else:
                    value = dt.datetime(value.year, value.month, value.day)
                    style, canonical = _XF_DATE, value.date().isoformat()
                cell(f'<c r="{letters}{number}" s="{style}"><v>{_serial(value)}</v></c>')
                append(canonical)
                continue
            else:  # anything else (lazy translations, str subclasses, choices): its text
                text = str(value)
            if len(text) > _MAYBE_TOO_LONG or unsafe(text):
                text = xlsx_text(text)
            append(text)
            if not text:  # an empty text is an empty cell (it reads back as None: the same "")
                continue
            style = quoted_style if text.startswith(FORMULA_START) else text_style
            if "&" in text or "<" in text or ">" in text:
                text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            cell(f'<c r="{letters}{number}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
        cell("</row>")
        self.pending.append("".join(cells))
        self.hash.add(texts)
        self.row_index += 1
        if len(self.pending) >= self.FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            self.file.write("".join(self.pending).encode("utf-8"))
            self.pending = []

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
        self._write(row, bold)

    def close(self) -> list[SheetWritten]:
        """Finish the current sheet; return every sheet this stream wrote, with its hash."""
        if not self.closed:
            self._flush()
            self.file.write(b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')
            self.closed = True
            self.parts.append(SheetWritten(self.title, self.data_rows, self.hash.hexdigest()))
        return self.parts


class XlsxBook:
    """An XLSX workbook written by the portal itself, streaming, for speed and flat memory.

    Why not a library: XlsxWriter's constant_memory mode (the previous writer) formats each cell
    through several calls (≈ 8,000 rows a second of the progress table; openpyxl's write-only
    mode ≈ 3,700), below the 20,000 the exports need (bench/results/exports.md). What the portal
    writes is narrow — text, numbers, dates, booleans, a bold frozen header, column widths, a
    quote prefix — so the sheet XML is written here directly, one string a row, which is 4–8×
    faster; the rest of the package (content types, relationships, the workbook, six cell
    formats) is fixed text. The result follows ECMA-376 (SpreadsheetML), as the XLSX files of
    XlsxWriter do: inline strings (`t="inlineStr"`, no shared-string table to hold in memory),
    each cell with its reference, dates as serial numbers with a date format.

    Each sheet's XML goes to its own unnamed temporary file as rows arrive; close() puts the
    package together into `out` with Python's zipfile (deflate; zip64 only for a part too large
    without it). Sheets appear in the order they are created and may be filled in any order (a
    cover sheet created first, filled last); within a sheet rows are written in order.
    """

    # zlib's fastest level: at 6 (its default) compressing costs about as much as writing the rows,
    # for files ~1.3× smaller (bench/results/exports.md).
    COMPRESSION_LEVEL = 1

    def __init__(self, out: BinaryIO, *, report_rows: ReportRows | None = None):
        self.out = out
        self.titles: list[str] = []
        self.files: list[tuple[str, BinaryIO]] = []  # (title, temporary file of its XML), in workbook order
        self.streams: list[SheetStream] = []
        self.rows_written = 0
        self.report_rows = report_rows

    def sheet(
        self, title: str, header: Sequence[Any] | None = None, *, widths: Sequence[float] | None = None
    ) -> SheetStream:
        """Create a sheet (placed after those created before) and return it to append rows to."""
        stream = SheetStream(self, title, header, widths)
        self.streams.append(stream)
        return stream

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

    def _package_parts(self) -> list[tuple[str, str]]:
        """Return the package's fixed parts (name, XML) for the sheets written."""
        count = len(self.files)
        sheet_types = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, count + 1)
        )
        content_types = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{sheet_types}</Types>"
        )
        sheets = "".join(
            f'<sheet name="{_xml_text(title)}" sheetId="{n}" r:id="rId{n}"/>' for n, (title, _file) in enumerate(self.files, 1)
        )
        workbook = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets></workbook>'
        )
        relationships = "".join(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        )
        workbook_rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{relationships}<Relationship Id="rId{count + 1}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            "</Relationships>"
        )
        return [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", _ROOT_RELS_XML),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbook_rels),
            ("xl/styles.xml", _STYLES_XML),
        ]

    def close(self) -> None:
        """Put the workbook together into `out` (the sheets' temporary files are then closed)."""
        if not self.files:
            self.sheet("Sheet1")
        for stream in self.streams:
            stream.close()
        with zipfile.ZipFile(self.out, "w", zipfile.ZIP_DEFLATED, compresslevel=self.COMPRESSION_LEVEL) as package:
            for name, xml in self._package_parts():
                package.writestr(name, xml.encode("utf-8"))
            for n, (_title, handle) in enumerate(self.files, 1):
                size = handle.tell()
                handle.seek(0)
                # Zip64 fields only for a part that needs them (the size is known in advance; some
                # Excel versions dislike them otherwise).
                too_large = size * 1.05 > zipfile.ZIP64_LIMIT
                with package.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=too_large) as part:
                    shutil.copyfileobj(handle, part, 1 << 20)
                handle.close()
        if self.report_rows is not None:
            self.report_rows(self.rows_written)

    def discard(self) -> None:
        """Drop the sheets' temporary files after a failure (they have no name: closing removes
        them); nothing has been written to `out`."""
        for _title, handle in self.files:
            handle.close()


def xlsx_write(
    out: BinaryIO,
    sheets: Iterable[tuple[str, list[str], Iterable[Sequence]]],
    *,
    report_rows: ReportRows | None = None,
) -> int:
    """Write `sheets` — (title, header, rows) each — to `out` as one XLSX workbook; return the number
    of data rows written (headers excluded, all sheets together).

    Streams (XlsxBook: each sheet's XML to a temporary file): memory stays flat however many rows. Header row
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
