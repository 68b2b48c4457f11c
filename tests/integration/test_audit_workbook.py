"""The auditors' workbook: every sheet equals what the portal holds, and `verify_export` proves it."""

import datetime as dt
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook

from targets.actions import evidence_attach, submission_approve, submission_return, submission_save, submission_submit
from targets.exports.audit_workbook import audit_workbook_build
from targets.exports.base import ExportRequest
from targets.exports.writers import iter_sheet_values, sheet_sha256
from targets.models import AuditEntry, Evidence, Period, ProgressSnapshot, SubmissionVersion, Unit

from ..conftest import client_for
from ..factories import approved, draft, values_for

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ZH_SHEETS = ["封面", "计划与目标", "单位名录", "进展", "填报（全部版本）", "佐证材料", "审计日志"]



# A small workbook (one county, two quarters): for what does not depend on the workbook's size
# (detecting an edit, the English words, one submission's versions), at a fraction of the full
# workbook's time. The full one is built where completeness is the point.
NARROW = {"filters": {"period_from": "2025Q1", "period_to": "2025Q2"}}


def current_quarter() -> Period:
    today = timezone.localdate()
    return Period.objects.get(start__lte=today, end__gte=today)


def build(tmp_path: Path, user, name: str = "workbook.xlsx", **request) -> tuple[Path, dict, list[float]]:
    path = tmp_path / name
    fractions: list[float] = []
    with path.open("wb") as out:
        summary = audit_workbook_build(
            out=out, request=ExportRequest(kind="audit_workbook", user=user, **request), report=fractions.append
        )
    return path, summary, fractions


def sheet(path: Path, title: str) -> list[tuple]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in iter_sheet_values(workbook[title])]
    finally:
        workbook.close()


def sheets(path: Path) -> dict[str, list[tuple]]:
    """Return every sheet's rows, reading the file once (its shared strings are parsed once)."""
    workbook = load_workbook(path, read_only=True)
    try:
        return {title: [tuple(row) for row in iter_sheet_values(workbook[title])] for title in workbook.sheetnames}
    finally:
        workbook.close()


def records(path: Path, title: str) -> list[dict]:
    """Return the sheet's data rows as {header: value}."""
    header, *rows = sheet(path, title)
    return [dict(zip(header, row)) for row in rows]


def cover(path: Path) -> dict:
    """Return the cover's two-column lines as {key: value} (the hash table included)."""
    return {row[0]: row[1] for row in sheet(path, "封面") if len(row) >= 2 and row[0]}


def verify(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("verify_export", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_cover_records_each_sheet_s_hash_the_filters_and_the_chain_head(computed, auditor, tmp_path):
    path, summary, fractions = build(tmp_path, auditor)
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ZH_SHEETS
    workbook.close()
    lines = cover(path)
    head = AuditEntry.objects.order_by("-id").first()
    assert lines["审计日志链头（SHA-256）"] == head.hash == summary["audit_head"]
    assert lines["审计日志链校验"].startswith("通过") and f"#{head.pk}" in lines["审计日志链校验"]
    assert lines["生成人"].startswith("auditor")
    assert lines["报送期范围"] == "全部报送期" and lines["单位"] == "全部单位"
    assert lines["如何核验"] == "python manage.py verify_export FILE"
    contents = sheets(path)  # each sheet's hash recomputed from the file, as verify_export does
    for entry in summary["sheets"]:
        assert lines[entry["title"]] == entry["sha256"] == sheet_sha256(contents[entry["title"]])
    assert [entry["title"] for entry in summary["sheets"]] == ZH_SHEETS[1:]
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)
    # With no filter, every row the portal holds is in it, and the whole file verifies.
    rows = {entry["title"]: entry["rows"] for entry in summary["sheets"]}
    assert rows["进展"] == ProgressSnapshot.objects.count()
    assert rows["填报（全部版本）"] == SubmissionVersion.objects.count()
    assert rows["佐证材料"] == Evidence.objects.count()
    assert rows["审计日志"] == AuditEntry.objects.count()


@pytest.mark.django_db
def test_verify_export_says_ok_and_names_the_one_sheet_whose_cell_was_edited(computed, auditor, tmp_path):
    path, _, _ = build(tmp_path, auditor, unit=Unit.objects.get(code="330302"), **NARROW)
    assert verify(path).startswith("OK")
    workbook = load_workbook(path)  # an ordinary edit in Excel: open, change one number, save
    progress = workbook["进展"]
    progress["F3"] = (progress["F3"].value or 0) + 1
    edited = tmp_path / "edited.xlsx"
    workbook.save(edited)
    with pytest.raises(CommandError) as failure:
        verify(edited)
    assert "“进展”" in str(failure.value) and "1" in str(failure.value)
    for title in ZH_SHEETS[1:]:
        if title != "进展":
            assert f"“{title}”" not in str(failure.value)
    with pytest.raises(CommandError) as failure:
        verify(edited, "--language", "en")
    assert "do not match the cover" in str(failure.value)


@pytest.mark.django_db
def test_verify_export_refuses_a_file_that_is_not_an_audit_workbook(auditor, tmp_path):
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook")
    with pytest.raises(CommandError, match="不是门户导出的审计工作簿"):
        verify(text)


@pytest.mark.django_db
def test_progress_equals_the_snapshots_and_the_api(computed, auditor, tmp_path):
    path, summary, _ = build(tmp_path, auditor)
    rows = {(r["指标代码"], r["单位代码"], r["报送期"]): r for r in records(path, "进展")}
    assert len(rows) == ProgressSnapshot.objects.count() == summary["sheets"][2]["rows"]
    client = client_for(auditor)
    for indicator, unit, period in [("M01-STD", "330300", "2024Q2"), ("M14-RATE", "330300", "2025Q3"), ("M01-STD", "330302", "2025Q4")]:
        api = client.get("/api/v1/progress/", {"indicator": indicator, "unit": unit, "period": period}).json()["results"][0]
        row = list(rows[(indicator, unit, period)].values())
        # actual, target, time elapsed, completion, gap, required pace, recent pace, projected
        for column, key in [(5, "actual"), (6, "target"), (10, "time_elapsed_pct"), (11, "completion_pct"), (12, "gap_pp"),
                            (14, "required_pace"), (15, "recent_pace"), (16, "projected")]:
            assert row[column] == pytest.approx(api[key]), key
        assert row[7] == api["target_year"] and row[8] == api["deadline"]
    snapshot = ProgressSnapshot.objects.get(indicator__code="M01-STD", unit__code="330300", period__code="2024Q2")
    assert Decimal(str(rows[("M01-STD", "330300", "2024Q2")]["完成度（%）"])) == pytest.approx(snapshot.completion_pct)


@pytest.mark.django_db
def test_every_version_is_there_with_its_decisions_reasons_and_evidence_hashes(
    computed, reporter, reviewer, auditor, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    submission = draft(reporter, "M01-STD", "2026Q4", narrative="=HYPERLINK(\"http://evil\")", note="=1+1")
    evidence = evidence_attach(user=reporter, submission=submission, uploaded_file=SimpleUploadedFile("证书扫描件.pdf", PDF))
    submission = submission_submit(user=reporter, submission=submission, expected_version=1)
    submission_return(user=reviewer, submission=submission, reason="请补充证书编号")
    submission = submission_save(
        user=reporter, indicator=submission.indicator, unit=submission.unit, period=submission.period,
        values=values_for("M01-STD", increment="3", items="甲 | A-1\n乙 | B-2\n丙 | C-3"), expected_version=1, submit=True,
    )
    submission_approve(user=reviewer, submission=submission)

    path, _, _ = build(tmp_path, auditor, unit=reporter.unit, period=submission.period)
    versions = records(path, "填报（全部版本）")
    expected = SubmissionVersion.objects.filter(submission__unit=reporter.unit, submission__period=submission.period)
    assert len(versions) == expected.count()
    assert {(r["填报记录"], r["版本号"]) for r in versions} == set(expected.values_list("submission_id", "number"))
    mine = [r for r in versions if r["填报记录"] == submission.pk]
    assert [r["版本号"] for r in mine] == [1, 2]
    first, second = mine
    assert first["退回人"] == "reviewer" and first["退回理由"] == "请补充证书编号" and first["提交人"] == "reporter_lucheng"
    assert first["计入进展"] is False and second["计入进展"] is True and second["审核人"] == "reviewer"
    assert second["本期增量"] == 3 and second["计数明细"].splitlines() == ["甲 | A-1", "乙 | B-2", "丙 | C-3"]
    digest = hashlib.sha256(PDF).hexdigest()
    assert digest in first["佐证材料"] and "证书扫描件.pdf" in first["佐证材料"]
    files = records(path, "佐证材料")
    assert [(f["填报记录"], f["SHA-256"], f["文件名"]) for f in files] == [(submission.pk, evidence.sha256, "证书扫描件.pdf")]
    assert evidence.sha256 == digest == hashlib.sha256((settings.MEDIA_ROOT / evidence.file.name).read_bytes()).hexdigest()

    # Text that a spreadsheet would run is written as text, never as a formula.
    workbook = load_workbook(path)
    cells = [c for row in workbook["填报（全部版本）"].iter_rows() for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert verify(path).startswith("OK")


@pytest.mark.django_db
def test_the_audit_log_rows_equal_the_entries_and_rebuild_their_hashes(computed, reporter, reviewer, auditor, tmp_path):
    approved(reporter, reviewer, "M14-RATE", "2026Q4")
    quarter = current_quarter()  # the entries just written, and the demo's of this quarter (the full log: the cover's test)
    path, _, _ = build(tmp_path, auditor, period=quarter)
    rows = sheet(path, "审计日志")[1:]
    start, end = (dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone()) for day in (quarter.start, quarter.end + dt.timedelta(days=1)))
    entries = list(AuditEntry.objects.filter(at__gte=start, at__lt=end).order_by("id"))
    assert {AuditEntry.Action.SUBMIT, AuditEntry.Action.APPROVE} <= {e.action for e in entries}
    assert [(r[0], r[13], r[14]) for r in rows] == [(e.pk, e.prev_hash, e.hash) for e in entries]
    for row, entry in zip(rows, entries):
        assert (row[4], row[6], row[8], row[9], row[10]) == (
            entry.actor_name, entry.action, entry.object_type, entry.object_id or None, entry.object_repr or None,
        )
        # Everything an entry's hash covers is in its row: the hash can be recomputed from the file.
        content = json.dumps(
            {
                "at": row[2], "actor": row[3], "actor_name": row[4] or "", "ip": row[5], "action": row[6],
                "object_type": row[8] or "", "object_id": row[9] or "", "object_repr": row[10] or "",
                "before": json.loads(row[11]) if row[11] else None, "after": json.loads(row[12]) if row[12] else None,
            },
            sort_keys=True, ensure_ascii=False, separators=(",", ":"),
        )
        assert hashlib.sha256((row[13] + content).encode()).hexdigest() == row[14] == entry.hash


@pytest.mark.django_db
def test_a_period_range_and_a_unit_narrow_progress_versions_and_the_log(computed, auditor, tmp_path):
    lucheng = Unit.objects.get(code="330302")
    path, summary, _ = build(
        tmp_path, auditor, unit=lucheng, filters={"period_from": "2025Q1", "period_to": "2025Q2"}
    )
    lines = cover(path)
    assert lines["报送期范围"] == "2025Q1 至 2025Q2" and lines["单位"].startswith("330302")
    progress = records(path, "进展")
    assert progress and {(r["单位代码"], r["报送期"]) for r in progress} <= {("330302", "2025Q1"), ("330302", "2025Q2")}
    assert len(progress) == ProgressSnapshot.objects.filter(unit=lucheng, period__code__in=["2025Q1", "2025Q2"]).count()
    versions = records(path, "填报（全部版本）")
    assert {(r["单位代码"], r["报送期"]) for r in versions} <= {("330302", "2025Q1"), ("330302", "2025Q2")}
    start, end = Period.objects.get(code="2025Q1").start, Period.objects.get(code="2025Q2").end
    log = records(path, "审计日志")
    assert all(start <= row["时间"].date() <= end for row in log)
    assert verify(path).startswith("OK")


@pytest.mark.django_db
def test_it_is_in_english_when_the_request_is(computed, auditor, tmp_path):
    path, summary, _ = build(tmp_path, auditor, language="en", unit=Unit.objects.get(code="330302"), **NARROW)
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == [
        "Cover", "Plan and targets", "Unit list", "Progress", "Submissions (all versions)", "Evidence files", "Audit log",
    ]
    workbook.close()
    assert sheet(path, "Progress")[0][:3] == ("Indicator code", "Indicator", "Unit code")
    assert "OK" in verify(path, "--language", "en")


@pytest.mark.django_db
def test_an_unknown_period_is_refused_in_words(auditor, tmp_path):
    from targets.exports.base import ExportRefused

    with pytest.raises(ExportRefused, match="2099Q9"):
        build(tmp_path, auditor, filters={"period_from": "2099Q9"})
