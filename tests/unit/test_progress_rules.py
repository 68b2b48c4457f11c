"""Every rule of PROGRESS-RULES.md, computed by hand and by the engine (no database)."""

from decimal import Decimal as D

import pytest

from targets.progress import (
    Calendar,
    Figure,
    IndicatorSpec,
    Settings,
    Status,
    TargetSpec,
    active_target,
    compute_indicator,
    narrative_city_status,
    narrative_status_counts,
)

CAL = Calendar(first_year=2023, first_quarter=1)  # plan start 2023Q1
Q = {f"{y}Q{k}": CAL.q_of(y, k) for y in range(2023, 2029) for k in range(1, 5)}
SETTINGS = Settings()


def reach(value, year, **kw) -> TargetSpec:
    return TargetSpec(year=year, deadline_q=Q[f"{year}Q4"], mode="reach", comparator=kw.pop("comparator", ">="), value=D(value), **kw)


def maintain(value, year) -> TargetSpec:
    return TargetSpec(year=year, deadline_q=Q[f"{year}Q4"], mode="maintain", comparator=">=", value=D(value))


def rows_at(rows, period, unit=None):
    return next(r for r in rows if r.q == Q[period] and r.unit == unit)


def test_quarters_are_counted_from_the_plan_start():
    assert Q["2023Q1"] == 1 and Q["2025Q4"] == 12 and Q["2027Q4"] == 20
    assert CAL.year(5) == 2024 and CAL.quarter(5) == 1


def test_the_worked_example_m01_std_at_2024q2():
    # Counties' approved increments sum to 18 by 2024Q2 (3 per quarter from one unit, say).
    figures = [Figure(unit=1, q=q, increment=D(3)) for q in range(1, 7)]
    spec = IndicatorSpec(kind="cumulative", baseline=D(0), targets=(reach(50, 2025), reach(60, 2027)), reporting_units=(1, 2))
    row = rows_at(compute_indicator(spec, figures, 6, CAL, SETTINGS), "2024Q2")
    assert row.actual == 18
    assert row.time_elapsed_pct == 50 and row.completion_pct == 36 and row.gap_pp == 14
    assert row.status == Status.AT_RISK
    assert row.target.value == 50
    assert row.required_pace == D(32) / D(6)
    assert row.recent_pace == 3 and row.projected == 18 + 3 * 6


def test_cumulative_city_adds_the_baseline_and_every_unit():
    figures = [Figure(unit=1, q=1, increment=D(2)), Figure(unit=2, q=1, increment=D(5)), Figure(unit=2, q=2, increment=D(1))]
    spec = IndicatorSpec(kind="cumulative", baseline=D(10), targets=(reach(100, 2025),), reporting_units=(1, 2))
    rows = compute_indicator(spec, figures, 3, CAL, SETTINGS)
    assert [rows_at(rows, p).actual for p in ("2023Q1", "2023Q2", "2023Q3")] == [17, 18, 18]
    assert rows_at(rows, "2023Q2", unit=1).actual == 2 and rows_at(rows, "2023Q2", unit=2).actual == 6
    # completion counts only what was added to the baseline: (18 − 10) / (100 − 10)
    assert rows_at(rows, "2023Q2").completion_pct == D(100) * 8 / 90


def test_no_data_until_the_first_approved_figure():
    figures = [Figure(unit=1, q=3, increment=D(1))]
    spec = IndicatorSpec(kind="cumulative", baseline=D(0), targets=(reach(50, 2025),), reporting_units=(1,))
    rows = compute_indicator(spec, figures, 3, CAL, SETTINGS)
    assert rows_at(rows, "2023Q1").status == Status.NO_DATA and rows_at(rows, "2023Q1").actual is None
    assert rows_at(rows, "2023Q3").actual == 1


def test_the_active_target_is_the_earliest_deadline_not_yet_passed_then_the_last():
    targets = [reach(60, 2027), reach(50, 2025)]
    assert active_target(targets, Q["2024Q1"], CAL).year == 2025
    assert active_target(targets, Q["2025Q4"], CAL).year == 2025
    assert active_target(targets, Q["2026Q1"], CAL).year == 2027
    assert active_target(targets, Q["2028Q2"], CAL).year == 2027


def test_a_target_met_is_achieved_and_stays_achieved_and_a_passed_deadline_is_missed():
    # ratio_latest can fall back after reaching the target: it stays achieved for that target.
    figures = [Figure(unit=1, q=Q["2024Q1"], numerator=D(7), denominator=D(10)), Figure(unit=1, q=Q["2024Q2"], numerator=D(5), denominator=D(10))]
    spec = IndicatorSpec(kind="ratio_latest", baseline=D(0), targets=(reach(60, 2025),), reporting_units=(1,))
    rows = compute_indicator(spec, figures, Q["2026Q1"], CAL, SETTINGS)
    assert rows_at(rows, "2024Q1").status == Status.ACHIEVED
    assert rows_at(rows, "2024Q2").actual == 50 and rows_at(rows, "2024Q2").status == Status.ACHIEVED
    never = IndicatorSpec(kind="ratio_latest", baseline=D(0), targets=(reach(90, 2025),), reporting_units=(1,))
    rows = compute_indicator(never, figures, Q["2026Q1"], CAL, SETTINGS)
    assert rows_at(rows, "2025Q3").status != Status.MISSED
    assert rows_at(rows, "2025Q4").status == Status.MISSED
    assert rows_at(rows, "2026Q1").status == Status.MISSED, "after the last deadline the last target stays in force"
    assert rows_at(rows, "2026Q1").target.value == 90 and rows_at(rows, "2026Q1").gap_pp is None, "a verdict"


def test_ratio_latest_sums_the_latest_state_of_each_unit_never_averages():
    figures = [
        Figure(unit=1, q=1, numerator=D(1), denominator=D(1)),    # 100 %
        Figure(unit=2, q=1, numerator=D(10), denominator=D(100)),  # 10 %
        Figure(unit=2, q=2, numerator=D(40), denominator=D(100)),  # latest: 40 %
    ]
    spec = IndicatorSpec(kind="ratio_latest", baseline=D(0), targets=(reach(60, 2025),), reporting_units=(1, 2, 3))
    rows = compute_indicator(spec, figures, 2, CAL, SETTINGS)
    assert rows_at(rows, "2023Q1").actual == D(100) * 11 / 101
    assert rows_at(rows, "2023Q2").actual == D(100) * 41 / 101, "not (100 + 40) / 2"
    assert rows_at(rows, "2023Q2", unit=3).status == Status.NO_DATA


def test_ratio_ytd_sums_within_the_calendar_year_and_maintain_is_judged_each_year():
    figures = [
        Figure(unit=1, q=Q["2024Q3"], numerator=D(97), denominator=D(100)),
        Figure(unit=2, q=Q["2024Q3"], numerator=D(300), denominator=D(300)),
        Figure(unit=1, q=Q["2024Q4"], numerator=D(90), denominator=D(100)),
        Figure(unit=1, q=Q["2025Q1"], numerator=D(99), denominator=D(100)),
    ]
    spec = IndicatorSpec(kind="ratio_ytd", baseline=D(0), targets=(maintain(98, 2024), maintain(98, 2025)), reporting_units=(1, 2))
    rows = compute_indicator(spec, figures, Q["2025Q2"], CAL, SETTINGS)
    q3 = rows_at(rows, "2024Q3")
    assert q3.actual == D(100) * 397 / 400 and q3.status == Status.ON_TRACK
    q4 = rows_at(rows, "2024Q4")
    assert q4.actual == D(100) * 487 / 500  # 97.4 %: the fourth quarter is final
    assert q4.status == Status.MISSED and q4.gap_pp == 98 - q4.actual
    # The year boundary: 2025 starts afresh with its own target.
    q1 = rows_at(rows, "2025Q1")
    assert q1.actual == 99 and q1.target.year == 2025 and q1.status == Status.ON_TRACK
    assert rows_at(rows, "2024Q3", unit=1).actual == 97 and rows_at(rows, "2024Q3", unit=1).status == Status.NO_TARGET
    assert rows_at(rows, "2024Q2").status == Status.NO_DATA, "none yet in that calendar year"


def test_maintain_at_risk_within_two_points_else_off_track():
    spec = IndicatorSpec(kind="ratio_ytd", baseline=D(0), targets=(maintain(98, 2023),), reporting_units=(1,))
    at_risk = compute_indicator(spec, [Figure(unit=1, q=1, numerator=D(96), denominator=D(100))], 1, CAL, SETTINGS)[0]
    off = compute_indicator(spec, [Figure(unit=1, q=1, numerator=D(95), denominator=D(100))], 1, CAL, SETTINGS)[0]
    assert (at_risk.status, off.status) == (Status.AT_RISK, Status.OFF_TRACK)


@pytest.mark.parametrize("gap_completion, status", [(40, Status.ON_TRACK), (39, Status.AT_RISK), (20, Status.AT_RISK), (19, Status.OFF_TRACK)])
def test_gap_thresholds_10_and_30_points(gap_completion, status):
    # At 2024Q2, τ = 50: completion 40 → gap 10 (on track); 39 → 11; 20 → 30; 19 → 31.
    figures = [Figure(unit=1, q=Q["2024Q2"], increment=D(gap_completion))]
    spec = IndicatorSpec(kind="cumulative", baseline=D(0), targets=(reach(100, 2025),), reporting_units=(1,))
    assert rows_at(compute_indicator(spec, figures, 6, CAL, SETTINGS), "2024Q2").status == status


def test_milestones_city_share_and_time_rule():
    spec = IndicatorSpec(kind="milestone", baseline=D(0), targets=(reach(1, 2025, comparator="="),), reporting_units=(1, 2))
    figures = [Figure(unit=1, q=Q["2024Q4"], done=True), Figure(unit=2, q=Q["2024Q4"], done=False)]
    rows = compute_indicator(spec, figures, Q["2025Q4"], CAL, SETTINGS)
    assert rows_at(rows, "2024Q4").actual == D("0.5")
    assert rows_at(rows, "2024Q4", unit=1).status == Status.NO_TARGET and rows_at(rows, "2024Q4", unit=1).actual == 1
    # 12 − 8 = 4 quarters left → on track; from 2025Q1 (3 left) → at risk; at the deadline → missed.
    assert rows_at(rows, "2024Q4").status == Status.ON_TRACK
    assert rows_at(rows, "2025Q1").status == Status.AT_RISK
    assert rows_at(rows, "2025Q4").status == Status.MISSED
    done = compute_indicator(spec, figures + [Figure(unit=2, q=Q["2025Q2"], done=True)], Q["2025Q4"], CAL, SETTINGS)
    assert rows_at(done, "2025Q2").actual == 1 and rows_at(done, "2025Q2").status == Status.ACHIEVED
    assert rows_at(done, "2025Q4").status == Status.ACHIEVED


def narrative_rows(figures, lead, n=4):
    spec = IndicatorSpec(kind="narrative", baseline=D(0), targets=(), reporting_units=(1, 2, 3), lead_unit=lead)
    return compute_indicator(spec, figures, n, CAL, SETTINGS)


def test_narrative_city_status_is_the_lead_units_latest_status_when_it_has_reported():
    figures = [
        Figure(unit=2, q=1, self_status="off_track"), Figure(unit=3, q=1, self_status="off_track"),
        Figure(unit=1, q=2, self_status="on_track"), Figure(unit=1, q=4, self_status="at_risk"),
    ]
    rows = narrative_rows(figures, lead=1)
    # 2023Q1: the lead has not reported: the majority (off_track); then the lead's own status, even
    # against two partners' off_track (one red is shown beside it, it does not paint the city red).
    assert [rows_at(rows, p).status for p in ("2023Q1", "2023Q2", "2023Q3", "2023Q4")] == ["off_track", "on_track", "on_track", "at_risk"]
    assert [rows_at(rows, "2023Q3", unit=u).status for u in (1, 2, 3)] == ["on_track", "off_track", "off_track"]


def test_narrative_city_status_without_the_lead_is_the_majority_and_a_tie_goes_to_the_worse():
    figures = [
        Figure(unit=1, q=1, self_status="on_track"), Figure(unit=2, q=1, self_status="at_risk"),
        Figure(unit=3, q=2, self_status="on_track"),
        Figure(unit=1, q=3, self_status="off_track"),
    ]
    for lead in (None, 9):  # no lead unit, or a lead unit that never reported
        rows = narrative_rows(figures, lead=lead)
        # 1 : 1 → the worse (at_risk); 2 on_track : 1 at_risk; one of each → the worst.
        assert [rows_at(rows, p).status for p in ("2023Q1", "2023Q2", "2023Q3")] == ["at_risk", "on_track", "off_track"]
    assert rows_at(narrative_rows([], lead=1), "2023Q1").status == Status.NO_DATA


def test_narrative_status_counts_and_city_status_helpers():
    assert narrative_status_counts(["on_track", "off_track", "on_track"]) == {"on_track": 2, "at_risk": 0, "off_track": 1}
    assert narrative_city_status("at_risk", ["off_track", "off_track"]) == "at_risk"
    assert narrative_city_status("", ["on_track", "off_track"]) == "off_track"
    assert narrative_city_status(None, []) is None


def test_a_unit_target_gives_the_unit_its_own_status_and_pace():
    unit_target = TargetSpec(year=2025, deadline_q=12, mode="reach", comparator=">=", value=D(12), unit=1)
    figures = [Figure(unit=1, q=q, increment=D(1)) for q in range(1, 7)]
    spec = IndicatorSpec(kind="cumulative", baseline=D(0), targets=(reach(50, 2025), unit_target), reporting_units=(1, 2))
    row = rows_at(compute_indicator(spec, figures, 6, CAL, SETTINGS), "2024Q2", unit=1)
    assert row.target is unit_target and row.completion_pct == 50 and row.status == Status.ON_TRACK
    assert row.required_pace == 1 and row.recent_pace == 1
    assert rows_at(compute_indicator(spec, figures, 6, CAL, SETTINGS), "2024Q2", unit=2).status == Status.NO_DATA


def test_pace_is_not_given_once_achieved_and_recent_pace_uses_fewer_quarters_at_the_start():
    figures = [Figure(unit=1, q=1, increment=D(4)), Figure(unit=1, q=2, increment=D(2))]
    spec = IndicatorSpec(kind="cumulative", baseline=D(0), targets=(reach(5, 2025),), reporting_units=(1,))
    rows = compute_indicator(spec, figures, 2, CAL, SETTINGS)
    assert rows_at(rows, "2023Q1").recent_pace == 4 and rows_at(rows, "2023Q1").required_pace == D(1) / 11
    assert rows_at(rows, "2023Q2").status == Status.ACHIEVED and rows_at(rows, "2023Q2").required_pace is None


# --- After the last deadline: a verdict -------------------------------------------------------


def assert_verdict(row, status):
    """A row past its last deadline: the verdict, with actual and target, and no number about time."""
    assert row.status == status
    assert row.actual is not None and row.target is not None
    assert (row.time_elapsed_pct, row.completion_pct, row.gap_pp) == (None, None, None)
    assert (row.required_pace, row.recent_pace, row.projected) == (None, None, None)


def test_a_target_met_by_its_deadline_is_achieved_and_after_it_a_verdict_without_numbers():
    figures = [Figure(unit=1, q=Q["2024Q1"], increment=D(6)), Figure(unit=1, q=Q["2025Q3"], increment=D(4))]
    spec = IndicatorSpec(kind="cumulative", baseline=D(0), targets=(reach(10, 2025),), reporting_units=(1,))
    rows = compute_indicator(spec, figures, Q["2028Q4"], CAL, SETTINGS)
    at_deadline = rows_at(rows, "2025Q4")
    assert at_deadline.status == Status.ACHIEVED and at_deadline.time_elapsed_pct == 100, "up to D the numbers stay"
    for period in ("2026Q1", "2028Q4"):  # the next quarter, and three years on
        assert_verdict(rows_at(rows, period), Status.ACHIEVED)


def test_a_target_met_only_after_its_deadline_is_achieved_late_and_stays_so():
    # ratio_latest: 50 % at the deadline (missed there), 100 % in 2026Q2, back to 90 % in 2026Q4.
    figures = [
        Figure(unit=1, q=Q["2025Q2"], numerator=D(5), denominator=D(10)),
        Figure(unit=1, q=Q["2026Q2"], numerator=D(10), denominator=D(10)),
        Figure(unit=1, q=Q["2026Q4"], numerator=D(9), denominator=D(10)),
    ]
    spec = IndicatorSpec(kind="ratio_latest", baseline=D(0), targets=(reach(100, 2025, comparator="="),), reporting_units=(1,))
    rows = compute_indicator(spec, figures, Q["2028Q4"], CAL, SETTINGS)
    deadline = rows_at(rows, "2025Q4")
    assert deadline.status == Status.MISSED and deadline.gap_pp == 50, "at D: missed, with its numbers"
    assert_verdict(rows_at(rows, "2026Q1"), Status.MISSED)
    assert_verdict(rows_at(rows, "2026Q2"), Status.ACHIEVED_LATE)
    fallen = rows_at(rows, "2026Q4")
    assert fallen.actual == 90
    assert_verdict(fallen, Status.ACHIEVED_LATE)
    assert_verdict(rows_at(rows, "2028Q4"), Status.ACHIEVED_LATE)


def test_a_target_never_met_is_missed_long_after_its_deadline_and_a_late_milestone_is_achieved_late():
    figures = [Figure(unit=1, q=Q["2024Q2"], increment=D(3))]
    spec = IndicatorSpec(kind="cumulative", baseline=D(0), targets=(reach(10, 2025),), reporting_units=(1,))
    rows = compute_indicator(spec, figures, Q["2028Q4"], CAL, SETTINGS)
    assert rows_at(rows, "2025Q3").required_pace == D(7), "before D the pace is given"
    for period in ("2026Q1", "2027Q2", "2028Q4"):
        row = rows_at(rows, period)
        assert_verdict(row, Status.MISSED)
        assert row.actual == 3 and row.target.value == 10
    milestone = IndicatorSpec(kind="milestone", baseline=D(0), targets=(reach(1, 2025, comparator="="),), reporting_units=(1,))
    done_late = [Figure(unit=1, q=Q["2025Q1"], done=False), Figure(unit=1, q=Q["2026Q3"], done=True)]
    rows = compute_indicator(milestone, done_late, Q["2027Q1"], CAL, SETTINGS)
    assert rows_at(rows, "2025Q4").status == Status.MISSED
    assert_verdict(rows_at(rows, "2026Q2"), Status.MISSED)
    assert_verdict(rows_at(rows, "2026Q3"), Status.ACHIEVED_LATE)
    assert_verdict(rows_at(rows, "2027Q1"), Status.ACHIEVED_LATE)


def test_an_earlier_target_passed_is_not_a_verdict_while_a_later_one_runs():
    figures = [Figure(unit=1, q=Q["2024Q1"], increment=D(20))]
    spec = IndicatorSpec(kind="cumulative", baseline=D(0), targets=(reach(50, 2025), reach(60, 2027)), reporting_units=(1,))
    row = rows_at(compute_indicator(spec, figures, Q["2026Q1"], CAL, SETTINGS), "2026Q1")
    assert row.target.year == 2027 and row.status == Status.OFF_TRACK
    assert row.time_elapsed_pct == D(100) * 13 / 20 and row.gap_pp is not None and row.required_pace is not None
