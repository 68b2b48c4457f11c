"""Template helpers of the review pages: a version's figure by kind, its change, history values (kinds.py says how)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from .. import kinds
from ..kinds import kind_of
from ..models import SubmissionVersion
from .portal import number

register = template.Library()


@register.filter
def version_figure(version: SubmissionVersion | None, kind: str) -> str:
    """Return a version's figure in words: +2 this quarter, 45 / 50 = 90.0%, done on …, on track."""
    return "—" if version is None else kind_of(kind).figure(version)


def _signed(value: Decimal, *, places: int | None = None) -> str:
    """Return +3, −2, ±0 (or with `places` decimals: +2.1, −2.0, ±0.0)."""
    magnitude = number(abs(value)) if places is None else f"{abs(value):.{places}f}"
    if value == 0:
        return "±" + magnitude
    return ("+" if value > 0 else "−") + magnitude


@register.simple_tag
def figure_change(version: SubmissionVersion | None, previous: SubmissionVersion | None, kind: str) -> str:
    """Return the change against the previous figure: +3 for counts, +2.1 pp for ratios, else ''."""
    compared = kind_of(kind).compare
    if version is None or previous is None or not compared:
        return ""
    now, before = getattr(version, compared), getattr(previous, compared)
    if now is None or before is None:
        return ""
    if kinds.SHOWN_INPUTS[compared] == kinds.PERCENT:
        delta = (now - before).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return _("%s pp") % _signed(delta, places=1)
    return _signed(now - before)


@register.filter
def history_value(value, field: str) -> str:
    """Return a stored value (as SubmissionVersion.values() gives it) readable in a diff table;
    counted items as a numbered list (safe HTML)."""
    if value is None or value == "" or value == []:
        return "—"
    input_type = kinds.INPUTS.get(field)
    if input_type == kinds.ITEMS:
        # A list, as the reporter sees it on the form's page (_report_values.html), not one line.
        return format_html(
            '<ol class="items">{}</ol>',
            format_html_join(
                "", "<li>{}{}</li>",
                ((item.get("name", ""), format_html(' <span class="code">{}</span>', item["number"]) if item.get("number") else "")
                 for item in value),
            ),
        )
    if input_type == kinds.YES_NO:
        return _("Yes") if value else _("No")
    if input_type == kinds.SELF_STATUS:
        return str(SubmissionVersion.SelfStatus(value).label) if value in SubmissionVersion.SelfStatus.values else value
    if input_type == kinds.COUNT:
        return number(value)
    return str(value)
