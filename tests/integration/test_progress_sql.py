"""The set-based SQL recompute (PostgreSQL) writes exactly the rows of the Python engine.

Each test computes the snapshots twice — with targets.progress (the reference, one indicator at a
time) and with targets.progress_sql (one statement) — and compares every column of every row.
PostgreSQL only: elsewhere the Python engine is the only path.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from targets.actions import submission_amend, submission_approve, user_create_or_update
from targets.actions.progress import (
    COLUMNS,
    QUANTUM,
    progress_recompute,
    progress_recompute_all,
    progress_recompute_python,
)
from targets.models import (
    Indicator,
    Period,
    ProgressRun,
    ProgressSnapshot,
    Submission,
    Target,
    Unit,
    User,
)
from targets.progress_sql import _round10

from ..conftest import CITY
from ..factories import approved, submitted

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL engine runs on PostgreSQL only (make test)"),
]

FIELDS = [c for c in COLUMNS if c != "computed_at"]
# Reporting periods of interest: before the plan, the first quarter, mid-plan, the 2025 deadline
# quarter, after it, the demo's current quarter and the plan's last full year.
TODAYS = [
    dt.date(2022, 6, 1), dt.date(2023, 4, 10), dt.date(2024, 7, 1), dt.date(2025, 10, 1), dt.date(2026, 1, 1),
    dt.date(2026, 11, 26), dt.date(2027, 1, 15), dt.date(2028, 1, 15),  # the last: two years past 2025's deadlines
]


def snapshot_rows() -> dict[tuple, dict]:
    rows = ProgressSnapshot.objects.values(*FIELDS, "computed_at")
    return {(r["indicator_id"], r["unit_id"], r["period_id"]): r for r in rows}


def runs_by_indicator(runs: list[ProgressRun]) -> dict[int, tuple]:
    return {r.indicator_id: (r.rows, r.latest_approval_at) for r in runs}


def python_way(today: dt.date, indicators=None):
    indicators = indicators or Indicator.objects.filter(active=True).select_related("plan").order_by("pk")
    runs = [progress_recompute_python(indicator=i, trigger="test", today=today) for i in indicators]
    return snapshot_rows(), runs_by_indicator(runs)


def sql_way(today: dt.date):
    with CaptureQueriesContext(connection) as queries:
        runs = progress_recompute_all(trigger="test", today=today)
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT INTO targets_progresssnapshot" in q["sql"]]
    assert len(inserts) <= 1, "one INSERT … SELECT for all indicators"
    return snapshot_rows(), runs_by_indicator(runs)


def assert_identical(python: dict, sql: dict) -> None:
    assert python.keys() == sql.keys()
    differences = [
        (key, name, python[key][name], sql[key][name])
        for key in sorted(python)
        for name in FIELDS
        if python[key][name] != sql[key][name]
    ]
    assert not differences, f"{len(differences)} differences, first: {differences[:10]}"


def compare_at(today: dt.date) -> dict:
    """Compute both ways at `today`, assert the rows and runs are identical; return the rows."""
    python_rows, python_runs = python_way(today)
    sql_rows, sql_runs = sql_way(today)
    assert_identical(python_rows, sql_rows)
    assert python_runs == sql_runs
    assert len({r["computed_at"] for r in sql_rows.values()}) <= 1, "one time stamp per recompute"
    return sql_rows


def statuses(rows: dict, code: str, unit: str = CITY) -> list[str]:
    """Statuses of an indicator's rows of one unit (the city by default), in quarter order."""
    indicator = Indicator.objects.get(code=code)
    unit_id = Unit.objects.get(code=unit).pk
    picked = [r for r in rows.values() if r["indicator_id"] == indicator.pk and r["unit_id"] == unit_id]
    return [r["status"] for r in sorted(picked, key=lambda r: r["period_id"])]


# --- The demo data ----------------------------------------------------------------------------


def test_it_computes_the_demo_exactly_as_the_python_engine(demo):
    for today in (dt.date(2025, 7, 1), dt.date(2027, 1, 15), dt.date(2026, 11, 26)):
        rows = compare_at(today)
    # The comparison is not vacuous: the demo exercises every status.
    assert set(Counter(r["status"] for r in rows.values())) == {
        "no_data", "no_target", "achieved", "achieved_late", "missed", "on_track", "at_risk", "off_track",
    }
    assert len(rows) > 3000


def test_it_recomputes_one_indicator_alone_exactly_as_the_python_engine(demo):
    today = dt.date(2026, 11, 26)
    progress_recompute_all(trigger="test", today=today)
    others_before = {k: v for k, v in snapshot_rows().items() if k[0] != Indicator.objects.get(code="M02-GRA").pk}
    indicator = Indicator.objects.select_related("plan").get(code="M02-GRA")
    python_rows, python_runs = python_way(today, [indicator])
    run = progress_recompute(indicator=indicator, trigger="approval", today=today)
    after = snapshot_rows()
    assert_identical(python_rows, after)
    assert (run.rows, run.latest_approval_at) == python_runs[indicator.pk]
    assert run.rows == sum(1 for k in after if k[0] == indicator.pk) > 0
    assert {k: v for k, v in after.items() if k[0] != indicator.pk} == others_before, "other indicators untouched"


def test_it_keeps_one_run_per_indicator_with_its_latest_approval(demo):
    runs = progress_recompute_all(trigger="nightly", today=dt.date(2026, 11, 26))
    active = Indicator.objects.filter(active=True)
    assert sorted(r.indicator_id for r in runs) == sorted(active.values_list("pk", flat=True))
    assert ProgressRun.objects.filter(trigger="nightly").count() == active.count()
    std = next(r for r in runs if r.indicator.code == "M01-STD")
    newest = Submission.objects.filter(indicator__code="M01-STD", approved__isnull=False, period__start__lte="2026-07-01")
    assert std.latest_approval_at == max(s.approved.approved_at for s in newest.select_related("approved"))
    assert std.rows == ProgressSnapshot.objects.filter(indicator__code="M01-STD").count()
    assert all(r.started_at <= r.finished_at for r in runs)


# --- Targeted cases ---------------------------------------------------------------------------


def reporter_of(unit_code: str) -> User:
    user, _ = user_create_or_update(username=f"sql_reporter_{unit_code}", role=User.Role.REPORTER, unit_code=unit_code, password="Test-password-2026")
    return user


def report(reviewer, unit_code: str, code: str, period: str, **values) -> Submission:
    # A cumulative figure lists as many items as its increment, each with an identifier of its own
    # of the kind the indicator's items carry (factories.values_for).
    return approved(reporter_of(unit_code), reviewer, code, period, explanation="测试数据", **values)


def target(code: str, year: int, value, *, unit: str | None = None, mode="reach", comparator=">=", deadline=None) -> Target:
    return Target.objects.create(
        indicator=Indicator.objects.get(code=code), unit=Unit.objects.get(code=unit) if unit else None, year=year,
        deadline=deadline or dt.date(year, 12, 31), mode=mode, comparator=comparator, value=Decimal(str(value)),
    )


@pytest.fixture
def cases(plan, reviewer):
    """Figures and targets for every rule: see each block's comment."""
    # Cumulative with a baseline > 0, a unit with two targets of its own (the first reached, then the
    # next in force), a unit with a maintain list covering 2024 only, sparse quarters, a reporting
    # unit without data and a unit that stopped being a reporting unit but has a figure.
    Indicator.objects.filter(code="M01-STD").update(baseline=Decimal("5.5"))
    target("M01-STD", 2024, 7, unit="330302")
    target("M01-STD", 2026, "12.5", unit="330302", deadline=dt.date(2026, 6, 30))
    target("M01-STD", 2024, 3, unit="330381", mode="maintain")
    for unit, period, inc in [
        ("330302", "2023Q1", 1), ("330302", "2023Q2", 2), ("330302", "2023Q4", 3), ("330302", "2024Q3", 1),
        ("330302", "2025Q2", 4), ("330302", "2026Q1", 2), ("330381", "2023Q3", 1), ("330381", "2024Q1", 5),
        ("330381", "2025Q4", 2), ("D-MTI", "2026Q2", 1), ("330303", "2023Q2", 1), ("330381", "2024Q2", 0),
    ]:
        report(reviewer, unit, "M01-STD", period, increment=str(inc))
    Indicator.objects.get(code="M01-STD").reporting_units.remove(Unit.objects.get(code="330303"))
    # A target already passed and missed; the last target stays in force afterwards.
    for unit, period, inc in [("330302", "2024Q1", 3), ("330381", "2025Q3", 7), ("330302", "2026Q2", 1)]:
        report(reviewer, unit, "M10-ENT", period, increment=str(inc))
    # A city maintain list on a cumulative indicator (only the year's target counts).
    target("M12-AUD", 2026, 4, mode="maintain")
    for period, inc in [("2025Q1", 2), ("2026Q1", 3), ("2026Q3", 1)]:
        report(reviewer, "330302", "M12-AUD", period, increment=str(inc))
    # Baseline equal to the target (no span): met at once, and never met (comparator ≤).
    Indicator.objects.filter(code__in=["M09-NATL", "M09-PROV"]).update(baseline=1)
    Target.objects.filter(indicator__code__in=["M09-NATL", "M09-PROV"]).update(value=1, comparator="<=")
    report(reviewer, "D-AMR", "M09-NATL", "2023Q2", increment="0")
    report(reviewer, "D-AMR", "M09-NATL", "2024Q1", increment="1")
    report(reviewer, "D-AMR", "M09-PROV", "2023Q3", increment="2")
    # Ratio, latest state, baseline > 0: the city reaches 60 % then falls back (stays achieved);
    # a unit target with ≤; thirds and sevenths that do not terminate.
    Indicator.objects.filter(code="M02-GRA").update(baseline=20)
    target("M02-GRA", 2025, 30, unit="330381", comparator="<=")
    for unit, period, num, den in [
        ("330302", "2023Q2", 5, 7), ("330381", "2023Q4", 1, 6), ("330381", "2024Q3", 2, 3), ("330302", "2025Q1", 3, 7),
        ("330383", "2025Q4", 0, 9),
    ]:
        report(reviewer, unit, "M02-GRA", period, numerator=str(num), denominator=str(den))
    for unit, period, num, den in [("330302", "2024Q2", 100, 100), ("D-MTI", "2024Q4", 50, 100), ("D-MTI", "2025Q4", 100, 100)]:
        report(reviewer, unit, "M01-COV", period, numerator=str(num), denominator=str(den))
    # Ratio, year to date, maintained every year: sums restart each January; an amendment approved
    # (counts) and one still under review (the approved version keeps counting); a unit with a
    # reach target of its own.
    target("M14-RATE", 2024, "98.5", unit="330302", deadline=dt.date(2024, 9, 30))
    for unit, period, num, den in [
        ("330302", "2023Q3", 97, 100), ("330302", "2023Q4", 99, 100), ("330302", "2024Q1", 99, 100),
        ("330302", "2024Q2", 95, 100), ("330302", "2024Q4", 100, 100), ("330302", "2025Q1", 196, 200),
        ("330381", "2023Q4", 300, 300), ("330381", "2024Q2", 97, 101), ("330381", "2025Q2", 98, 99),
        ("330381", "2025Q4", 290, 300), ("330382", "2026Q2", 10, 11),
    ]:
        report(reviewer, unit, "M14-RATE", period, numerator=str(num), denominator=str(den))
    amended = Submission.objects.get(indicator__code="M14-RATE", unit__code="330302", period__code="2024Q2")
    submission_approve(user=reviewer, submission=submission_amend(
        user=reporter_of("330302"), submission=amended, reason="核对后更正", values={"numerator": "96"}))
    pending = Submission.objects.get(indicator__code="M14-RATE", unit__code="330381", period__code="2024Q2")
    submission_amend(user=reporter_of("330381"), submission=pending, reason="待审核的更正", values={"numerator": "50"})
    # Not approved at all: must never count.
    submitted(reporter_of("330383"), "M14-RATE", "2024Q3", numerator="1", denominator="100")
    # Milestones: one unit done late; two units, one done (share 0.5) and missed at the deadline;
    # a figure from a unit that is no longer a reporting unit (not in the share).
    report(reviewer, "D-MTI", "M11-ECG", "2024Q1", done="false")
    report(reviewer, "D-MTI", "M11-ECG", "2025Q2", done="true", completed_on="2025-05-20")
    report(reviewer, "D-MTI", "M13-TWO", "2024Q4", done="true", completed_on="2024-11-02")
    report(reviewer, "D-AMR", "M13-TWO", "2024Q4", done="false")
    report(reviewer, "D-AMR", "M13-TWO", "2025Q4", done="false")
    report(reviewer, "D-AMR", "M13-PIL", "2024Q2", done="true", completed_on="2024-06-30")
    report(reviewer, "D-MTI", "M13-PIL", "2025Q1", done="true", completed_on="2025-02-14")
    Indicator.objects.get(code="M13-PIL").reporting_units.remove(Unit.objects.get(code="D-AMR"))
    # After the last deadline, verdicts: a cumulative met only after its deadline (achieved late); a
    # ratio met after it that falls back (stays achieved late); a milestone done late.
    for unit, period, inc in [("D-MTI", "2025Q2", 4), ("D-SCI", "2026Q2", 7)]:
        report(reviewer, unit, "M06-SPEC", period, increment=str(inc))
    for unit, period, num, den in [("330302", "2025Q3", 5, 10), ("330302", "2026Q1", 10, 10), ("330302", "2026Q3", 9, 10)]:
        report(reviewer, unit, "M02-GRB", period, numerator=str(num), denominator=str(den))
    report(reviewer, "D-MTI", "M11-MAM", "2025Q3", done="false")
    report(reviewer, "D-MTI", "M11-MAM", "2026Q2", done="true", completed_on="2026-05-02")
    # Narratives: the city takes its lead unit's latest status (D-AMR leads M04-NAR and M16-NAR);
    # before the lead has reported, the status most units gave, a tie going to the worse; with no
    # lead at all (M05-NAR's taken away), always the majority.
    for unit, period, status in [
        ("D-MTI", "2023Q1", "at_risk"), ("D-AMR", "2023Q2", "on_track"), ("D-MTI", "2023Q3", "off_track"),
        ("D-AMR", "2024Q2", "off_track"), ("D-AMR", "2025Q1", "on_track"), ("D-MTI", "2025Q3", "on_track"),
    ]:
        report(reviewer, unit, "M04-NAR", period, self_status=status)
    for unit, period, status in [
        ("330302", "2023Q1", "on_track"), ("330381", "2023Q1", "off_track"), ("330303", "2023Q2", "on_track"),
        ("D-AMR", "2023Q3", "at_risk"),
    ]:
        report(reviewer, unit, "M16-NAR", period, self_status=status)
    Indicator.objects.filter(code="M05-NAR").update(lead_unit=None)
    for unit, period, status in [
        ("D-MTI", "2023Q1", "on_track"), ("D-SCI", "2023Q1", "at_risk"), ("D-AMR", "2023Q1", "off_track"),
        ("D-AMR", "2023Q2", "on_track"),
    ]:
        report(reviewer, unit, "M05-NAR", period, self_status=status)


def after_2025(start: dt.date) -> set[int]:
    return set(Period.objects.filter(start__gt=start).values_list("pk", flat=True))


def test_it_computes_the_targeted_cases_exactly_as_the_python_engine(cases):
    for today in TODAYS:
        rows = compare_at(today)
        assert bool(rows) == (today >= dt.date(2023, 4, 1)), "no reporting period yet: no rows"
    # At the last reporting period (2027Q4) the cases show what they are meant to.
    assert "achieved" in statuses(rows, "M02-GRA") and statuses(rows, "M02-GRA")[-1] == "achieved", "stays achieved"
    assert statuses(rows, "M10-ENT")[-1] == "missed"
    assert set(statuses(rows, "M14-RATE")) >= {"achieved", "missed", "on_track", "off_track"}
    assert "achieved" in statuses(rows, "M01-STD", "330302") and statuses(rows, "M01-STD", "330302")[-1] != "no_target"
    assert "no_target" in statuses(rows, "M01-STD", "330381")
    assert set(statuses(rows, "M01-STD", "330304")) == {"no_data"}
    assert statuses(rows, "M01-STD", "330303")[0] == "no_data" and "no_target" in statuses(rows, "M01-STD", "330303")
    # lead missing (the majority), lead present (its status, even against a partner's off_track)
    assert statuses(rows, "M04-NAR")[:7] == ["at_risk", "on_track", "on_track", "on_track", "on_track", "off_track", "off_track"]
    # a tie (on_track 1 : off_track 1) goes to the worse; then the majority; then the lead
    assert statuses(rows, "M16-NAR")[:4] == ["off_track", "on_track", "at_risk", "at_risk"]
    # no lead: one of each is a tie, the worst; then two on_track against one at_risk
    assert statuses(rows, "M05-NAR")[:2] == ["off_track", "on_track"]
    city = Unit.objects.get(code=CITY).pk
    share = [r["actual"] for r in rows.values() if r["unit_id"] == city and r["indicator_id"] == Indicator.objects.get(code="M13-TWO").pk]
    assert Decimal("0.5") in share
    pilot = [r for r in rows.values() if r["unit_id"] == city and r["indicator_id"] == Indicator.objects.get(code="M13-PIL").pk]
    assert max(r["actual"] for r in pilot if r["actual"] is not None) == 1, "a unit no longer reporting is not in the share"
    for code in ("M06-SPEC", "M02-GRB", "M11-MAM"):
        assert "achieved_late" in statuses(rows, code) and "missed" in statuses(rows, code), code
    # Past the last deadline every judged row is a verdict with no time elapsed, completion, gap or pace.
    deadline_2025 = Period.objects.get(code="2025Q4").start
    late = [
        r for r in rows.values()
        if r["unit_id"] == city and r["deadline"] == dt.date(2025, 12, 31) and r["period_id"] in after_2025(deadline_2025)
        and r["status"] not in ("no_data",)
    ]
    assert {r["status"] for r in late} == {"achieved", "achieved_late", "missed"}
    assert all(r[f] is None for r in late for f in (
        "time_elapsed_pct", "completion_pct", "gap_pp", "required_pace", "recent_pace", "projected"))
    assert all(r["actual"] is not None and r["target_value"] is not None for r in late)
    paced = [r for r in rows.values() if r["recent_pace"] is not None]
    assert paced and any(r["recent_pace"] != r["recent_pace"].quantize(Decimal(1)) for r in paced)


# --- Rounding -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "0.00000000005", "0.00000000015", "0.00000000025", "-0.00000000015", "-0.00000000025", "2.12345678905",
    "2.12345678915", "33.333333333333333333333333333333", "-66.666666666666666666666666666667", "0.000000000049999",
    "99.99999999995", "12", "-7.5",
])
def test_it_rounds_half_to_even_like_decimal_quantize(text):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_round10('x')} FROM (SELECT %s::numeric AS x) v", [text])
        got = cursor.fetchone()[0]
    assert got == Decimal(text).quantize(QUANTUM)
