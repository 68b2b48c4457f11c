"""The shared file writers: CSV for Excel and streamed XLSX, formula-safe, exact, with sheet hashes."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from targets.exports.writers import (
    BOM,
    EXCEL_MAX_CHARS,
    XlsxBook,
    canonical_cell,
    csv_write,
    iter_sheet_values,
    sheet_sha256,
    sheet_title,
    xlsx_write,
)

FORMULA_LIKE = ["=1+2", "+33", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", '=HYPERLINK("http://x","y")']


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM):].decode("utf-8"), newline="")))


def test_csv_starts_with_a_byte_order_mark_and_is_utf8():
    out = io.BytesIO()
    assert csv_write(out, ["单位", "指标"], [["鹿城区", "计量标准"]]) == 1
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    assert csv_rows(data) == [["单位", "指标"], ["鹿城区", "计量标准"]]
    assert data.endswith(b"\r\n")


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_csv_neutralises_text_that_starts_like_a_formula(text):
    out = io.BytesIO()
    csv_write(out, [text], [[text, "plain"]])
    header, row = csv_rows(out.getvalue())
    assert header == ["'" + text] and row == ["'" + text, "plain"]


def test_csv_writes_decimals_and_dates_plainly():
    out = io.BytesIO()
    rows = [[Decimal("1E-7"), Decimal("50.0000000000"), Decimal("12345678901234567890"), Decimal("-3.20"), 0.1, 1e20,
             7, None, True, dt.date(2027, 12, 31), dt.datetime(2026, 10, 5, 9, 31, 12, 999)]]
    csv_write(out, ["a"] * 11, rows)
    assert csv_rows(out.getvalue())[1] == [
        "0.0000001", "50", "12345678901234567890", "-3.2", "0.1", "100000000000000000000", "7", "", "TRUE",
        "2027-12-31", "2026-10-05T09:31:12",
    ]


def test_csv_numbers_are_data_not_text_made_safe():
    out = io.BytesIO()
    csv_write(out, ["gap"], [[Decimal("-12.5")]])
    assert csv_rows(out.getvalue())[1] == ["-12.5"]


def test_csv_streams_and_reports_every_thousand_rows():
    out = io.BytesIO()
    seen = []
    written = csv_write(out, ["n"], ([i] for i in range(2500)), report_rows=seen.append)
    assert written == 2500 and seen == [1000, 2000, 2500]
    assert len(csv_rows(out.getvalue())) == 2501


def read(data: bytes, *, read_only: bool = False):
    return load_workbook(io.BytesIO(data), read_only=read_only)


def test_xlsx_text_cells_are_strings_never_formulas():
    out = io.BytesIO()
    xlsx_write(out, [("数据", ["文本"], [[text] for text in FORMULA_LIKE] + [["#N/A"]])])
    sheet = read(out.getvalue())["数据"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    # \r reads back as a line break: XML keeps no carriage return (the hash counts the same text).
    assert [c.value for c in cells] == [t.replace("\r", "\n") for t in FORMULA_LIKE] + ["#N/A"]
    assert all(c.data_type == "s" for c in cells)
    # Text starting like a formula carries Excel's quote prefix: editing it later keeps it text.
    assert [bool(c.quotePrefix) for c in cells] == [True, True, True, True, True, False, True, False]


def test_xlsx_writes_numbers_as_numbers_dates_as_dates_and_a_bold_frozen_header():
    out = io.BytesIO()
    rows = [[Decimal("33.3333333333"), Decimal("50.0000"), 2027, dt.date(2027, 12, 31), dt.datetime(2026, 10, 5, 9, 31, 12), True, None, "中文"]]
    assert xlsx_write(out, [("Sheet", ["a", "b", "c", "d", "e", "f", "g", "h"], rows)]) == 1
    sheet = read(out.getvalue())["Sheet"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    values = [c.value for c in sheet[2]]
    assert values[:3] == [33.3333333333, 50, 2027] and sheet["A2"].data_type == "n"
    assert values[3] == dt.datetime(2027, 12, 31) and sheet["D2"].is_date
    assert values[4] == dt.datetime(2026, 10, 5, 9, 31, 12) and values[5] is True and values[6] is None
    assert values[7] == "中文"


def test_xlsx_sheet_hash_is_recomputed_from_the_file_alone():
    out = io.BytesIO()
    book = XlsxBook(out)
    rows = [["=x", " lead", "a\r\nb", "x\x00y", "😀"], [Decimal("0.1"), 1e-7, 12345678901234567, False],
            [], [None, ""], ["after a gap"], [dt.date(2026, 1, 1), dt.datetime(2026, 1, 1, 8, 0, 1)]]
    written = book.write_sheet("s", ["h1", "h2"], rows)
    book.close()
    workbook = read(out.getvalue(), read_only=True)
    assert sheet_sha256(iter_sheet_values(workbook["s"])) == written[0].sha256
    assert written[0].rows == 6


def test_the_hash_changes_with_one_cell_and_ignores_trailing_empty_cells():
    base = [["a", "b"], [1, Decimal("2.5")]]
    assert sheet_sha256(base) == sheet_sha256([["a", "b", None], [1.0, 2.5, ""], [], [None]])
    assert sheet_sha256(base) != sheet_sha256([["a", "b"], [1, Decimal("2.6")]])


def test_canonical_texts():
    assert [canonical_cell(v) for v in (None, "x", True, 50.0, 0.1, Decimal("12.50"), dt.datetime(2026, 1, 2), dt.datetime(2026, 1, 2, 3, 4, 5))] == [
        "", "x", "TRUE", "50", "0.1", "12.5", "2026-01-02", "2026-01-02T03:04:05",
    ]


def test_long_text_is_cut_to_what_a_cell_holds():
    out = io.BytesIO()
    xlsx_write(out, [("s", ["t"], [["字" * (EXCEL_MAX_CHARS + 10)]])])
    value = read(out.getvalue())["s"]["A2"].value
    assert len(value) == EXCEL_MAX_CHARS and value.endswith("…")


def test_sheet_titles_are_made_valid_and_unique():
    assert sheet_title("a/b:c*?[d]") == "a_b_c___d_"
    assert sheet_title("x" * 40) == "x" * 31
    assert sheet_title("进展", ["进展"]) == "进展 (2)"


def test_a_sheet_past_excel_s_row_limit_continues_on_another(monkeypatch):
    monkeypatch.setattr("targets.exports.writers.EXCEL_MAX_ROWS", 3)
    out = io.BytesIO()
    book = XlsxBook(out)
    written = book.write_sheet("进展", ["n"], ([i] for i in range(5)))
    book.close()
    assert [(s.title, s.rows) for s in written] == [("进展", 2), ("进展 (2)", 2), ("进展 (3)", 1)]
    workbook = read(out.getvalue(), read_only=True)
    assert [list(iter_sheet_values(workbook[s.title])) for s in written] == [
        [("n",), (0,), (1,)], [("n",), (2,), (3,)], [("n",), (4,)],
    ]
    assert all(sheet_sha256(iter_sheet_values(workbook[s.title])) == s.sha256 for s in written)


def test_a_failed_xlsx_leaves_no_temporary_files(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def rows():
        yield ["one"]
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        xlsx_write(io.BytesIO(), [("s", ["h"], rows())])
    assert list(tmp_path.iterdir()) == []


def test_xlsx_text_with_markup_characters_and_wide_rows_read_back_exactly():
    out = io.BytesIO()
    wide = [f"c{n}" for n in range(800)]  # past column ZZ (702)
    texts = ['a<b&c>"d\'', "  spaced  ", "line\nbreak", "<t>not a tag</t>"]
    xlsx_write(out, [("A&B <c>", ["h"] * 4, [texts, wide])])
    workbook = read(out.getvalue())
    assert workbook.sheetnames == ["A&B <c>"]
    sheet = workbook["A&B <c>"]
    assert [c.value for c in sheet[2]][:4] == texts
    assert sheet.cell(row=3, column=800).value == "c799" and sheet.cell(row=3, column=800).column_letter == "ADT"


def test_an_empty_workbook_still_opens():
    out = io.BytesIO()
    XlsxBook(out).close()
    assert len(read(out.getvalue()).sheetnames) == 1
