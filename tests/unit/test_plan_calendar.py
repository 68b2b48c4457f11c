"""The plan calendar: the one home of quarter arithmetic."""

import datetime as dt

import pytest

from targets.plan_calendar import (
    Calendar,
    quarter_bounds,
    quarter_code,
    quarter_of,
    quarter_ordinal,
    quarter_shift,
)


@pytest.mark.parametrize(
    "day, expected",
    [(dt.date(2026, 1, 1), (2026, 1)), (dt.date(2026, 3, 31), (2026, 1)), (dt.date(2026, 4, 1), (2026, 2)), (dt.date(2026, 12, 31), (2026, 4))],
)
def test_a_day_falls_in_its_calendar_quarter(day, expected):
    assert quarter_of(day) == expected


def test_shifting_crosses_years_both_ways():
    assert quarter_shift(2025, 4, 1) == (2026, 1)
    assert quarter_shift(2026, 1, -1) == (2025, 4)
    assert quarter_shift(2023, 1, 12) == (2026, 1)
    assert quarter_ordinal(*quarter_shift(2024, 3, 5)) - quarter_ordinal(2024, 3) == 5


@pytest.mark.parametrize("year, quarter, first, last", [
    (2026, 1, dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    (2024, 1, dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
    (2026, 2, dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
    (2026, 4, dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
])
def test_a_quarter_has_its_first_and_last_day(year, quarter, first, last):
    assert quarter_bounds(year, quarter) == (first, last)


def test_the_plan_numbers_its_quarters_from_one():
    cal = Calendar.starting(dt.date(2023, 1, 1))
    assert cal.q_of(2023, 1) == 1 and cal.q_of(2025, 4) == 12
    assert cal.code(12) == quarter_code(2025, 4) == "2025Q4"
    assert (cal.year(13), cal.quarter(13)) == (2026, 1)
    assert cal.q_of_day(dt.date(2027, 12, 31)) == 20
    mid_year = Calendar.starting(dt.date(2023, 7, 1))
    assert mid_year.q_of(2023, 3) == 1 and mid_year.code(3) == "2024Q1"
    assert all(cal.q_of(cal.year(q), cal.quarter(q)) == q for q in range(1, 60))
