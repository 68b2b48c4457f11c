"""Template helpers of the review pages: a version's figure by kind, its change, history values."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.translation import gettext as _

from ..models import Indicator, SubmissionVersion
from .portal import number

register = template.Library()

RATIOS = (Indicator.Kind.RATIO_YTD, Indicator.Kind.RATIO_LATEST)


@register.filter
def version_figure(version: SubmissionVersion | None, kind: str) -> str:
    """Return a version's figure in words: +2 this quarter, 45 / 50 = 90.0%, done on …, on track."""
    if version is None:
        return "—"
    if kind == Indicator.Kind.CUMULATIVE:
        return _("+%s this quarter") % number(version.increment) if version.increment is not None else "—"
    if kind in RATIOS:
        pct = version.ratio_pct
        if pct is None:
            return "—"
        return f"{number(version.numerator)} / {number(version.denominator)} = {pct:.1f}%"
    if kind == Indicator.Kind.MILESTONE:
        if version.done and version.completed_on:
            return _("done on %s") % version.completed_on.isoformat()
        if version.done is False:
            return _("not done yet")
        return "—"
    return version.get_self_status_display() or "—"


def _signed(value: Decimal, *, places: int | None = None) -> str:
    """Return +3, −2, ±0 (or with `places` decimals: +2.1, −2.0, ±0.0)."""
    magnitude = number(abs(value)) if places is None else f"{abs(value):.{places}f}"
    if value == 0:
        return "±" + magnitude
    return ("+" if value > 0 else "−") + magnitude


@register.simple_tag
def figure_change(version: SubmissionVersion | None, previous: SubmissionVersion | None, kind: str) -> str:
    """Return the change against the previous figure: +3 for counts, +2.1 pp for ratios, else ''."""
    if version is None or previous is None:
        return ""
    if kind == Indicator.Kind.CUMULATIVE and version.increment is not None and previous.increment is not None:
        return _signed(version.increment - previous.increment)
    if kind in RATIOS and version.ratio_pct is not None and previous.ratio_pct is not None:
        delta = (version.ratio_pct - previous.ratio_pct).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return _("%s pp") % _signed(delta, places=1)
    return ""


@register.filter
def history_value(value, field: str) -> str:
    """Return a stored value (as SubmissionVersion.values() gives it) readable in a diff table."""
    if value is None or value == "" or value == []:
        return "—"
    if field == "items":
        return "; ".join(f"{item.get('name', '')} | {item.get('number', '')}".strip(" |") for item in value)
    if field == "done":
        return _("Yes") if value else _("No")
    if field == "self_status":
        return str(SubmissionVersion.SelfStatus(value).label) if value in SubmissionVersion.SelfStatus.values else value
    if field in ("increment", "numerator", "denominator"):
        return number(value)
    return str(value)
