"""Load a plan file (plans/FORMAT.md) into the models: validate everything, then write in one go.

`plan_load` is the action (`manage.py load_plan`): it loads a file and records the load in the
audit log when it changed anything.

Validation happens entirely before the first write, so a broken file leaves the database as it
was. Writing compares each object with what is stored and touches only what differs, so loading
the same file twice changes nothing. Nothing that figures point at is ever deleted: units and
indicators that disappear from the file are retired (active = False).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from ..models import Area, AuditEntry, Goal, Indicator, Measure, Period, Plan, Safeguard, Target, Unit
from ..plan_calendar import quarter_code, quarter_of, quarter_ordinal, quarter_shift
from ..plan_file import PlanFileError, Problem, plan_file_sha256, read_plan_file, validate_plan_data
from .audit import audit_record
from .outbox import outbox_enqueue

__all__ = [
    "LoadReport", "PlanFileError", "Problem", "ensure_periods", "load_plan_data", "load_plan_file", "plan_load",
    "validate_plan_data",
]


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    retired: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    # Objects created by this load: linking them afterwards is part of creating, not an update.
    fresh: set = field(default_factory=set)

    @property
    def changed(self) -> bool:
        return any((self.created, self.updated, self.retired, self.deleted))

    def summary(self) -> dict:
        return {name: dict(getattr(self, name)) for name in ("created", "updated", "retired", "deleted") if getattr(self, name)}

    def record(self, model: type[models.Model], change: str | None, count: int = 1) -> None:
        if change and count:
            getattr(self, change)[model._meta.model_name] += count

    def record_update(self, obj: models.Model) -> None:
        if (type(obj), obj.pk) not in self.fresh:
            self.record(type(obj), "updated")


# --- Writing ----------------------------------------------------------------------------------


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, Decimal) or isinstance(new, Decimal):
        if current is None or new is None:
            return current is new
        return Decimal(current) == Decimal(str(new))
    if isinstance(current, dt.date) and isinstance(new, str):
        return current.isoformat() == new
    return current == new


def _upsert(report: LoadReport, model: type[models.Model], lookup: dict, values: dict) -> models.Model:
    """Create the row matching `lookup` or update the fields of `values` that differ."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.record(model, "created")
        report.fresh.add((model, obj.pk))
        return obj
    changed = [name for name, value in values.items() if not _same(getattr(obj, name), value)]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.record_update(obj)
    return obj


def _texts(prefix: str, text: dict | None) -> dict:
    text = text or {"zh": "", "en": ""}
    return {f"{prefix}_zh": text["zh"], f"{prefix}_en": text["en"]}


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _set_m2m(report: LoadReport, owner: models.Model, manager, wanted: set) -> None:
    current = set(manager.values_list("pk", flat=True))
    if current != wanted:
        manager.set(wanted)
        report.record_update(owner)


def _set_partners(report: LoadReport, owner: models.Model, item: dict, units: dict[str, Unit]) -> None:
    _set_m2m(report, owner, owner.partner_units, {units[c].pk for c in item["partners"]})


@transaction.atomic
def load_plan_data(data: dict, *, sha256: str = "", today: dt.date | None = None) -> tuple[Plan, LoadReport]:
    """Write validated plan data; return the plan and what changed. Call validate_plan_data first."""
    report = LoadReport()
    p, s = data["plan"], data["settings"]
    plan = _upsert(
        report,
        Plan,
        {"code": p["code"]},
        {
            **_texts("name", p["name"]),
            **_texts("issuer", p["issuer"]),
            **_texts("source", p.get("source")),
            **_texts("assumption", p.get("assumption")),
            "start": dt.date.fromisoformat(p["start"]),
            "horizons": p["horizons"],
            "on_track_max_gap": _decimal(s["on_track_max_gap"]),
            "at_risk_max_gap": _decimal(s["at_risk_max_gap"]),
            "maintain_at_risk_pp": _decimal(s["maintain_at_risk_pp"]),
            "report_due_days": s["report_due_days"],
            **_texts("settings_assumption", s.get("assumption")),
        },
    )

    units: dict[str, Unit] = {}
    for u in data["units"]:  # parents first is not required: parents are linked in a second pass
        units[u["code"]] = _upsert(
            report,
            Unit,
            {"code": u["code"]},
            {**_texts("name", u["name"]), **_texts("assumption", u.get("assumption")), "kind": u["kind"], "active": True},
        )
    for u in data["units"]:
        parent = units[u["parent"]] if u.get("parent") else None
        obj = units[u["code"]]
        if obj.parent_id != (parent.pk if parent else None):
            obj.parent = parent
            obj.save(update_fields=["parent"])
            report.record_update(obj)
    for gone in Unit.objects.filter(active=True).exclude(code__in=units):
        gone.active = False
        gone.save(update_fields=["active"])
        report.record(Unit, "retired")

    measures: dict[int, Measure] = {}
    area_ids = []
    for a in data["areas"]:
        area = _upsert(report, Area, {"plan": plan, "number": a["number"]}, _texts("title", a["title"]))
        area_ids.append(area.pk)
        for m in a["measures"]:
            # Measures keep their number when moved between areas, so look them up by plan + number.
            existing = Measure.objects.filter(area__plan=plan, number=m["number"]).first()
            values = {
                "area": area, **_texts("title", m["title"]), **_texts("text", m["text"]),
                **_texts("assumption", m.get("assumption")), "lead_unit_id": units[m["lead"]].pk,
            }
            if existing is None:
                measures[m["number"]] = _upsert(report, Measure, {"area": area, "number": m["number"]}, {k: v for k, v in values.items() if k != "area"})
            else:
                measures[m["number"]] = _upsert(report, Measure, {"pk": existing.pk}, values)
            _set_partners(report, measures[m["number"]], m, units)
    safeguards: dict[int, Safeguard] = {}
    for sg in data["safeguards"]:
        safeguards[sg["number"]] = _upsert(
            report, Safeguard, {"plan": plan, "number": sg["number"]},
            {
                **_texts("title", sg["title"]), **_texts("text", sg["text"]), **_texts("assumption", sg.get("assumption")),
                "lead_unit_id": units[sg["lead"]].pk,
            },
        )
        _set_partners(report, safeguards[sg["number"]], sg, units)

    indicators: dict[str, Indicator] = {}
    for position, ind in enumerate(data["indicators"], start=1):
        home = ind["home"]
        indicator = _upsert(
            report,
            Indicator,
            {"plan": plan, "code": ind["code"]},
            {
                "measure": measures.get(home.get("measure")),
                "safeguard": safeguards.get(home.get("safeguard")),
                "goal_year": home.get("goal"),
                **_texts("name", ind["name"]),
                **_texts("unit", ind["unit"]),
                **_texts("assumption", ind.get("assumption")),
                **_texts("definition", ind.get("definition")),
                **_texts("numerator", ind.get("numerator")),
                **_texts("denominator", ind.get("denominator")),
                **_texts("item_label", ind.get("item_label")),
                "figures_cover": ind.get("figures_cover", ""),
                "kind": ind["kind"],
                "item_identifier": ind.get("item_identifier", Indicator._meta.get_field("item_identifier").default),
                "baseline": _decimal(ind.get("baseline", 0)),
                "position": position,
                "active": True,
                "lead_unit_id": units[ind["lead"]].pk,
            },
        )
        indicators[ind["code"]] = indicator
        _set_m2m(report, indicator, indicator.reporting_units, {units[c].pk for c in ind["reporting_units"]})
        _set_partners(report, indicator, ind, units)
        kept_targets = []
        for t in ind.get("targets", []):
            unit = units[t["unit"]] if t.get("unit") else None
            target = _upsert(
                report,
                Target,
                {"indicator": indicator, "unit": unit, "year": t["year"]},
                {
                    "deadline": dt.date.fromisoformat(t["deadline"]),
                    "mode": t["mode"],
                    "comparator": t["comparator"],
                    "value": _decimal(t["value"]),
                    "stretch": _decimal(t.get("stretch")),
                    "aspirational": bool(t.get("aspirational", False)),
                    **_texts("assumption", t.get("assumption")),
                },
            )
            kept_targets.append(target.pk)
        stale_targets = indicator.targets.exclude(pk__in=kept_targets)
        report.record(Target, "deleted", stale_targets.count())
        stale_targets.delete()
    for gone in plan.indicators.filter(active=True).exclude(code__in=indicators):
        gone.active = False
        gone.save(update_fields=["active"])
        report.record(Indicator, "retired")

    goal_years = []
    for g in data["goals"]:
        goal = _upsert(report, Goal, {"plan": plan, "year": g["year"]}, _texts("text", g["text"]))
        goal_years.append(g["year"])
        _set_m2m(report, goal, goal.indicators, {indicators[c].pk for c in g["indicators"]})

    # Structure that vanished from the file goes only when nothing points at it any more.
    _delete_unreferenced(report, plan.goals.exclude(year__in=goal_years))
    _delete_unreferenced(report, Measure.objects.filter(area__plan=plan).exclude(pk__in=[m.pk for m in measures.values()]))
    _delete_unreferenced(report, plan.safeguards.exclude(pk__in=[s.pk for s in safeguards.values()]))
    _delete_unreferenced(report, plan.areas.exclude(pk__in=area_ids))

    ensure_periods(plan, report=report, today=today)
    if report.changed:
        # Targets, kinds or units may have changed: progress must be recomputed once this commits.
        outbox_enqueue(indicator_ids=plan.indicators.filter(active=True).values_list("pk", flat=True))

    if report.changed or plan.source_sha256 != sha256:
        plan.loaded_at = timezone.now()
        plan.source_sha256 = sha256
        plan.save(update_fields=["loaded_at", "source_sha256"])
    return plan, report


def _delete_unreferenced(report: LoadReport, queryset: models.QuerySet) -> None:
    for obj in queryset:
        try:
            with transaction.atomic():
                obj.delete()
            report.record(type(obj), "deleted")
        except models.ProtectedError:
            pass  # still referenced by an indicator (itself retired): keep it


def ensure_periods(plan: Plan, *, report: LoadReport | None = None, today: dt.date | None = None) -> None:
    """Create the reporting periods from the plan start to the last deadline (or today).

    Existing periods keep their open/closed state (administrators own it); their due date follows
    the plan's `report_due_days`. A new period starts open when it is the current or the previous
    quarter, closed otherwise.
    """
    today = today or timezone.localdate()
    last_deadline = Target.objects.filter(indicator__plan=plan).aggregate(m=models.Max("deadline"))["m"]
    last_day = max(d for d in (last_deadline, today, plan.start) if d is not None)
    year, quarter = quarter_of(plan.start)
    current = quarter_ordinal(*quarter_of(today))
    existing = {p.code: p for p in Period.objects.all()}
    while True:
        start, end = Period.bounds(year, quarter)
        if start > last_day:
            break
        code = quarter_code(year, quarter)
        due = end + dt.timedelta(days=plan.report_due_days)
        period = existing.get(code)
        if period is None:
            ordinal = quarter_ordinal(year, quarter)
            Period.objects.create(
                code=code, year=year, quarter=quarter, start=start, end=end, due=due,
                is_open=ordinal in (current, current - 1),
            )
            if report:
                report.record(Period, "created")
        elif period.due != due:
            period.due = due
            period.save(update_fields=["due"])
            if report:
                report.record(Period, "updated")
        year, quarter = quarter_shift(year, quarter, 1)


def load_plan_file(path: Path, *, today: dt.date | None = None) -> tuple[Plan, LoadReport]:
    """Validate the file at `path` and load it; raise PlanFileError and write nothing when invalid."""
    data = read_plan_file(path)
    return load_plan_data(data, sha256=plan_file_sha256(path), today=today)


@transaction.atomic
def plan_load(*, path: Path, actor_name: str = "manage.py", today: dt.date | None = None) -> tuple[Plan, LoadReport]:
    """Validate the plan file at `path` and load it; when that changed anything, record the load in
    the audit log (same transaction). Raise PlanFileError and write nothing when the file is invalid."""
    plan, report = load_plan_file(path, today=today)
    if report.changed:
        audit_record(
            action=AuditEntry.Action.PLAN_LOAD, actor_name=actor_name, obj=plan,
            after={"file": str(path), "sha256": plan.source_sha256, **report.summary()},
        )
    return plan, report
