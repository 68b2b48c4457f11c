"""The words of the quarterly briefing, shared by its PDF and its Word file: headings, the summary
drafted from the numbers, and every table as rows of text cells.

Both documents print exactly these strings, so they say the same thing in the same words; numbers
are formatted by the dashboards' own filters (targets.templatetags.dashboards: one decimal for
percentages, at most two for counts and paces), so a figure reads the same on the overview, in the
briefing and, rounded the same way, in GET /api/v1/progress/. Call everything here inside
`translation.override(language)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from ..selectors import plan_current
from ..selectors.briefing import Briefing, CountyLine, StatusChange, briefing_period, briefing_read
from ..selectors.dashboards import IndicatorStatusRow
from ..status import LIGHTS, ORDER, RED, YELLOW, status_label
from ..templatetags.dashboards import actual, pct, quantity, quantity_up, quantity_whole, shortfall, target
from .base import ExportRefused, ExportRequest

HEADINGS = {
    "title": gettext_lazy("Quarterly briefing"),
    "summary": gettext_lazy("Overall situation"),
    "status_chart": gettext_lazy("Status counts per task area"),
    "attention": gettext_lazy("Needs attention"),
    "final": gettext_lazy("Targets judged at their deadline"),
    "changes": gettext_lazy("Changes since the previous quarter"),
    "areas": gettext_lazy("Progress by task area"),
    "others": gettext_lazy("Overall goals and safeguards"),
    "counties": gettext_lazy("Counties ranked: red and black lists"),
    "issues": gettext_lazy("Late and returned reports"),
    "assumptions": gettext_lazy("Assumptions behind the numbers"),
}

INDICATOR_HEADER = [
    gettext_lazy("Indicator"),
    gettext_lazy("Status"),
    gettext_lazy("Actual"),
    gettext_lazy("Target"),
    gettext_lazy("Completion"),
    gettext_lazy("Time elapsed"),
    gettext_lazy("Required pace per quarter"),
]
ATTENTION_HEADER = [
    gettext_lazy("Indicator"),
    gettext_lazy("Status"),
    gettext_lazy("Why it is listed"),
    gettext_lazy("Actual"),
    gettext_lazy("Target"),
    gettext_lazy("Required against recent pace"),
]
COUNTY_HEADER = [
    gettext_lazy("Rank"),
    gettext_lazy("County"),
    gettext_lazy("Achieved or on track"),
    gettext_lazy("At risk"),
    gettext_lazy("Off track or missed"),
    gettext_lazy("Reporting completeness"),
    gettext_lazy("Reported on time"),
    gettext_lazy("List"),
]
ISSUE_HEADER = [
    gettext_lazy("Unit"),
    gettext_lazy("Late: not submitted by the due date"),
    gettext_lazy("Returned for correction"),
    gettext_lazy("Submitted after the due date"),
]

RED_STATUSES = tuple(s for s in ORDER if LIGHTS[s] == RED)
YELLOW_STATUSES = tuple(s for s in ORDER if LIGHTS[s] == YELLOW)


def period_label(period) -> str:
    """Return a quarter in words: “2026年第3季度”, “2026 Q3”."""
    return _("%(year)s Q%(quarter)s") % {"year": period.year, "quarter": period.quarter}


def moment(value) -> str:
    """Return a moment in local time to the minute (“—” for none)."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def listing(items: list[str]) -> str:
    """Return items joined as a list in the active language (“a、b、c”, “a, b, c”)."""
    return pgettext("list separator", ", ").join(items)


def sentences(parts: list[str]) -> str:
    """Return sentences as one paragraph: Chinese sentences follow each other without a space."""
    return ("" if (translation.get_language() or "").startswith("zh") else " ").join(parts)


def aside(text: str, note: str) -> str:
    """Return a text with a note in brackets: “12 项（2025Q4）”, “12 items (2025Q4)”."""
    return _("%(text)s (%(note)s)") % {"text": text, "note": note}


def named(item: IndicatorStatusRow) -> str:
    """Return an indicator as the summary names it: its name and code."""
    return aside(item.indicator.name, item.indicator.code)


# --- Tables ---------------------------------------------------------------------------------------


@dataclass
class Table:
    """A table as both documents draw it: a header and rows of text cells.

    `spans`, per row, the cells merged into the last one from that column on (an indicator past its
    deadline has a verdict instead of completion, time elapsed and pace); `marks`, per row, a class
    for its colour (a status's traffic light, the red or black list)."""

    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    spans: list[int | None] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)  # relative column widths
    numeric: frozenset[int] = frozenset()  # columns aligned right

    def add(self, cells: list[str], *, span_from: int | None = None, mark: str = "") -> None:
        self.rows.append(cells)
        self.spans.append(span_from)
        self.marks.append(mark)

    def __bool__(self) -> bool:
        return bool(self.rows)

    @property
    def lines(self) -> list[dict]:
        """Return the rows for a template: {"cells", "span_from", "mark"}, the cells after a span
        cut off and the span's width given."""
        result = []
        for cells, span_from, mark in zip(self.rows, self.spans, self.marks):
            shown = cells if span_from is None else cells[: span_from + 1]
            result.append({
                "cells": [
                    {"text": text, "numeric": i in self.numeric and span_from != i,
                     "colspan": len(cells) - span_from if span_from == i else 1}
                    for i, text in enumerate(shown)
                ],
                "mark": mark,
            })
        return result


def _unit_statuses(item: IndicatorStatusRow) -> str:
    """Return how many units report each latest self-assessed status (narratives)."""
    parts = [f"{status_label(s['status'])} {s['count']}" for s in item.unit_statuses]
    if not parts:
        return _("No approved report yet.")
    return _("Units' latest self-assessments: %(statuses)s") % {"statuses": " · ".join(parts)}


def verdict(item: IndicatorStatusRow) -> str:
    """Return the verdict of an indicator whose target's deadline has passed (no pace after it)."""
    row = item.row
    text = _("Deadline %(deadline)s has passed.") % {"deadline": row.deadline.isoformat()}
    final = item.final
    if final is not None:
        text = sentences([text, _("Final result at %(code)s: %(value)s") % {
            "code": final.row.period.code, "value": actual(final.at_deadline)
        }])
        text += " — " + final.outcome
    return text


def indicator_cells(item: IndicatorStatusRow) -> tuple[list[str], int | None]:
    """Return an indicator's row of the area tables and the column its verdict spans from."""
    indicator, row = item.indicator, item.row
    name = f"{indicator.code} {indicator.name}"
    if not indicator.is_numeric:
        return [name, item.status_label, "—", _("qualitative: quarterly narrative"), _unit_statuses(item), "", ""], 4
    cells = [name, item.status_label, actual(item), target(item)]
    if item.deadline_passed:
        return cells + [verdict(item), "", ""], 4
    if row is None:
        return cells + ["—", "—", "—"], None
    completion = pct(row.completion_pct) if item.is_reach else "—"
    pace = quantity_up(row.required_pace, indicator) if row.required_pace is not None else "—"
    return cells + [completion, pct(row.time_elapsed_pct), pace], None


def indicator_table(items: list[IndicatorStatusRow]) -> Table:
    table = Table(header=[str(h) for h in INDICATOR_HEADER], widths=[28, 11, 11, 15, 12, 11, 12], numeric=frozenset({2, 4, 5, 6}))
    for item in items:
        cells, span_from = indicator_cells(item)
        table.add(cells, span_from=span_from, mark=item.light)
    return table


def pace_text(item: IndicatorStatusRow) -> str:
    """Return the required pace against the recent one, and where the recent pace leads."""
    row, indicator = item.row, item.indicator
    if not item.has_pace:
        return "—"
    # What is still needed is whole items (rounded up); the recent pace is a mean, kept as one.
    text = _("Needs %(required)s more per quarter; recently %(recent)s per quarter on average") % {
        "required": quantity_up(row.required_pace, indicator), "recent": quantity(row.recent_pace, indicator),
    }
    if row.projected is not None:
        text += pgettext("clause separator", "; ") + _("At the recent pace: %(projected)s by %(deadline)s (target %(target)s)") % {
            "projected": quantity_whole(row.projected, indicator),
            "deadline": row.deadline.isoformat(),
            "target": quantity(row.target_value, indicator),
        }
    return text


def attention_table(briefing: Briefing) -> Table:
    table = Table(header=[str(h) for h in ATTENTION_HEADER], widths=[30, 12, 8, 12, 16, 22], numeric=frozenset({2, 3}))
    for item in briefing.attention:
        if item.indicator.is_numeric:
            why = item.attention_reason or "—"
            takes = (shortfall(item) or "—") if item.attention == "missed" else pace_text(item)
            cells = [f"{item.indicator.code} {item.indicator.name}", item.status_label, why, actual(item), target(item), takes]
            table.add(cells, mark=item.light)
        else:  # no number: the units' self-assessments instead
            cells = [f"{item.indicator.code} {item.indicator.name}", item.status_label, _unit_statuses(item), "", "", ""]
            table.add(cells, span_from=2, mark=item.light)
    return table


def final_tables(briefing: Briefing) -> list[dict]:
    """Return, per horizon year whose deadlines have passed, its targets judged at the deadline."""
    header = [
        _("Indicator"), _("Target"), _("Value reached at the deadline"), _("Completion"), _("Result"),
        _("Value at %(code)s") % {"code": briefing.period.code},
    ]
    groups = []
    for group in briefing.final_results:
        table = Table(header=header, widths=[32, 14, 14, 12, 13, 15], numeric=frozenset({2, 3, 5}))
        for result in group["results"]:
            row = result.row
            latest = actual(result.latest)
            table.add(
                [
                    f"{row.indicator.code} {row.indicator.name}",
                    target(result.at_deadline),
                    aside(actual(result.at_deadline), row.period.code),
                    pct(row.completion_pct) if row.completion_pct is not None else "—",
                    ("✘ " if result.verdict == "missed" else "✔ ") + result.outcome,
                    latest,
                ],
                mark=result.light,
            )
        groups.append({
            "year": group["year"],
            "heading": _("Targets for %(year)s: %(achieved)d achieved by the deadline, %(achieved_late)d achieved late, %(missed)d missed") % group,
            "table": table,
        })
    return groups


def change_word(change: StatusChange) -> str:
    return {"improved": _("improved"), "worsened": _("worsened")}.get(change.direction, _("changed"))


def changes_table(briefing: Briefing) -> Table:
    previous = briefing.previous.code if briefing.previous else "—"
    table = Table(header=[_("Indicator"), previous, briefing.period.code, _("Change")], widths=[46, 18, 18, 18])
    for change in briefing.changes:
        mark = {"improved": "green", "worsened": "red"}.get(change.direction, "grey")
        table.add(
            [f"{change.item.indicator.code} {change.item.indicator.name}", status_label(change.before),
             change.item.status_label, change_word(change)],
            mark=mark,
        )
    return table


def _share(done: int, of: int, percent: int | None) -> str:
    return "—" if percent is None else f"{percent}% ({done}/{of})"


def county_cells(county: CountyLine, briefing: Briefing) -> list[str]:
    line = county.line
    mark = _("red list") if county in briefing.best else _("black list") if county in briefing.worst else ""
    return [
        str(county.rank or "—"),
        county.unit.name,
        str(line.good),
        str(county.light_count(YELLOW_STATUSES)),
        str(county.light_count(RED_STATUSES)),
        _share(line.complete, line.assigned, line.completeness_pct),
        _share(county.on_time, county.assigned, county.on_time_pct),
        mark,
    ]


def counties_table(briefing: Briefing) -> Table:
    table = Table(header=[str(h) for h in COUNTY_HEADER], widths=[7, 16, 12, 10, 12, 16, 16, 11], numeric=frozenset({0, 2, 3, 4, 5, 6}))
    for county in briefing.counties:
        mark = "best" if county in briefing.best else "worst" if county in briefing.worst else ""
        table.add(county_cells(county, briefing), mark=mark)
    return table


def issues_table(briefing: Briefing) -> Table:
    table = Table(header=[str(h) for h in ISSUE_HEADER], widths=[22, 26, 26, 26])

    def codes(indicators) -> str:
        return ", ".join(i.code for i in indicators) or "—"

    for issue in briefing.issues:
        table.add([issue.unit.name, codes(issue.late), codes(issue.returned), codes(issue.submitted_late)])
    return table


def assumption_lines(briefing: Briefing) -> list[str]:
    return [
        _("%(text)s (applies to: %(subjects)s)") % {"text": a.text, "subjects": listing(a.subjects)}
        for a in briefing.assumptions
    ]


# --- The summary, drafted from the numbers ----------------------------------------------------------


def status_counts_text(briefing: Briefing) -> str:
    statuses = briefing.totals.statuses
    parts = [
        _("%(status)s: %(count)d") % {"status": status_label(s), "count": statuses[s]}
        for s in ORDER if statuses.get(s)
    ]
    return ngettext(
        "At %(period)s, the plan's %(count)d indicator stands as follows: %(statuses)s.",
        "At %(period)s, the plan's %(count)d indicators stand as follows: %(statuses)s.",
        briefing.indicator_count,
    ) % {"period": period_label(briefing.period), "count": briefing.indicator_count, "statuses": listing(parts)}


def final_results_text(briefing: Briefing) -> list[str]:
    if not briefing.final_results:
        return [_("No target has reached its deadline by %(code)s yet.") % {"code": briefing.period.code}]
    sentences = []
    for group in briefing.final_results:
        results = group["results"]
        sentences.append(
            _("Of the %(count)d targets for %(year)s, judged on the figures of the quarter that holds their deadline, "
              "%(achieved)d were achieved by the deadline, %(achieved_late)d achieved late and %(missed)d missed.")
            % {"count": len(results), "year": group["year"], "achieved": group["achieved"],
               "achieved_late": group["achieved_late"], "missed": group["missed"]}
        )
        achieved = [named(r.at_deadline) for r in results if r.achieved]
        late = [named(r.at_deadline) for r in results if r.verdict == "achieved_late"]
        missed = [named(r.at_deadline) for r in results if r.verdict == "missed"]
        if achieved:
            sentences.append(_("Achieved: %(list)s.") % {"list": listing(achieved)})
        if late:
            sentences.append(_("Achieved late: %(list)s.") % {"list": listing(late)})
        if missed:
            sentences.append(_("Missed: %(list)s.") % {"list": listing(missed)})
    return sentences


def changes_text(briefing: Briefing) -> list[str]:
    if briefing.previous is None:
        return [_("%(code)s is the first quarter computed: there is no earlier quarter to compare with.") % {"code": briefing.period.code}]
    if not briefing.changes:
        return [_("No indicator's status changed since %(code)s.") % {"code": briefing.previous.code}]

    def moves(changes: list[StatusChange]) -> str:
        return listing([
            _("%(name)s (%(before)s → %(after)s)") % {
                "name": named(c.item), "before": status_label(c.before), "after": c.item.status_label,
            }
            for c in changes
        ])

    sentences = [
        _("Compared with %(code)s, %(improved)d indicator(s) improved and %(worsened)d worsened.")
        % {"code": briefing.previous.code, "improved": len(briefing.improved), "worsened": len(briefing.worsened)}
    ]
    if briefing.improved:
        sentences.append(_("Improved: %(list)s.") % {"list": moves(briefing.improved)})
    if briefing.worsened:
        sentences.append(_("Worsened: %(list)s.") % {"list": moves(briefing.worsened)})
    if briefing.other_changes:
        sentences.append(_("Other changes: %(list)s.") % {"list": moves(briefing.other_changes)})
    return sentences


def attention_text(briefing: Briefing) -> list[str]:
    items = briefing.attention
    if not items:
        return [_("No indicator is red or yellow at this period.")]
    text = _("%(count)d indicator(s) need attention (red or yellow): %(list)s.") % {
        "count": len(items), "list": listing([named(i) for i in items])
    }
    first = items[0]
    if first.attention == "lagging" and first.is_reach and not first.by_time and first.row.gap_pp is not None and first.row.gap_pp > 0:
        return [text, _("The largest gap: %(name)s, %(gap)s.") % {"name": named(first), "gap": first.gap_text}]
    return [text]


def counties_text(briefing: Briefing) -> list[str]:
    if not briefing.named:
        return []
    return [
        _("Counties ranked by their indicators achieved or on track, then by their approved reports: the first "
          "%(n)d (red list) are %(best)s; the last %(n)d (black list) are %(worst)s.")
        % {
            "n": briefing.named,
            "best": listing([c.unit.name for c in briefing.best]),
            "worst": listing([c.unit.name for c in briefing.worst]),
        }
    ]


def reporting_text(briefing: Briefing) -> list[str]:
    matrix = briefing.reporting
    if not matrix.assigned:
        return []
    return [
        _("Of the %(assigned)d reports due for %(code)s on %(due)s, %(complete)d are in (%(percent)s%%); "
          "%(late)d are late and %(returned)d were returned for correction.")
        % {
            "assigned": matrix.assigned,
            "code": briefing.period.code,
            "due": briefing.period.due.isoformat(),
            "complete": matrix.complete,
            "percent": matrix.percent,
            "late": briefing.late_reports,
            "returned": briefing.returned_reports,
        }
    ]


def summary_paragraphs(briefing: Briefing) -> list[str]:
    """Return the summary: one paragraph per subject, drafted from the briefing's numbers."""
    paragraphs = [
        status_counts_text(briefing),
        sentences(final_results_text(briefing)),
        sentences(changes_text(briefing)),
        sentences(attention_text(briefing)),
        sentences(counties_text(briefing)),
        sentences(reporting_text(briefing)),
    ]
    return [p for p in paragraphs if p]


# --- Everything, for a document -------------------------------------------------------------------


def section_heading(section) -> str:
    if section.area is None:
        return str(HEADINGS["others"])
    return _("Task area %(number)s: %(title)s") % {"number": section.area.number, "title": section.area.localized("title")}


def section_counts(section) -> str:
    statuses = section.counts.statuses
    parts = [f"{status_label(s)} {statuses[s]}" for s in ORDER if statuses.get(s)]
    return ngettext("%(count)d indicator: %(statuses)s", "%(count)d indicators: %(statuses)s", section.counts.total) % {
        "count": section.counts.total, "statuses": " · ".join(parts)
    }


def chart_note(section) -> str:
    """Return what the section's chart shows, or why it has none."""
    if section.chart_rows:
        return _(
            "Completion of each target: while it runs, against the time elapsed (dark mark); once its deadline "
            "has passed, as reached by the deadline quarter (hatched)."
        )
    return _("These indicators have no target to chart: the table gives their status.")


def document(briefing: Briefing) -> dict:
    """Return the whole briefing as text: what the PDF's template and the Word builder lay out."""
    return {
        "headings": {key: str(value) for key, value in HEADINGS.items()},
        "plan_name": briefing.plan.localized("name"),
        "issuer": briefing.plan.localized("issuer"),
        "period_label": period_label(briefing.period),
        "period_code": briefing.period.code,
        "cover_lines": [
            _("Data as of %(moment)s (the latest recompute of progress)") % {"moment": moment(briefing.computed_at)},
            _("Includes approvals up to %(moment)s") % {"moment": moment(briefing.latest_approval)},
            _("Reporting as seen on %(day)s") % {"day": briefing.today.isoformat()},
        ],
        "demo_notice": _("Demo data: these figures were generated for demonstration and are not real.") if briefing.is_demo else "",
        "summary": summary_paragraphs(briefing),
        "attention": attention_table(briefing),
        "attention_none": _("No indicator is at risk or off track at this period."),
        "final": final_tables(briefing),
        "changes": changes_table(briefing),
        "changes_text": changes_text(briefing),
        "sections": [
            {
                "key": f"area-{s.area.number}" if s.area else "others",
                "heading": section_heading(s),
                "counts": section_counts(s),
                "table": indicator_table(s.items),
                "chart_note": chart_note(s),
                "has_chart": bool(s.chart_rows),
            }
            for s in briefing.sections
        ],
        "counties_text": counties_text(briefing),
        "counties": counties_table(briefing),
        "counties_note": _(
            "Ranked as on the units comparison page: by the indicators achieved or on track (a county's own "
            "targets and self-assessments), then by the share of its assigned reports approved for the period. "
            "Reported on time: reports first submitted by the due date %(due)s."
        ) % {"due": briefing.period.due.isoformat()},
        "issues_text": reporting_text(briefing),
        "issues": issues_table(briefing),
        "assumptions": assumption_lines(briefing),
        "assumptions_note": _(
            "The plan's text does not settle everything the numbers need; the plan file records each such "
            "choice as an assumption, shown on the plan pages and listed here."
        ),
        "footer": _("%(plan)s · %(title)s %(code)s") % {
            "plan": briefing.plan.localized("name"), "title": HEADINGS["title"], "code": briefing.period.code
        },
    }


# --- The briefing a request asks for ---------------------------------------------------------------


def briefing_of(request: ExportRequest) -> Briefing:
    """Return the briefing of the request's period (the latest computed one when it names none),
    as seen today; refuse (ExportRefused, in words) when no progress is computed for that period."""
    try:
        plan = plan_current()
    except Http404:
        raise ExportRefused(_("No progress has been computed yet: there is nothing to export.")) from None
    period = briefing_period(request.period.code if request.period else None)
    if period is None:
        if request.period is not None:
            raise ExportRefused(
                _("No progress has been computed for %s yet: there is nothing to export.") % request.period.code
            )
        raise ExportRefused(_("No progress has been computed yet: there is nothing to export."))
    return briefing_read(plan=plan, period=period, today=timezone.localdate())
