"""Template helpers that read the kinds' registry (targets/kinds.py) instead of testing the kind.

{% load kinds %}: `indicator|kind_of` (or `"milestone"|kind_of`) gives the kind's entry, e.g.
`{% with k=indicator|kind_of %}{% if k.has_unit %}…`; `version|shown_values:indicator` the values
a version's page shows; `{% rule_steps page city indicator as steps %}` the rule in words.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date as date_format
from django.template.defaultfilters import floatformat
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

from .. import kinds
from ..kinds import IndicatorKind, kind_of as _kind_of
from .portal import target_label

register = template.Library()


@register.filter
def kind_of(indicator_or_kind) -> IndicatorKind:
    """Return the registry's entry of an indicator's kind: {% with k=indicator|kind_of %}."""
    return _kind_of(indicator_or_kind)


@register.filter
def shown_values(version, indicator) -> list[dict]:
    """Return the values the kind shows on a version's page, in order: name, input type, value."""
    return [
        {"name": name, "input": kinds.SHOWN_INPUTS[name], "value": getattr(version, name)}
        for name in _kind_of(indicator).shown
    ]


# --- The rule in words ---------------------------------------------------------------------------


def _html(value) -> str:
    # As {% blocktrans %} shows a variable: localized, escaped unless safe.
    return conditional_escape(localize(value))


def _share(value) -> str:
    """Return a 0–1 share as a whole percentage, as {% widthratio value 1 100 %} does ("" for none)."""
    try:
        return str(round((float(value) / 1.0) * 100))
    except (ValueError, TypeError, OverflowError):
        return ""


@register.simple_tag
def rule_steps(page, city, indicator) -> list[tuple[str, SafeString]]:
    """Return “How this is computed” as (data-rule, HTML) steps, the page's numbers filled in.

    The kind's own steps are its registry entry's `rule`; the others follow the target's mode.
    """
    kind = _kind_of(indicator)
    rule = kind.rule
    sums = page.ratio_sums
    actual = getattr(city, "actual", None)
    number = {
        "B": indicator.baseline,
        "A": actual,
        "T": getattr(city, "target_value", None),
        "tau": getattr(city, "time_elapsed_pct", None),
        "c": getattr(city, "completion_pct", None),
        "g": getattr(city, "gap_pp", None),
        "on": page.plan.on_track_max_gap,
        "risk": page.plan.at_risk_max_gap,
        "since": page.progress_since_baseline,
        "num": sums.numerator if sums else None,
        "den": sums.denominator if sums else None,
    }
    values = {name: floatformat(value, "-2") for name, value in number.items()} | {
        name: _html(value)
        for name, value in {
            "p": page.period.code,
            "q": page.q,
            "qd": page.deadline_q,
            "r": page.remaining_q,
            "status": city.get_status_display() if city else "",
            "year": page.period.year,
            "k": page.done_units,
            "n": (sums.units if sums else "") if rule.n == "summed" else len(page.reporting_units),
            "share": _share(actual),
            "unit": indicator.unit_of_measure,
        }.items()
    }
    steps: list[tuple[str, SafeString]] = []

    def text(words, **more) -> SafeString:
        # The words are the portal's own (translated) texts, their markup ours; every value put into
        # them is escaped above (_html) or a formatted number (floatformat).
        html = str(words) % (values | more)
        return mark_safe(html)  # nosec B308 B703

    def add(key: str, words, **more) -> None:
        steps.append((key, text(words, **more)))

    if not kind.has_value:
        for key, words in rule.steps:
            add(key, words)
        return steps
    if getattr(city, "status", None) == "no_data":
        add("status", rule.no_value)
        return steps
    add("actual", rule.actual)
    target = page.active_target
    if not target:
        add("status", kinds.RULE_NO_TARGET)
        return steps
    label = _html(target_label(target))
    if city.mode == kinds.MAINTAIN:
        add("target", kinds.RULE_MAINTAIN_TARGET, label=label, year=_html(target.year))
        if page.period.quarter == 4:
            add("status", kinds.RULE_MAINTAIN_Q4)
        else:
            add("status", kinds.RULE_MAINTAIN_BEFORE_Q4, margin=floatformat(page.plan.maintain_at_risk_pp, "-2"))
        return steps
    q, qd = page.q, page.deadline_q
    past = q is not None and qd is not None and q > qd
    start = _html(date_format(page.plan.start, "Y-m-d"))
    add("target", kinds.RULE_REACH_TARGET_PAST if past else kinds.RULE_REACH_TARGET, label=label, start=start)
    if past and city.status in ("achieved", "achieved_late", "missed"):
        add("verdict", kinds.RULE_VERDICT)
        if city.status == "achieved":
            add("status", rule.achieved)
        elif city.status == "achieved_late":
            add("status", kinds.RULE_ACHIEVED_LATE)
        else:
            add("status", kinds.RULE_MISSED_VERDICT)
        return steps
    if city.time_elapsed_pct is not None and kind.time_elapsed:
        add("time", kinds.RULE_TIME_ELAPSED)
    if city.completion_pct is not None:
        add("completion", rule.completion)
    if city.status == "achieved":
        add("status", rule.achieved)
    elif city.status == "missed":
        add("status", kinds.RULE_MISSED)
    else:
        add("status", rule.running)
    if city.required_pace is not None or city.recent_pace is not None:
        recent = floatformat(city.recent_pace, "-2")
        pace = [text(kinds.RULE_REMAINING)]
        if city.required_pace is not None:
            pace.append(text(kinds.RULE_REQUIRED_PACE, req=floatformat(city.required_pace, "-2")))
        if city.recent_pace is not None:
            pace.append(text(kinds.RULE_RECENT_PACE, recent=recent, n=_html(page.recent_quarters)))
        if city.projected is not None:
            pace.append(text(kinds.RULE_PROJECTED, recent=recent, proj=floatformat(city.projected, "-2")))
        steps.append(("pace", format_html_join(" ", "{}", ((part,) for part in pace))))
    return steps


@register.filter
def covers_instruction(indicator) -> str:
    """Return what one report of the indicator covers, in words: {{ indicator|covers_instruction }}."""
    return kinds.covers_instruction(indicator)
