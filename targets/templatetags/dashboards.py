"""Display helpers of the dashboards: snapshot numbers are exact; pages round them only here."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import gettext as _

from ..models import Indicator
from ..numbers import decimal_text
from ..selectors.dashboards import IndicatorProgress

register = template.Library()

ONE = Decimal("0.1")
TWO = Decimal("0.01")


def _round(value, quantum: Decimal) -> Decimal:
    return Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


@register.filter
def pct(value) -> str:
    """Return a percentage with one decimal: 89.9532 → “90.0%”."""
    return "—" if value in (None, "") else f"{_round(value, ONE)}%"


@register.filter
def pp(value) -> str:
    """Return percentage points with one decimal and a real minus sign: −15.0."""
    if value in (None, ""):
        return "—"
    text = str(_round(value, ONE))
    return "0.0" if text in ("-0.0", "0.0") else text.replace("-", "−")


@register.filter
def amount(value) -> str:
    """Return a count or pace with at most two decimals and no trailing zeros: 4.7500 → 4.75."""
    return "—" if value in (None, "") else decimal_text(_round(value, TWO))


@register.filter
def bar(value) -> str:
    """Return a width for a progress bar: the percentage clamped to 0–100, with a dot decimal."""
    if value in (None, ""):
        return "0"
    clamped = min(max(Decimal(value), Decimal(0)), Decimal(100))
    return format(_round(clamped, ONE), "f")


def _with_unit(number: str, indicator: Indicator) -> str:
    unit = indicator.unit_of_measure
    if unit in ("", "—"):
        return number
    return f"{number}%" if unit in ("%", "percent") else f"{number} {unit}"


@register.filter
def actual(item: IndicatorProgress) -> str:
    """Return the city's value in words: “54 items”, “95.0%”, “50.0% of units done”."""
    row, indicator = item.row, item.indicator
    if row is None or row.actual is None:
        return _("no data")
    kind = indicator.kind
    if kind in (Indicator.Kind.RATIO_YTD, Indicator.Kind.RATIO_LATEST):
        return pct(row.actual)
    if kind == Indicator.Kind.MILESTONE:
        if row.actual >= 1:
            return _("done")
        if row.actual <= 0:
            return _("not done yet")
        return _("%(share)s of the reporting units done") % {"share": pct(100 * row.actual)}
    return _with_unit(amount(row.actual), indicator)


@register.filter
def quantity(value, indicator: Indicator) -> str:
    """Return a count of the indicator's unit of measure: {{ row.required_pace|quantity:indicator }}."""
    if value in (None, ""):
        return "—"
    if indicator.kind in (Indicator.Kind.RATIO_YTD, Indicator.Kind.RATIO_LATEST):
        return pct(value)
    return _with_unit(amount(value), indicator)


@register.filter
def neg(value):
    """Return −value (None stays None): {{ gap|neg|pp }} for “ahead by …”."""
    return None if value in (None, "") else -Decimal(value)


@register.filter
def target_short(item: IndicatorProgress) -> str:
    """Return the target value without its deadline: “≥ 60 items”, “≥ 98%”, “completed”."""
    row, indicator = item.row, item.indicator
    if row is None or row.target_value is None:
        return _("no target")
    comparator = row.target.get_comparator_display() if row.target else "≥"
    if indicator.kind == Indicator.Kind.MILESTONE:
        return _("completed")
    if indicator.kind in (Indicator.Kind.RATIO_YTD, Indicator.Kind.RATIO_LATEST):
        return f"{comparator} {decimal_text(row.target_value)}%"
    return f"{comparator} {_with_unit(decimal_text(row.target_value), indicator)}"


@register.filter
def target(item: IndicatorProgress) -> str:
    """Return the target of the row in words: “≥ 60 items by 2027-12-31”, “≥ 98% throughout 2026”."""
    row = item.row
    if row is None or row.target_value is None:
        return _("no target")
    what = target_short(item)
    if row.mode == "maintain":
        return _("%(what)s throughout %(year)s") % {"what": what, "year": row.target_year}
    return _("%(what)s by %(deadline)s") % {"what": what, "deadline": row.deadline.isoformat() if row.deadline else "—"}
