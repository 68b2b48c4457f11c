"""Template helpers of the reporter's pages: a version's values in a few words, slot states."""

from django import template
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import Indicator, Submission, SubmissionVersion
from .portal import number

register = template.Library()


@register.filter
def values_summary(version: SubmissionVersion | None, indicator: Indicator) -> str:
    """Return the values of any version (a draft may be partial) in words for a table cell."""
    if not version:
        return "—"
    kind = indicator.kind
    if kind == Indicator.Kind.CUMULATIVE:
        if version.increment is None:
            return "—"
        listed = len(version.items or [])
        return _("+%(increment)s (%(listed)s)") % {
            "increment": number(version.increment),
            "listed": ngettext("%d item listed", "%d items listed", listed) % listed,
        }
    if kind in (Indicator.Kind.RATIO_YTD, Indicator.Kind.RATIO_LATEST):
        pct = version.ratio_pct
        text = f"{number(version.numerator)} / {number(version.denominator)}"
        return f"{text} = {pct:.1f}%" if pct is not None else text
    if kind == Indicator.Kind.MILESTONE:
        if version.done is None:
            return "—"
        if version.done:
            return _("done on %s") % version.completed_on.isoformat() if version.completed_on else _("done")
        return _("not done yet")
    status = version.get_self_status_display()
    text = Truncator(version.narrative).chars(40) if version.narrative else ""
    return " · ".join(part for part in (status, text) if part) or "—"


@register.filter
def field_label(name: str) -> str:
    """Return the translated label of a version's field: {{ "increment"|field_label }}."""
    return capfirst(SubmissionVersion._meta.get_field(name).verbose_name)


@register.filter
def state_label(state: str) -> str:
    """Return the readable name of a slot state (a submission status, or missing)."""
    if state == "missing":
        return _("Not entered")
    return Submission.Status(state).label
