"""The pages' tables as files: one function per page returns its table (a title, the header in the
reader's language, the rows), and `table_builders` turns it into the CSV and XLSX builders of the
registry (targets.exports.KINDS), so every table is written the same way.

A table function takes the ExportRequest (its `filters` are the page's query parameters) and reads
through the page's own selectors and filters, so the file holds the rows the page shows: every
page of them, in the page's order, with the page's filters applied. Cells are values (numbers as
numbers, dates as dates); the writers make every text cell formula-safe (targets.exports.cells).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from django.utils import translation

from .base import ExportRequest, Report
from .writers import csv_write, xlsx_write


@dataclass
class Table:
    """A page's table: the sheet's title, the header (translated) and the rows, with their number
    when known in advance (for the bar of a background export)."""

    title: str
    header: list[str]
    rows: Iterable[Sequence]
    total: int | None = None


TableFunction = Callable[[ExportRequest], Table]


def _reporter(report: Report, total: int | None):
    def report_rows(done: int) -> None:
        if total:
            report(min(done / total, 1.0))

    return report_rows


def table_builders(table: TableFunction):
    """Return (csv_build, xlsx_build): the builders writing `table`'s file, in the request's language."""

    def csv_build(*, out: BinaryIO, request: ExportRequest, report: Report) -> dict:
        with translation.override(request.language):
            made = table(request)
            return {"rows": csv_write(out, made.header, made.rows, report_rows=_reporter(report, made.total))}

    def xlsx_build(*, out: BinaryIO, request: ExportRequest, report: Report) -> dict:
        with translation.override(request.language):
            made = table(request)
            sheets = [(made.title, made.header, made.rows)]
            return {"rows": xlsx_write(out, sheets, report_rows=_reporter(report, made.total))}

    return csv_build, xlsx_build


def header(*names) -> list[str]:
    """Return column names (lazy translations) as text in the active language."""
    return [str(name) for name in names]
