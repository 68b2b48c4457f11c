"""Template helpers: localized plan texts and readable targets and figures."""


from django import template
from django.utils.translation import gettext as _

from ..kinds import kind_of
from ..models import Submission, Target
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
    if kind_of(indicator).numeric_target:
        unit = indicator.unit_of_measure
        what = f"{target.get_comparator_display()} {number(target.value)}{' ' if unit not in ('%', '') else ''}{unit}"
    else:
        what = _("completed")
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
    return kind_of(submission.indicator).figure(submission.approved)



@register.simple_tag
def plotly_styles() -> str:
    """Return plotly.js's base stylesheet, linked so that plotly.js does not inject it inline, and a
    placeholder for each <style> its bundled libraries would inject (see targets/plotly_css.py)."""
    from django.templatetags.static import static
    from django.utils.html import format_html, format_html_join

    from ..plotly_css import bundled_style_ids

    link = format_html(
        '<link rel="stylesheet" id="plotly.js-style-global" class="no-inline-styles" href="{}">', static("css/plotly.css")
    )
    return link + format_html_join("", '<meta name="plotly-bundled-style" id="{}">', ((i,) for i in bundled_style_ids()))


@register.filter
def person(user, fallback: str = "—") -> str:
    """Return how pages name a person: the display name, else the login; `fallback` for nobody."""
    if user is None or user == "":
        return fallback or "—"
    return getattr(user, "shown_name", None) or str(user)
