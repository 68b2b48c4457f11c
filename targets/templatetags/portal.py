"""Template helpers: localized plan texts and readable targets and figures."""


from django import template
from django.utils.translation import gettext as _

from ..models import Indicator, Submission, Target
from ..models.i18n import localized
from ..numbers import decimal_text

register = template.Library()


@register.filter
def loc(obj, field: str) -> str:
    """Return the object's text field in the active language: {{ measure|loc:"title" }}."""
    return localized(obj, field)


@register.filter
def number(value) -> str:
    """Return a decimal without trailing zeros: 50.0000 → 50, 98.5000 → 98.5."""
    return "—" if value is None else decimal_text(value)


@register.filter
def target_label(target: Target) -> str:
    """Return e.g. “≥ 50 by 2025-12-31 (stretch 2, aspirational)” in the active language."""
    indicator = target.indicator
    unit = "" if indicator.kind == Indicator.Kind.MILESTONE else indicator.unit_of_measure
    if indicator.kind == Indicator.Kind.MILESTONE:
        what = _("completed")
    else:
        what = f"{target.get_comparator_display()} {number(target.value)}{' ' if unit not in ('%', '') else ''}{unit}"
    if target.mode == Target.Mode.MAINTAIN:
        text = _("%(what)s throughout %(year)s") % {"what": what, "year": target.year}
    else:
        text = _("%(what)s by %(deadline)s") % {"what": what, "deadline": target.deadline.isoformat()}
    extras = []
    if target.stretch is not None:
        extras.append(_("stretch %s") % number(target.stretch))
    if target.aspirational:
        extras.append(_("aspirational (力争)"))
    if extras:
        text = _("%(target)s (%(notes)s)") % {"target": text, "notes": _(", ").join(extras)}
    return text


@register.filter
def figure(submission: Submission | None) -> str:
    """Return the approved figure of a submission in words fit for a table cell."""
    if submission is None or submission.approved is None:
        return "—"
    version = submission.approved
    kind = submission.indicator.kind
    if kind == Indicator.Kind.CUMULATIVE:
        return _("+%s this quarter") % number(version.increment)
    if kind in (Indicator.Kind.RATIO_YTD, Indicator.Kind.RATIO_LATEST):
        pct = version.ratio_pct
        return f"{number(version.numerator)} / {number(version.denominator)} = {pct:.1f}%" if pct is not None else "—"
    if kind == Indicator.Kind.MILESTONE:
        if version.done:
            return _("done on %s") % version.completed_on.isoformat()
        return _("not done yet")
    return version.get_self_status_display() or "—"
