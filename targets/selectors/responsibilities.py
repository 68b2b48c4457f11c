"""What a unit answers for: the measures, safeguards and indicators it leads (牵头) or partners
(配合), with the state of this quarter's reports. The reporter's overview shows it; role home pages
reuse `unit_responsibilities`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import CharField, Count, Exists, F, OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Indicator, Measure, Period, Safeguard, Submission, Unit
from .periods import QUOTED_CHARS
from .reporting import MISSING

LEAD, PARTNER = "lead", "partner"


@dataclass
class AnsweredIndicator:
    """One indicator the unit answers for, as it stands in `period`."""

    indicator: Indicator
    role: str  # lead | partner
    reports: bool  # the unit itself reports it
    state: str | None  # the unit's own report this period (a slot state), None when it does not report
    approved: int  # reporting units with an approved report this period
    reporters: int  # reporting units in all

    @property
    def is_lead(self) -> bool:
        return self.role == LEAD


@dataclass
class Responsibility:
    """A measure, safeguard or overall goal the unit answers for, with its indicators the unit leads or
    partners. `item` is the Measure or Safeguard (None for a goal, whose year is `goal_year`)."""

    kind: str  # measure | safeguard | goal
    role: str  # lead | partner (a goal: lead when the unit leads any of its indicators)
    item: Measure | Safeguard | None = None
    goal_year: int | None = None
    indicators: list[AnsweredIndicator] = field(default_factory=list)

    @property
    def is_lead(self) -> bool:
        return self.role == LEAD

    @property
    def to_do(self) -> int:
        """Return how many of the unit's own reports this period still need it (missing, draft, returned)."""
        return sum(1 for a in self.indicators if a.state in (MISSING, Submission.Status.DRAFT, Submission.Status.RETURNED))


def responsibilities_period(*, open_periods: list[Period] | None = None, today: dt.date | None = None) -> Period | None:
    """Return the quarter whose reports "this quarter's state" means: the latest open period that has
    ended (its reports are due), else the earliest open one; None when no period is open.
    `open_periods` (oldest first) saves the query when the caller has them."""
    today = today or timezone.localdate()
    if open_periods is None:
        open_periods = list(Period.objects.filter(is_open=True).order_by("start"))
    ended = [p for p in open_periods if p.end < today]
    return ended[-1] if ended else (open_periods[0] if open_periods else None)


def _answers(unit: Unit) -> Q:
    return Q(lead_unit=unit) | Q(partner_units=unit)


def unit_responsibilities(unit: Unit, period: Period | None) -> list[Responsibility]:
    """Return what `unit` answers for — measures by number, then safeguards, then the overall goals —
    each with its active indicators that the unit leads or partners and, for `period`, the unit's own
    report state (when it reports the indicator) and how many reporting units are approved (a fixed
    number of queries)."""
    reports = Indicator.reporting_units.through.objects.filter(indicator=OuterRef("pk"), unit=unit)
    own_state = Submission.objects.filter(indicator=OuterRef("pk"), unit=unit, period=period).values("status")[:1]
    indicators = list(
        Indicator.objects.filter(_answers(unit), active=True)
        .distinct()
        .select_related("measure", "safeguard")
        .annotate(
            reporters=Count("reporting_units", distinct=True),
            reports=Exists(reports),
            own_state=Subquery(own_state) if period is not None else Value(None, output_field=CharField()),
        )
        .order_by("position", "code")
    )
    approved = _approved_counts([i.pk for i in indicators], period) if period is not None else {}
    answered: dict[tuple, list[AnsweredIndicator]] = {}
    for ind in indicators:
        entry = AnsweredIndicator(
            indicator=ind,
            role=LEAD if ind.lead_unit_id == unit.pk else PARTNER,
            reports=ind.reports,
            state=(ind.own_state or MISSING) if ind.reports and period is not None else None,
            approved=approved.get(ind.pk, 0),
            reporters=ind.reporters,
        )
        home = ("measure", ind.measure_id) if ind.measure_id else ("safeguard", ind.safeguard_id) if ind.safeguard_id else ("goal", ind.goal_year)
        answered.setdefault(home, []).append(entry)

    result: list[Responsibility] = []
    measures = Measure.objects.filter(_answers(unit)).distinct().select_related("lead_unit").order_by("number")
    for measure in measures:
        role = LEAD if measure.lead_unit_id == unit.pk else PARTNER
        result.append(Responsibility(kind="measure", role=role, item=measure, indicators=answered.get(("measure", measure.pk), [])))
    safeguards = Safeguard.objects.filter(_answers(unit)).distinct().select_related("lead_unit").order_by("number")
    for safeguard in safeguards:
        role = LEAD if safeguard.lead_unit_id == unit.pk else PARTNER
        result.append(Responsibility(kind="safeguard", role=role, item=safeguard, indicators=answered.get(("safeguard", safeguard.pk), [])))
    for (kind, year), entries in sorted((k, v) for k, v in answered.items() if k[0] == "goal"):
        role = LEAD if any(e.is_lead for e in entries) else PARTNER
        result.append(Responsibility(kind="goal", role=role, goal_year=year, indicators=entries))
    return result


def _approved_counts(indicator_ids: list[int], period: Period) -> dict[int, int]:
    """Return, per indicator, how many of its reporting units have an approved report for `period`."""
    rows = (
        Submission.objects.filter(
            period=period, indicator_id__in=indicator_ids, approved__isnull=False, unit__reported_indicators=F("indicator")
        )
        .values("indicator_id")
        .annotate(n=Count("unit", distinct=True))
        .values_list("indicator_id", "n")
    )
    return dict(rows)


# --- The overview filtered by a responsible unit ------------------------------------------------

ANY_ROLE = "any"
ROLES = (ANY_ROLE, LEAD, PARTNER)


@dataclass(frozen=True)
class ResponsibleChoice:
    """Whose indicators a dashboard counts: every one (`unit` None), or those `unit` leads, partners
    or either (`role`), with what to tell the reader when the request was not understood."""

    unit: Unit | None = None
    role: str = ANY_ROLE
    indicator_ids: frozenset[int] | None = None  # None: no filter
    error: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """Return what identifies the choice in a cache key."""
        return (self.unit.code if self.unit else "-", self.role)


def _answering_units():
    answers = Q(led_indicators__active=True) | Q(partnered_indicators__active=True)
    return Unit.objects.filter(answers, active=True).exclude(kind=Unit.Kind.CITY).distinct()


def responsible_units() -> list[Unit]:
    """Return the units that lead or partner at least one active indicator, departments first, then
    counties, each by code (the overview's filter offers them)."""
    order = {Unit.Kind.DEPARTMENT: 0, Unit.Kind.COUNTY: 1}
    return sorted(_answering_units(), key=lambda u: (order.get(u.kind, 2), u.code))


def responsible_pick(requested_unit: str, requested_role: str = "") -> ResponsibleChoice:
    """Return the filter asked for by `?unit=CODE&role=lead|partner|any` (all indicators when no unit
    is asked for; an unknown unit or role is said in one message and not applied)."""
    code = (requested_unit or "").strip()
    role = (requested_role or "").strip() or ANY_ROLE
    if not code:
        return ResponsibleChoice()
    unit = _answering_units().filter(code=code).first()
    if unit is None:
        return ResponsibleChoice(role=role if role in ROLES else ANY_ROLE, error=_("No unit “%(code)s” answers for an indicator of the plan; all indicators are shown.") % {"code": code[:QUOTED_CHARS]})
    if role not in ROLES:
        return ResponsibleChoice(error=_("“%(role)s” is not a responsibility (lead, partner or either); all indicators are shown.") % {"role": role[:QUOTED_CHARS]})
    answers = {ANY_ROLE: _answers(unit), LEAD: Q(lead_unit=unit), PARTNER: Q(partner_units=unit)}[role]
    ids = frozenset(Indicator.objects.filter(answers, active=True).values_list("pk", flat=True))
    return ResponsibleChoice(unit=unit, role=role, indicator_ids=ids)
