"""The quarterly briefing (季度通报) as Word (.docx), for the bureau to edit before issuing it.

The same words and numbers as the PDF (targets.exports.briefing_text), laid out with Word's own
structure so that editing works as the bureau expects: real headings (the built-in Title and
Heading 1–3 styles, so the navigation pane and a table of contents find them), real tables (the
built-in Table Grid, header rows repeated on each page), the charts as PNG pictures (python-docx
takes raster images only; drawn by briefing_charts from the same figures as the PDF's SVG), an A4
page, and the East Asian fonts set on the styles (w:eastAsia: 宋体 for text, 黑体 for headings, the
fonts of Chinese official documents on the bureau's Windows machines; Word substitutes a CJK font
where they are missing).
"""

from __future__ import annotations

import io
from typing import BinaryIO

from django.utils import translation
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

from ..status import LIGHT_COLOURS
from .base import ExportRequest, Report
from .briefing_charts import briefing_charts
from .briefing_text import Table, briefing_of, document

BODY_FONT = ("Times New Roman", "宋体")  # (Latin, East Asian)
HEADING_FONT = ("Arial", "黑体")
TEXT_WIDTH = Cm(17)  # A4 less the margins below
INK = RGBColor(0x1F, 0x23, 0x29)
HEADING_INK = RGBColor(0x12, 0x3D, 0x6E)
MUTED = RGBColor(0x5A, 0x61, 0x6B)
# Row marks of briefing_text.Table → the colour of the marked cell's text.
MARK_COLOURS = {light: RGBColor.from_string(colour.lstrip("#").upper()) for light, colour in LIGHT_COLOURS.items()}
MARK_COLOURS["yellow"] = RGBColor(0x9A, 0x6B, 0x00)  # the yellow light is unreadable as text on white
MARK_COLOURS["best"] = MARK_COLOURS["red"]  # the red list
MARK_COLOURS["worst"] = INK  # the black list
HEADER_FILL = "EEF2F7"
LIST_FILLS = {"best": "FDECEA", "worst": "E9EBEE"}


def _fonts(element, latin: str, east_asian: str) -> None:
    """Set a style's or run's fonts: Latin (ascii, hAnsi) and East Asian (w:eastAsia)."""
    r_pr = element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attribute, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:cs", latin), ("w:eastAsia", east_asian)):
        fonts.set(qn(attribute), value)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the names above


def _language(element, language: str) -> None:
    r_pr = element.get_or_add_rPr()
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:val"), "en-GB" if language.startswith("en") else "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _styles(doc, language: str) -> None:
    normal = doc.styles["Normal"]
    _fonts(normal.element, *BODY_FONT)
    _language(normal.element, language)
    normal.font.size = Pt(10.5)  # 五号
    normal.font.color.rgb = INK
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25
    for name, size in (("Title", 26), ("Heading 1", 16), ("Heading 2", 13), ("Heading 3", 11)):
        style = doc.styles[name]
        _fonts(style.element, *HEADING_FONT)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0xB3, 0x26, 0x1E) if name == "Title" else HEADING_INK
        style.paragraph_format.space_before = Pt(12 if name != "Heading 3" else 8)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
    caption = doc.styles["Caption"]
    _fonts(caption.element, *BODY_FONT)
    caption.font.size = Pt(8.5)
    caption.font.italic = False
    caption.font.bold = False
    caption.font.color.rgb = MUTED


def _page(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(22)
    section.different_first_page_header_footer = True  # nothing on the cover
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    footer._p.append(field)


def _note(doc, text: str):
    paragraph = doc.add_paragraph(style="Caption")
    paragraph.add_run(text)
    return paragraph


def _shade(cell, fill: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _cell_text(cell, text: str, *, bold: bool = False, colour: RGBColor | None = None, right: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.1
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run(text)
    run.font.size = Pt(8.5)
    run.bold = bold or None
    if colour is not None:
        run.font.color.rgb = colour


def _table(doc, table: Table, *, marked_column: int | None = None, fill_marks: bool = False):
    """Add `table` as a Word table: header row repeated on every page, the marked column's text in
    its row's colour (a status's light), or whole rows shaded (the red and black lists)."""
    columns = len(table.header)
    word = doc.add_table(rows=1, cols=columns)
    word.style = doc.styles["Table Grid"]
    word.alignment = WD_TABLE_ALIGNMENT.CENTER
    word.autofit = False
    total = sum(table.widths) or columns
    widths = [int(TEXT_WIDTH * (w / total)) for w in (table.widths or [1] * columns)]
    header = word.rows[0]
    row_properties = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    row_properties.append(repeat)
    for i, text in enumerate(table.header):
        cell = header.cells[i]
        _cell_text(cell, text, bold=True, right=i in table.numeric)
        _shade(cell, HEADER_FILL)
    for cells, span_from, mark in zip(table.rows, table.spans, table.marks):
        row = word.add_row()
        targets = row.cells
        if span_from is not None and span_from < columns - 1:
            targets[span_from].merge(targets[columns - 1])
        for i, text in enumerate(cells):
            if span_from is not None and i > span_from:
                break
            colour = MARK_COLOURS.get(mark) if i == marked_column else None
            _cell_text(
                targets[i], text, bold=colour is not None, colour=colour,
                right=i in table.numeric and (span_from is None or i < span_from),
            )
            if fill_marks and mark in LIST_FILLS:
                _shade(targets[i], LIST_FILLS[mark])
    # Word reads the cells' widths, LibreOffice the grid's: set both.
    for column, width in zip(word.columns, widths):
        column.width = width
    for row in word.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width
    doc.add_paragraph()  # Word joins two tables that touch
    return word


def _picture(doc, png: bytes | None, caption: str = "") -> None:
    if png:
        doc.add_picture(io.BytesIO(png), width=Cm(16))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    if caption:
        _note(doc, caption)


def _cover(doc, content: dict) -> None:
    for _ in range(4):
        doc.add_paragraph()
    for text, size in ((content["issuer"], 14), (content["plan_name"], 15)):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(text).font.size = Pt(size)
    title = doc.add_paragraph(content["headings"]["title"], style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    period = doc.add_paragraph()
    period.alignment = WD_ALIGN_PARAGRAPH.CENTER
    period.add_run(f"{content['period_label']} · {content['period_code']}").font.size = Pt(15)
    for _ in range(6):
        doc.add_paragraph()
    for line in content["cover_lines"]:
        paragraph = _note(doc, line)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if content["demo_notice"]:
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(content["demo_notice"])
        run.bold = True
        run.font.color.rgb = MARK_COLOURS["yellow"]
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def briefing_word(content: dict, charts: dict[str, bytes], language: str):
    """Return the briefing as a python-docx Document."""
    doc = Document()
    _styles(doc, language)
    _page(doc)
    properties = doc.core_properties
    properties.title = f"{content['headings']['title']} {content['period_code']}"
    properties.subject = content["plan_name"]
    properties.language = "en" if language.startswith("en") else "zh-CN"
    headings = content["headings"]

    _cover(doc, content)

    doc.add_heading(headings["summary"], level=1)
    for paragraph in content["summary"]:
        doc.add_paragraph(paragraph)
    doc.add_heading(headings["status_chart"], level=2)
    _picture(doc, charts.get("status"))
    doc.add_heading(headings["attention"], level=2)
    if content["attention"]:
        _table(doc, content["attention"], marked_column=1)
    else:
        doc.add_paragraph(content["attention_none"])
    doc.add_heading(headings["final"], level=2)
    for group in content["final"]:
        doc.add_heading(group["heading"], level=3)
        _table(doc, group["table"], marked_column=4)
    doc.add_heading(headings["changes"], level=2)
    for sentence in content["changes_text"]:
        doc.add_paragraph(sentence)
    if content["changes"]:
        _table(doc, content["changes"], marked_column=3)

    _page_break(doc)
    doc.add_heading(headings["areas"], level=1)
    for section in content["sections"]:
        doc.add_heading(section["heading"], level=2)
        _note(doc, section["counts"])
        png = charts.get(section["key"])
        if png or section["key"] != "others":
            _picture(doc, png, section["chart_note"])
        _table(doc, section["table"], marked_column=1)

    _page_break(doc)
    doc.add_heading(headings["counties"], level=1)
    for sentence in content["counties_text"]:
        doc.add_paragraph(sentence)
    _picture(doc, charts.get("counties"))
    if content["counties"]:
        _table(doc, content["counties"], marked_column=7, fill_marks=True)
    _note(doc, content["counties_note"])

    doc.add_heading(headings["issues"], level=1)
    for sentence in content["issues_text"]:
        doc.add_paragraph(sentence)
    if content["issues"]:
        _table(doc, content["issues"])

    doc.add_heading(headings["assumptions"], level=1)
    _note(doc, content["assumptions_note"])
    for line in content["assumptions"]:
        doc.add_paragraph(line, style="List Number")
    return doc


def briefing_docx_build(*, out: BinaryIO, request: ExportRequest, report: Report) -> dict:
    """Write the quarterly briefing of the request's period as a Word document to `out`; return
    {"period", "language", "tables", "pictures"}."""
    with translation.override(request.language):
        language = translation.get_language()
        briefing = briefing_of(request)
        report(0.2)
        content = document(briefing)
        charts = briefing_charts(briefing, "png")
        report(0.6)
        doc = briefing_word(content, charts, language)
        report(0.9)
        doc.save(out)
        report(1.0)
    return {
        "period": briefing.period.code,
        "language": language,
        "tables": len(doc.tables),
        "pictures": len(doc.inline_shapes),
    }
