"""Quarters, in one place: which quarter a day falls in, its code, its bounds, and the plan's
numbering of quarters (q = 1 is the plan's first quarter, PROGRESS-RULES.md).

Pure Python (the progress engine uses it): no Django, no database. The set-based engine in
progress_sql.py does the same arithmetic inside its SQL, starting from `Calendar.ordinal0`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def quarter_of(day: dt.date) -> tuple[int, int]:
    """Return (year, quarter) of the calendar quarter holding `day`."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_ordinal(year: int, quarter: int) -> int:
    """Return a number that grows by one per quarter (2026Q1 → 8104), for quarter arithmetic."""
    return year * 4 + quarter - 1


def quarter_from_ordinal(ordinal: int) -> tuple[int, int]:
    return ordinal // 4, ordinal % 4 + 1


def quarter_code(year: int, quarter: int) -> str:
    """Return the period code of a quarter: 2026Q3."""
    return f"{year}Q{quarter}"


def quarter_shift(year: int, quarter: int, by: int) -> tuple[int, int]:
    """Return the quarter `by` quarters after (or, negative, before) the given one."""
    return quarter_from_ordinal(quarter_ordinal(year, quarter) + by)


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """Return the first and the last day of a calendar quarter."""
    start = dt.date(year, 3 * quarter - 2, 1)
    next_year, next_quarter = quarter_shift(year, quarter, 1)
    return start, dt.date(next_year, 3 * next_quarter - 2, 1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Calendar:
    """A plan's numbering of quarters: q = 1 is the plan's first quarter."""

    first_year: int
    first_quarter: int  # 1..4

    @classmethod
    def starting(cls, day: dt.date) -> Calendar:
        """Return the calendar of a plan that starts on `day`."""
        return cls(*quarter_of(day))

    @property
    def ordinal0(self) -> int:
        """The ordinal of the quarter before q = 1 (q = ordinal − ordinal0)."""
        return quarter_ordinal(self.first_year, self.first_quarter) - 1

    def ordinal(self, q: int) -> int:
        return self.ordinal0 + q

    def year(self, q: int) -> int:
        return quarter_from_ordinal(self.ordinal(q))[0]

    def quarter(self, q: int) -> int:
        return quarter_from_ordinal(self.ordinal(q))[1]

    def code(self, q: int) -> str:
        return quarter_code(*quarter_from_ordinal(self.ordinal(q)))

    def q_of(self, year: int, quarter: int) -> int:
        return quarter_ordinal(year, quarter) - self.ordinal0

    def q_of_day(self, day: dt.date) -> int:
        """Return q of the quarter holding `day` (e.g. a target's deadline quarter D)."""
        return self.q_of(*quarter_of(day))
