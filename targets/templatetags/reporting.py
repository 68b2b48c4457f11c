"""Template helpers of the reporter's pages: a version's values in a few words, slot states."""

from django import template
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ..kinds import kind_of
from ..models import Indicator, Submission, SubmissionVersion

register = template.Library()


@register.filter
def values_summary(version: SubmissionVersion | None, indicator: Indicator) -> str:
    """Return the values of any version (a draft may be partial) in words for a table cell."""
    return kind_of(indicator).summary(version) if version else "—"


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
