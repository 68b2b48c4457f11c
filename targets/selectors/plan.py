"""Every read that views, the API and exports share (reads in selectors)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from ..kinds import kind_of
from ..models import Indicator, Measure, Plan, Safeguard, Submission, Target, Unit
from ..numbers import decimal_text, json_number  # json_number: also imported from here by the serializers


def plan_current() -> Plan:
    """Return the plan the portal shows (the first loaded), or 404 when none is loaded."""
    plan = Plan.objects.order_by("pk").first()
    if plan is None:
        raise Http404("no plan loaded")
    return plan


def _units_in_order() -> QuerySet[Unit]:
    """Units as lists of them are shown: departments first, then the counties, by code."""
    return Unit.objects.order_by("-kind", "code")


def _indicators_prefetched(*, with_partners: bool = False) -> QuerySet[Indicator]:
    """Active indicators with their reporting units, targets and lead unit (and, when asked, their
    partner units: one more query, only where they are shown)."""
    prefetches = [
        Prefetch("reporting_units", queryset=Unit.objects.order_by("kind", "code")),
        Prefetch("targets", queryset=Target.objects.select_related("unit").order_by("unit__code", "deadline")),
    ]
    if with_partners:
        prefetches.append(Prefetch("partner_units", queryset=_units_in_order()))
    return (
        Indicator.objects.filter(active=True)
        .select_related("lead_unit")
        .prefetch_related(*prefetches)
        .order_by("position", "code")
    )


def plan_tree(plan: Plan, *, with_partners: bool = False) -> dict:
    """Return the plan's goals, areas → measures → indicators → targets and safeguards (with their
    lead units and partner units; indicators' and measures' partners only `with_partners`)."""
    indicators = _indicators_prefetched(with_partners=with_partners).filter(plan=plan)
    measure_prefetches = [Prefetch("indicators", queryset=indicators)]
    if with_partners:
        measure_prefetches.append(Prefetch("partner_units", queryset=_units_in_order()))
    areas = plan.areas.prefetch_related(
        Prefetch(
            "measures",
            queryset=Measure.objects.order_by("number").select_related("lead_unit").prefetch_related(*measure_prefetches),
        )
    )
    goals = plan.goals.prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.filter(active=True).select_related("measure").order_by("position"))
    )
    safeguards = plan.safeguards.select_related("lead_unit").prefetch_related(
        Prefetch("indicators", queryset=indicators), Prefetch("partner_units", queryset=_units_in_order())
    )
    other = indicators.filter(measure__isnull=True)
    return {
        "plan": plan,
        "goals": list(goals),
        "areas": list(areas),
        "safeguards": list(safeguards),
        "goal_indicators": [i for i in other if i.goal_year is not None],
    }


def measure_get(plan: Plan, number: int) -> Measure:
    measure = (
        Measure.objects.filter(area__plan=plan, number=number)
        .select_related("area", "lead_unit")
        .prefetch_related(
            Prefetch("indicators", queryset=_indicators_prefetched()), Prefetch("partner_units", queryset=_units_in_order())
        )
        .first()
    )
    if measure is None:
        raise Http404("no such measure")
    return measure


def measure_neighbours(measure: Measure) -> tuple[int | None, int | None]:
    numbers = list(Measure.objects.filter(area__plan=measure.area.plan).values_list("number", flat=True).order_by("number"))
    i = numbers.index(measure.number)
    return (numbers[i - 1] if i > 0 else None, numbers[i + 1] if i + 1 < len(numbers) else None)


def unit_list() -> list[Unit]:
    return list(Unit.objects.filter(active=True).select_related("parent").prefetch_related("reported_indicators").order_by("kind", "code"))


def unit_get(code: str) -> Unit:
    unit = Unit.objects.filter(code=code).select_related("parent").first()
    if unit is None:
        raise Http404("no such unit")
    return unit


def unit_indicators(unit: Unit) -> list[Indicator]:
    if unit.is_city:
        return list(_indicators_prefetched().select_related("measure"))
    return list(_indicators_prefetched().filter(reporting_units=unit).select_related("measure"))


def unit_latest_figures(unit: Unit) -> dict[int, Submission]:
    """Return, per indicator id, the unit's latest approved submission (any period)."""
    latest: dict[int, Submission] = {}
    rows = (
        Submission.objects.filter(unit=unit, approved__isnull=False)
        .select_related("approved", "period", "indicator")
        .order_by("indicator_id", "-period__start")
    )
    for submission in rows:
        latest.setdefault(submission.indicator_id, submission)
    return latest


def responsibility_dict(item: Measure | Safeguard | Indicator) -> dict:
    """Return who answers for a measure, safeguard or indicator, as unit codes (partners prefetched)."""
    return {
        "lead_unit": item.lead_unit.code if item.lead_unit_id else None,
        "partner_units": [u.code for u in item.partner_units.all()],
    }


def plan_as_dict(plan: Plan) -> dict:
    """Return the plan in the JSON shape of GET /api/v1/plan/."""
    tree = plan_tree(plan, with_partners=True)

    def indicator_dict(ind: Indicator) -> dict:
        return {
            "code": ind.code,
            "name": ind.name,
            "name_zh": ind.name_zh,
            "name_en": ind.name_en,
            "unit": ind.unit_of_measure,
            "kind": ind.kind,
            # What a reporter counts (the plan file's optional keys; "" where the file says nothing).
            "definition": ind.definition,
            "numerator": ind.numerator_counts,
            "denominator": ind.denominator_counts,
            "item_label": ind.item_label,
            "figures_cover": ind.covers,
            "item_identifier": ind.item_identifier or None,  # what identifies a counted item (identifiers.py)
            "baseline": json_number(ind.baseline),
            "reporting_units": [u.code for u in ind.reporting_units.all()],
            **responsibility_dict(ind),
            "targets": [
                {
                    "year": t.year,
                    "deadline": t.deadline.isoformat(),
                    "mode": t.mode,
                    "comparator": t.comparator,
                    "value": json_number(t.value),
                    "stretch": json_number(t.stretch),
                    "aspirational": t.aspirational,
                    "unit": t.unit.code if t.unit else None,
                }
                for t in ind.targets.all()
            ],
        }

    return {
        "plan": {
            "code": plan.code,
            "name": plan.localized("name"),
            "issuer": plan.localized("issuer"),
            "start": plan.start.isoformat(),
            "horizons": plan.horizons,
        },
        "goals": [
            {"year": g.year, "text": g.localized("text"), "indicators": [i.code for i in g.indicators.all()]}
            for g in tree["goals"]
        ],
        "areas": [
            {
                "number": a.number,
                "title": a.localized("title"),
                "measures": [
                    {
                        "number": m.number,
                        "title": m.localized("title"),
                        "text": m.localized("text"),
                        **responsibility_dict(m),
                        "indicators": [indicator_dict(i) for i in m.indicators.all()],
                    }
                    for m in a.measures.all()
                ],
            }
            for a in tree["areas"]
        ],
        "safeguards": [
            {
                "number": s.number,
                "title": s.localized("title"),
                "text": s.localized("text"),
                **responsibility_dict(s),
                "indicators": [indicator_dict(i) for i in s.indicators.all()],
            }
            for s in tree["safeguards"]
        ],
        # Indicators whose home is an overall goal rather than a measure (e.g. G25-NAR).
        "goal_indicators": [dict(indicator_dict(i), goal=i.goal_year) for i in tree["goal_indicators"]],
        "units": [
            {"code": u.code, "name": u.name, "kind": u.kind, "parent": u.parent.code if u.parent else None}
            for u in Unit.objects.filter(active=True).select_related("parent").order_by("kind", "code")
        ],
    }


def target_breakdown_warnings(indicator: Indicator) -> list[str]:
    """Return, per year, a warning when the units' shares of a count target do not add up to it.

    Only kinds whose units' values add up (kinds.py `adds_up`: counts) are checked: shares of a
    ratio target are each a ratio, so they are not summed.
    """
    from django.utils.translation import gettext as _

    if not kind_of(indicator).adds_up:
        return []
    targets = list(indicator.targets.all())
    city = {t.year: t.value for t in targets if t.unit_id is None}
    shares: dict[int, Decimal] = {}
    for t in targets:
        if t.unit_id is not None:
            shares[t.year] = shares.get(t.year, Decimal(0)) + t.value
    warnings = []
    for year, total in sorted(shares.items()):
        whole = city.get(year)
        if whole is None:
            warnings.append(_("%(code)s %(year)s: units have targets but the city has none.") % {"code": indicator.code, "year": year})
        elif total != whole:
            warnings.append(
                _("%(code)s %(year)s: the units' targets add up to %(parts)s, the city target is %(whole)s.")
                % {"code": indicator.code, "year": year, "parts": decimal_text(total), "whole": decimal_text(whole)}
            )
    return warnings


def plan_counts(code: str) -> dict:
    """Return how many areas, measures, active indicators and targets the stored plan `code` has."""
    plan = Plan.objects.get(code=code)
    return {
        "plan": plan.code,
        "areas": plan.areas.count(),
        "measures": Measure.objects.filter(area__plan=plan).count(),
        "indicators": Indicator.objects.filter(plan=plan, active=True).count(),
        "targets": Target.objects.filter(indicator__plan=plan).count(),
    }
