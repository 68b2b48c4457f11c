"""The quarterly briefing (季度通报) as PDF and Word: its headings, its numbers (the API's and the
dashboards'), its fonts, its charts, its language, and the time it takes.

The PDF is read back with Debian's poppler-utils (pdftotext, pdffonts, pdfimages, pdftoppm), the
Word file with python-docx. The first pages are rendered to tests/artifacts/ to be looked at.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from docx import Document
from docx.oxml.ns import qn

from targets.exports import KINDS
from targets.exports.base import ExportRefused, ExportRequest
from targets.exports.briefing_docx import briefing_docx_build
from targets.exports.briefing_pdf import OfflineFetcher, briefing_pdf_build
from targets.models import Indicator, Period, ProgressSnapshot, Submission, Unit
from targets.selectors.progress import latest_snapshot_period

from ..conftest import client_for

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CITY = "330300"
ZH_HEADINGS = [
    "季度通报", "总体情况", "各重点任务状态统计", "需关注", "到期目标完成情况", "与上季度相比的变化",
    "重点任务进展", "总体目标与保障措施", "各县（市、区）红黑榜", "逾期和退回的报送", "数据所依据的假定",
]
EN_HEADINGS = [
    "Quarterly briefing", "Overall situation", "Status counts per task area", "Needs attention",
    "Targets judged at their deadline", "Changes since the previous quarter", "Progress by task area",
    "Overall goals and safeguards", "Counties ranked: red and black lists", "Late and returned reports",
    "Assumptions behind the numbers",
]
STATUS_ZH = {
    "achieved": "已完成", "achieved_late": "逾期完成", "on_track": "正常推进（绿灯）", "at_risk": "存在风险（黄灯）",
    "off_track": "严重滞后（红灯）", "missed": "未完成", "no_data": "暂无数据", "no_target": "无目标",
}
LIGHTS = {"green": ("achieved", "achieved_late", "on_track"), "yellow": ("at_risk",), "red": ("off_track", "missed"), "grey": ("no_data", "no_target")}


def needs_poppler() -> None:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (Debian package poppler-utils) is needed: scripts/ensure-system-packages.sh installs it")


@pytest.fixture
def demo(computed):
    """The demo figures with their progress computed (the `computed` state of tests/conftest.py)."""


@pytest.fixture
def period(demo) -> Period:
    return latest_snapshot_period()


# Files built once per session for the tests that only read them (the demo is the same in every
# test); tests that count the build's reports or time it build afresh.
_BUILT: dict[tuple, tuple[bytes, dict]] = {}


def build(builder, period: Period | None, language: str = "zh-hans", reports: list | None = None) -> tuple[bytes, dict]:
    key = (builder.__name__, period.code if period else None, language)
    if reports is None and key in _BUILT:
        return _BUILT[key]
    out = io.BytesIO()
    kind = "briefing_pdf" if builder is briefing_pdf_build else "briefing_docx"
    summary = builder(
        out=out, request=ExportRequest(kind=kind, user=None, language=language, period=period),
        report=(reports.append if reports is not None else lambda fraction: None),
    )
    _BUILT[key] = out.getvalue(), summary
    return _BUILT[key]


def pdf_text(pdf: bytes, tmp_path: Path, name: str = "briefing.pdf") -> str:
    needs_poppler()
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True).stdout


def flat(text: str) -> str:
    """Return text with every run of white space made one space (lines break anywhere in a PDF)."""
    return re.sub(r"\s+", " ", text)


def compact(text: str) -> str:
    """Return text without white space: Chinese lines break between any two characters."""
    return re.sub(r"\s+", "", text)


def one_decimal(value) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def two_decimals(value) -> str:
    text = str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return text.rstrip("0").rstrip(".") if "." in text else text


def api_rows(client: Client, period: Period) -> dict[str, dict]:
    body = client.get("/api/v1/progress/", {"unit": CITY, "period": period.code}).json()
    rows = {r["indicator"]: r for r in body["results"]}
    assert len(rows) == Indicator.objects.filter(active=True).count(), body.get("count")
    return rows


def shown(row: dict, indicator: Indicator, value_key: str = "actual") -> str | None:
    """Return a number of the API as the briefing (and the dashboards) print it; None for kinds
    whose value is printed in words (milestones)."""
    value = row[value_key]
    if value is None:
        return "—"
    if indicator.kind in (Indicator.Kind.RATIO_YTD, Indicator.Kind.RATIO_LATEST):
        return f"{one_decimal(value)}%"
    if indicator.kind == Indicator.Kind.CUMULATIVE and value_key == "required_pace":  # whole items, rounded up
        return f"{math.ceil(Decimal(str(value)))} {indicator.unit_zh}"
    if indicator.kind == Indicator.Kind.CUMULATIVE:
        return f"{two_decimals(value)} {indicator.unit_zh}"
    return None


def running(row: dict, period: Period) -> bool:
    return row["deadline"] is not None and row["deadline"] >= period.start.isoformat()


# --- The PDF ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pdf_has_the_chinese_headings_and_the_apis_figures(demo, period, leader, tmp_path):
    pdf, summary = build(briefing_pdf_build, period)
    assert pdf.startswith(b"%PDF-") and summary["period"] == period.code and summary["pages"] >= 5
    text = pdf_text(pdf, tmp_path)
    for heading in ZH_HEADINGS:
        assert heading in text, heading
    assert compact(f"{period.year}年第{period.quarter}季度") in compact(text)
    flat_text = flat(text)
    rows = api_rows(client_for(leader), period)
    checked = 0
    for indicator in Indicator.objects.filter(active=True, kind__in=["cumulative", "ratio_ytd", "ratio_latest"]):
        row = rows[indicator.code]
        assert shown(row, indicator) in flat_text, (indicator.code, shown(row, indicator))
        if running(row, period) and row["mode"] == "reach":
            assert f"{one_decimal(row['completion_pct'])}%" in flat_text, indicator.code
            assert f"{one_decimal(row['time_elapsed_pct'])}%" in flat_text, indicator.code
            if row["required_pace"] is not None:
                assert shown(row, indicator, "required_pace") in flat_text, indicator.code
        checked += 1
    assert checked >= 5


@pytest.mark.django_db
def test_the_pdf_embeds_its_fonts_and_draws_its_charts_as_vectors(demo, period, tmp_path):
    needs_poppler()
    pdf, _ = build(briefing_pdf_build, period)
    path = tmp_path / "briefing.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and any("Noto-Sans-CJK-SC" in line for line in fonts)
    for line in fonts:
        name, *_, emb, sub, uni, _obj, _gen = line.split()
        assert emb == "yes" and uni == "yes", line  # embedded, and the text maps back to Unicode (selectable)
    # The charts are SVG drawn as vectors: no picture in the file at all, and their words are text.
    images = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) == 2, images  # the header lines only
    text = pdf_text(pdf, tmp_path)
    assert "指标数" in text and "各灯色指标数" in text  # an axis title and a panel title of the charts
    # The first pages as pictures, to be looked at (tests/artifacts/, not committed).
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "6", str(path), str(ARTIFACTS / "briefing_zh")], check=True
    )
    assert (ARTIFACTS / "briefing_zh-01.png").exists() or (ARTIFACTS / "briefing_zh-1.png").exists()


def test_nothing_is_fetched_from_the_network():
    fetcher = OfflineFetcher()
    for url in ("https://cdn.example.org/font.woff2", "http://intranet/style.css", "ftp://host/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 3
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"


@pytest.mark.django_db
def test_the_english_briefing_is_in_english(demo, period, tmp_path):
    pdf, summary = build(briefing_pdf_build, period, language="en")
    assert summary["language"] == "en"
    text = pdf_text(pdf, tmp_path)
    flat_text = flat(text)
    for heading in EN_HEADINGS:
        assert heading in flat_text, heading
    for heading in ZH_HEADINGS:
        assert heading not in text, heading
    assert f"At {period.year} Q{period.quarter}, the plan's" in flat_text
    assert "Wenzhou Implementation Opinions on Accelerating Metrology Development" in flat_text
    docx, _ = build(briefing_docx_build, period, language="en")
    headings = [p.text for p in Document(io.BytesIO(docx)).paragraphs if p.style.name.startswith("Heading")]
    assert "Overall situation" in headings and "Progress by task area" in headings


@pytest.mark.django_db
def test_the_summary_counts_equal_the_overview_and_the_snapshots(demo, period, leader, tmp_path):
    pdf, _ = build(briefing_pdf_build, period)
    summary = compact(pdf_text(pdf, tmp_path))
    city = ProgressSnapshot.objects.filter(unit__code=CITY, period=period, indicator__active=True)
    counts = {s: city.filter(status=s).count() for s in STATUS_ZH}
    assert compact(f"规划{city.count()}项指标中") in summary
    for status, n in counts.items():
        if n:
            assert compact(f"{STATUS_ZH[status]} {n} 项") in summary, status
        else:
            assert compact(f"{STATUS_ZH[status]} 0 项") not in summary
    # The overview's cards count the same snapshots by traffic light.
    page = client_for(leader).get("/progress/", {"period": period.code}).content.decode()
    for light, statuses in LIGHTS.items():
        card = re.search(rf'data-light="{light}" data-count="(\d+)"', page).group(1)
        assert int(card) == sum(counts[s] for s in statuses), light


@pytest.mark.django_db
def test_the_best_and_worst_three_counties_are_the_rankings(demo, period, leader, tmp_path):
    page = client_for(leader).get("/progress/counties/", {"period": period.code}).content.decode()
    table = page[page.index('id="unit-summary"'):]
    table = table[: table.index("</table>")]
    ranked = re.findall(r'<tr[^>]*data-unit="([^"]+)"', table)
    assert len(ranked) == 12
    names = dict(Unit.objects.values_list("code", "name_zh"))
    best, worst = [names[c] for c in ranked[:3]], [names[c] for c in ranked[-3:]]
    pdf, _ = build(briefing_pdf_build, period)
    text = compact(pdf_text(pdf, tmp_path))
    assert compact(f"前 3 名（红榜）为{'、'.join(best)}；后 3 名（黑榜）为{'、'.join(worst)}。") in text
    # The Word file's table lists the twelve in the same order, the lists marked.
    doc = Document(io.BytesIO(build(briefing_docx_build, period)[0]))
    county_table = next(t for t in doc.tables if t.rows[0].cells[1].text == "县（市、区）")
    lines = [[c.text for c in row.cells] for row in county_table.rows[1:]]
    assert [line[1] for line in lines] == [names[c] for c in ranked]
    assert [line[7] for line in lines] == ["红榜"] * 3 + [""] * 6 + ["黑榜"] * 3


# --- The Word file ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_word_file_has_headings_tables_with_the_apis_numbers_and_pictures(demo, period, leader):
    reports: list[float] = []
    docx, summary = build(briefing_docx_build, period, reports=reports)
    assert reports and reports == sorted(reports) and reports[-1] == 1.0
    doc = Document(io.BytesIO(docx))
    assert summary["period"] == period.code and summary["pictures"] == len(doc.inline_shapes) >= 3
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    fonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "宋体"
    headings = {p.style.name: [] for p in doc.paragraphs}
    for p in doc.paragraphs:
        headings[p.style.name].append(p.text)
    assert "季度通报" in headings["Title"]
    assert {"总体情况", "重点任务进展", "各县（市、区）红黑榜", "逾期和退回的报送", "数据所依据的假定"} <= set(headings["Heading 1"])
    assert sum(1 for h in headings["Heading 2"] if h.startswith("重点任务")) == 4
    # Each numeric indicator's row holds the API's figures, formatted as on the dashboards.
    rows = api_rows(client_for(leader), period)
    found = {}
    for table in doc.tables:
        if table.rows[0].cells[0].text == "指标" and table.rows[0].cells[-1].text == "所需季度进度":
            for row in table.rows[1:]:
                cells = [c.text for c in row.cells]
                found[cells[0].split()[0]] = cells
    assert set(found) == set(rows)
    for code, cells in found.items():
        indicator = Indicator.objects.get(code=code)
        row = rows[code]
        expected = shown(row, indicator)
        if expected is not None and indicator.kind != Indicator.Kind.NARRATIVE:
            assert cells[2] == expected, (code, cells)
        if indicator.kind != Indicator.Kind.NARRATIVE and running(row, period) and row["mode"] == "reach":
            assert cells[4] == f"{one_decimal(row['completion_pct'])}%", (code, cells)
            assert cells[5] == f"{one_decimal(row['time_elapsed_pct'])}%", (code, cells)
            if row["required_pace"] is not None:
                assert cells[6] == shown(row, indicator, "required_pace"), (code, cells)
        elif indicator.kind != Indicator.Kind.NARRATIVE and not running(row, period):
            assert row["deadline"] in cells[4] and cells[5] == cells[6] == cells[4], (code, cells)  # the verdict spans


@pytest.mark.django_db
def test_units_with_late_or_returned_reports_are_named(demo, period):
    returned = Submission.objects.filter(period=period, status=Submission.Status.RETURNED).select_related("unit", "indicator")
    assert returned.exists()
    doc = Document(io.BytesIO(build(briefing_docx_build, period)[0]))
    issues = next(t for t in doc.tables if t.rows[0].cells[0].text == "单位" and t.rows[0].cells[2].text == "已退回修改")
    lines = {row.cells[0].text: [c.text for c in row.cells] for row in issues.rows[1:]}
    for submission in returned:
        assert submission.indicator.code in lines[submission.unit.name_zh][2]


# --- Periods, the command, the registry, the time ---------------------------------------------------


@pytest.mark.django_db
def test_a_period_without_computed_progress_is_refused(demo):
    later = Period.objects.order_by("-start").first()
    assert not ProgressSnapshot.objects.filter(period=later).exists()
    with pytest.raises(ExportRefused, match=later.code):
        build(briefing_pdf_build, later)


@pytest.mark.django_db
def test_an_earlier_period_has_its_own_numbers(demo, leader, tmp_path):
    earlier = Period.objects.get(code="2025Q2")
    pdf, summary = build(briefing_pdf_build, earlier)
    assert summary["period"] == "2025Q2"
    text = flat(pdf_text(pdf, tmp_path))
    rows = api_rows(client_for(leader), earlier)
    for code in ("M01-STD", "M10-ENT"):
        indicator = Indicator.objects.get(code=code)
        assert shown(rows[code], indicator, "required_pace") in text, code
        assert f"{one_decimal(rows[code]['completion_pct'])}%" in text, code


@pytest.mark.django_db
def test_the_command_writes_the_file(demo, period, tmp_path):
    target = tmp_path / "briefing.docx"
    out = io.StringIO()
    call_command("build_briefing", period.code, "--format", "docx", "--language", "en", "-o", str(target), stdout=out)
    assert target.exists() and f"period={period.code}" in out.getvalue()
    assert "Quarterly briefing" in [p.text for p in Document(str(target)).paragraphs]
    with pytest.raises(CommandError):
        call_command("build_briefing", "2099Q1", "-o", str(tmp_path / "x.pdf"), stdout=io.StringIO())
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "x.pdf.part").exists()


def test_the_registry_offers_both_briefings():
    assert KINDS["briefing_pdf"].builder is briefing_pdf_build
    assert KINDS["briefing_docx"].builder is briefing_docx_build


@pytest.mark.django_db
def test_the_build_reports_its_progress_in_order_up_to_the_end(demo, period):
    # Its speed (the goal: 10 s) is bench/briefing.py's to measure and record, not a test's to time.
    reports: list[float] = []
    build(briefing_pdf_build, period, reports=reports)
    assert reports == sorted(reports) and reports[-1] == 1.0 and len(reports) >= 4
