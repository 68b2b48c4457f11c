"""The expected path (序时进度) the indicator charts draw is the engine's: the straight line from the
baseline to each target by its deadline, along which the gap of the rules is zero (no database)."""

from decimal import Decimal as D

import pytest

from targets.progress import (
    Calendar,
    Figure,
    IndicatorSpec,
    Settings,
    TargetSpec,
    active_target,
    compute_indicator,
    expected_path,
    expected_value,
    time_elapsed_pct,
)

CAL = Calendar(first_year=2023, first_quarter=1)  # plan start 2023Q1: q(2025Q4) = 12, q(2027Q4) = 20
T2025 = TargetSpec(year=2025, deadline_q=12, mode="reach", comparator=">=", value=D(50))
T2027 = TargetSpec(year=2027, deadline_q=20, mode="reach", comparator=">=", value=D(60))


def test_the_path_runs_to_each_target_by_its_deadline():
    path = expected_path([T2027, T2025], D(0), CAL)
    assert [q for q, _t, _v in path] == list(range(1, 21))  # to the last deadline, none beyond
    assert {q: t for q, t, _v in path} == {q: active_target([T2025, T2027], q, CAL) for q in range(1, 21)}
    values = {q: v for q, _t, v in path}
    assert values[6] == D(25) and values[12] == D(50)  # the worked example: τ = 50 at 2024Q2
    assert values[13] == pytest.approx(D(60) * 13 / 20) and values[20] == D(60)


def test_it_starts_from_the_baseline():
    assert expected_value(6, T2025, D(20)) == D(20) + D(30) * D(6) / D(12)
    assert time_elapsed_pct(6, T2025) == D(50)


def test_maintain_targets_have_no_path():
    maintain = TargetSpec(year=2025, deadline_q=12, mode="maintain", comparator=">=", value=D(98))
    assert expected_path([maintain], D(0), CAL) == []
    assert expected_path([], D(0), CAL) == []


@pytest.mark.parametrize("q", [3, 6, 12, 15, 19])
def test_a_city_on_the_path_has_no_gap(q):
    """Held to the engine's status rule: an actual value on the path is exactly on time (gap 0)."""
    baseline = D(10)
    target = active_target([T2025, T2027], q, CAL)
    value = expected_value(q, target, baseline)
    spec = IndicatorSpec(kind="cumulative", baseline=baseline, targets=(T2025, T2027), reporting_units=(1,))
    # One increment in q brings the city (baseline + increments) onto the path at q.
    rows = compute_indicator(spec, [Figure(unit=1, q=q, increment=value - baseline)], q, CAL, Settings())
    city = next(r for r in rows if r.unit is None and r.q == q)
    assert city.target is target and city.actual == value
    if city.status != "achieved":  # at a deadline the path reaches the target itself
        assert city.gap_pp == pytest.approx(D(0), abs=D("1e-20"))
