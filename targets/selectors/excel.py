"""Reads of the Excel round trip: the period asked for and the unit's slots in it."""

from __future__ import annotations

from ..models import Indicator, Period, Submission, Unit
from .reporting import SlotRow


def excel_slots(unit: Unit, period: Period) -> list[SlotRow]:
    """Return the active indicators assigned to `unit`, in plan order, with their submission for `period`.

    Two queries whatever the number of indicators.
    """
    indicators = list(
        Indicator.objects.filter(active=True, reporting_units=unit).order_by("position", "code")
    )
    submissions = {
        s.indicator_id: s
        for s in Submission.objects.filter(unit=unit, period=period, indicator__in=indicators).select_related(
            "current__created_by"
        )
    }
    return [SlotRow(indicator=ind, submission=submissions.get(ind.pk)) for ind in indicators]


def indicator_codes_known(codes: set[str]) -> set[str]:
    """Return which of `codes` are indicators of the plan (active or not)."""
    if not codes:
        return set()
    return set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True))
