"""Display helpers of the dashboards: snapshot numbers are exact; pages round them only here. The
statuses' order, words and traffic lights come from targets.status."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import gettext as _

from ..kinds import SCALE_COUNT, SCALE_PERCENT, SCALE_SHARE, kind_of
from ..models import Indicator
from ..numbers import decimal_text
from ..selectors.completeness import COMPLETENESS_DEFINITION
from ..selectors.dashboards import IndicatorStatusRow
from ..status import LIGHT_HEADINGS, LIGHT_ORDER, ORDER, gap_words, status_label, status_light

register = template.Library()

ONE = Decimal("0.1")
TWO = Decimal("0.01")


def _round(value, quantum: Decimal) -> Decimal:
    return Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


@register.simple_tag
def status_legend() -> list[tuple[str, str]]:
    """Return (status, its words) for every status, best first: {% status_legend as statuses %}."""
    return [(s, status_label(s)) for s in ORDER]


@register.simple_tag
def light_headings() -> list[tuple[str, str]]:
    """Return (light, its column heading) for every traffic light: {% light_headings as lights %}."""
    return [(light, str(LIGHT_HEADINGS[light])) for light in LIGHT_ORDER]


@register.filter
def light(status) -> str:
    """Return the traffic light of a status: {{ report.self_status|light }} → “yellow”."""
    return status_light(status)


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
def actual(item: IndicatorStatusRow) -> str:
    """Return the city's value in words by its kind's scale: “54 items”, “95.0%”, “50.0% of units done”."""
    row, indicator = item.row, item.indicator
    if row is None or row.actual is None:
        return _("no data")
    scale = kind_of(indicator).scale
    if scale == SCALE_PERCENT:
        return pct(row.actual)
    if scale == SCALE_SHARE:
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
    if kind_of(indicator).scale == SCALE_PERCENT:
        return pct(value)
    return _with_unit(amount(value), indicator)


@register.filter
def quantity_whole(value, indicator: Indicator) -> str:
    """Return a count as a whole number (a projection of items: 77.75 → “78 items”, the exact value
    staying in the data and the API); rates as `quantity`. A mean per quarter is not a count: `quantity`."""
    if value in (None, "") or kind_of(indicator).scale != SCALE_COUNT:
        return quantity(value, indicator)
    return _with_unit(decimal_text(_round(value, Decimal(1))), indicator)


@register.filter
def quantity_up(value, indicator: Indicator) -> str:
    """Return what is still needed as a whole count, rounded up (5.33 more per quarter → “6 items”):
    a fraction of an item cannot be delivered; rates as `quantity`."""
    if value in (None, "") or kind_of(indicator).scale != SCALE_COUNT:
        return quantity(value, indicator)
    return _with_unit(decimal_text(Decimal(value).quantize(Decimal(1), rounding=ROUND_CEILING)), indicator)


@register.filter
def shortfall(item: IndicatorStatusRow) -> str:
    """Return how far a missed target still is, in the kind's terms ("" when it is met): whole items
    rounded up, percentage points, or the share of the reporting units still to finish."""
    short = item.shortfall
    if short is None:
        return ""
    scale = kind_of(item.indicator).scale
    if scale == SCALE_PERCENT:
        return _("Still %(n)s percentage points short of the target") % {"n": format(_round(short, ONE), "f")}
    if scale == SCALE_SHARE:
        return _("%(share)s of the reporting units still to finish") % {"share": pct(100 * short)}
    return _("Still %(short)s short of the target") % {"short": quantity_up(short, item.indicator)}


@register.filter
def gap(row) -> str:
    """Return a snapshot row's gap in words, never a bare signed number: {{ row|gap }} →
    “15.0 percentage points behind the time elapsed” (“” without a gap)."""
    if row is None or getattr(row, "gap_pp", None) is None:
        return ""
    return gap_words(row.gap_pp, getattr(row, "mode", "") or "reach")


@register.filter
def neg(value):
    """Return −value (None stays None): {{ gap|neg|pp }} for “ahead by …”."""
    return None if value in (None, "") else -Decimal(value)


@register.filter
def target_short(item: IndicatorStatusRow) -> str:
    """Return the target value without its deadline: “≥ 60 items”, “≥ 98%”, “completed”."""
    row, indicator = item.row, item.indicator
    if row is None or row.target_value is None:
        return _("no target")
    comparator = row.target.get_comparator_display() if row.target else "≥"
    kind = kind_of(indicator)
    if not kind.numeric_target:  # a milestone's target is “completed”
        return _("completed")
    if kind.scale == SCALE_PERCENT:
        return f"{comparator} {decimal_text(row.target_value)}%"
    return f"{comparator} {_with_unit(decimal_text(row.target_value), indicator)}"


@register.filter
def target(item: IndicatorStatusRow) -> str:
    """Return the target of the row in words: “≥ 60 items by 2027-12-31”, “≥ 98% throughout 2026”."""
    row = item.row
    if row is None or row.target_value is None:
        return _("no target")
    what = target_short(item)
    if row.mode == "maintain":
        return _("%(what)s throughout %(year)s") % {"what": what, "year": row.target_year}
    return _("%(what)s by %(deadline)s") % {"what": what, "deadline": row.deadline.isoformat() if row.deadline else "—"}


@register.simple_tag
def completeness_definition() -> str:
    """Return the one sentence that defines reporting completeness (/completeness/, /progress/counties/)."""
    return str(COMPLETENESS_DEFINITION)
