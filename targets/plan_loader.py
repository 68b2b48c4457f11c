"""Load a plan file (plans/FORMAT.md) into the models: validate everything, then write in one go.

Validation happens entirely before the first write, so a broken file leaves the database as it
was. Writing compares each object with what is stored and touches only what differs, so loading
the same file twice changes nothing. Nothing that figures point at is ever deleted: units and
indicators that disappear from the file are retired (active = False).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .actions.outbox import outbox_enqueue
from .models import Area, Goal, Indicator, Measure, Period, Plan, Safeguard, Target, Unit
from .plan_schema import PLAN_FILE

MAX_PLAN_FILE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class PlanFileError(Exception):
    """The plan file is invalid; `problems` lists every key path with its reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


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


# --- Reading and validating -------------------------------------------------------------------


def read_plan_file(path: Path) -> dict:
    """Return the parsed, validated content of a plan file, or raise PlanFileError."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PlanFileError([Problem(str(path), _("cannot read the file: %s") % exc.strerror)]) from exc
    if size > MAX_PLAN_FILE_BYTES:
        raise PlanFileError([Problem(str(path), _("the file is larger than 5 MB"))])
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line %(line)d, column %(column)d") % {"line": mark.line + 1, "column": mark.column + 1} if mark else str(path)
        raise PlanFileError([Problem(where, _("not valid YAML: %s") % getattr(exc, "problem", exc))]) from exc
    data = _dates_to_iso(data)
    validate_plan_data(data)
    return data


def plan_file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dates_to_iso(value: Any) -> Any:
    # YAML turns 2025-12-31 into a date; the schema checks ISO strings so both spellings work.
    if isinstance(value, dict):
        return {k: _dates_to_iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_to_iso(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _key_path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(file)"


def _schema_problem(error: jsonschema.ValidationError) -> list[Problem]:
    path = list(error.absolute_path)
    kind = error.validator
    if kind == "required":
        missing = [k for k in error.validator_value if k not in (error.instance or {})]
        return [Problem(_key_path(path + [k]), _("required key is missing")) for k in missing]
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        return [
            Problem(_key_path(path + [k]), _("unknown key (allowed: %s)") % ", ".join(sorted(allowed)))
            for k in unknown
        ]
    if kind == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        return [Problem(_key_path(path), _("“%(value)s” is not one of: %(choices)s") % {"value": error.instance, "choices": choices})]
    if kind == "type" or kind == "anyOf":
        return [Problem(_key_path(path), _("wrong type: %(value)r (expected %(type)s)") % {"value": error.instance, "type": error.schema.get("type", "…")})]
    if kind == "format":
        return [Problem(_key_path(path), _("“%s” is not a date (YYYY-MM-DD)") % error.instance)]
    if kind == "pattern":
        return [Problem(_key_path(path), _("“%(value)s” does not have the expected form %(pattern)s") % {"value": error.instance, "pattern": error.validator_value})]
    if kind in ("minLength", "minItems"):
        return [Problem(_key_path(path), _("must not be empty"))]
    if kind in ("minProperties", "maxProperties"):
        return [Problem(_key_path(path), _("must name exactly one of: %s") % ", ".join(error.schema["properties"]))]
    return [Problem(_key_path(path), error.message)]


def validate_plan_data(data: Any) -> None:
    """Raise PlanFileError listing every problem of the plan file's content, or return None."""
    validator = jsonschema.Draft202012Validator(PLAN_FILE, format_checker=jsonschema.FormatChecker())
    problems: list[Problem] = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        problems.extend(_schema_problem(error))
    if problems:
        raise PlanFileError(problems)
    problems = _consistency_problems(data)
    if problems:
        raise PlanFileError(problems)


def _duplicates(items: list[dict], key: str, prefix: str) -> list[Problem]:
    seen: dict[Any, int] = {}
    problems = []
    for i, item in enumerate(items):
        value = item[key]
        if value in seen:
            problems.append(Problem(f"{prefix}[{i}].{key}", _("duplicate “%(value)s” (already at %(prefix)s[%(first)d])") % {"value": value, "prefix": prefix, "first": seen[value]}))
        else:
            seen[value] = i
    return problems


def _consistency_problems(data: dict) -> list[Problem]:
    """Return the problems a schema cannot see: duplicates, dangling references, bad dates."""
    problems: list[Problem] = []
    plan = data["plan"]
    start = dt.date.fromisoformat(plan["start"])
    if start.day != 1 or start.month not in (1, 4, 7, 10):
        problems.append(Problem("plan.start", _("must be the first day of a quarter")))

    units = data["units"]
    problems += _duplicates(units, "code", "units")
    unit_codes = {u["code"] for u in units}
    cities = [u["code"] for u in units if u["kind"] == "city"]
    if len(cities) != 1:
        problems.append(Problem("units", _("exactly one unit must be of kind city")))
    for i, unit in enumerate(units):
        parent = unit.get("parent")
        if parent is not None and parent not in unit_codes:
            problems.append(Problem(f"units[{i}].parent", _("unknown unit code “%s”") % parent))
        if parent is None and unit["kind"] != "city":
            problems.append(Problem(f"units[{i}].parent", _("required for every unit but the city")))

    horizons = plan["horizons"]
    goals = data["goals"]
    problems += _duplicates(goals, "year", "goals")
    for i, goal in enumerate(goals):
        if goal["year"] not in horizons:
            problems.append(Problem(f"goals[{i}].year", _("%s is not one of plan.horizons") % goal["year"]))

    problems += _duplicates(data["areas"], "number", "areas")
    measure_numbers: dict[int, str] = {}
    for a, area in enumerate(data["areas"]):
        for m, measure in enumerate(area["measures"]):
            path = f"areas[{a}].measures[{m}].number"
            if measure["number"] in measure_numbers:
                problems.append(Problem(path, _("duplicate measure number %(n)s (already at %(first)s)") % {"n": measure["number"], "first": measure_numbers[measure["number"]]}))
            else:
                measure_numbers[measure["number"]] = path
    problems += _duplicates(data["safeguards"], "number", "safeguards")
    safeguard_numbers = {s["number"] for s in data["safeguards"]}
    goal_years = {g["year"] for g in goals}

    indicators = data["indicators"]
    problems += _duplicates(indicators, "code", "indicators")
    indicator_codes = {ind["code"] for ind in indicators}
    for i, ind in enumerate(indicators):
        path = f"indicators[{i}]"
        home = ind["home"]
        if "measure" in home and home["measure"] not in measure_numbers:
            problems.append(Problem(f"{path}.home.measure", _("no measure number %s in areas") % home["measure"]))
        if "goal" in home and home["goal"] not in goal_years:
            problems.append(Problem(f"{path}.home.goal", _("no goal for the year %s") % home["goal"]))
        if "safeguard" in home and home["safeguard"] not in safeguard_numbers:
            problems.append(Problem(f"{path}.home.safeguard", _("no safeguard number %s") % home["safeguard"]))
        for u, code in enumerate(ind["reporting_units"]):
            if code not in unit_codes:
                problems.append(Problem(f"{path}.reporting_units[{u}]", _("unknown unit code “%s”") % code))
            elif code in cities:
                problems.append(Problem(f"{path}.reporting_units[{u}]", _("the city is the aggregate and never reports itself")))
        if len(set(ind["reporting_units"])) != len(ind["reporting_units"]):
            problems.append(Problem(f"{path}.reporting_units", _("a unit is listed twice")))
        targets = ind.get("targets", [])
        if ind["kind"] == "narrative" and targets:
            problems.append(Problem(f"{path}.targets", _("a narrative indicator has no targets")))
        slots = set()
        for t, target in enumerate(targets):
            tpath = f"{path}.targets[{t}]"
            deadline = dt.date.fromisoformat(target["deadline"])
            if deadline < start:
                problems.append(Problem(f"{tpath}.deadline", _("before the plan start %s") % plan["start"]))
            if deadline.year != target["year"]:
                problems.append(Problem(f"{tpath}.deadline", _("not in the target's year %s") % target["year"]))
            if target["mode"] == "maintain" and ind["kind"] != "ratio_ytd":
                problems.append(Problem(f"{tpath}.mode", _("maintain targets are for ratio_ytd indicators only")))
            if target["mode"] == "reach" and ind["kind"] == "ratio_ytd":
                problems.append(Problem(f"{tpath}.mode", _("a ratio_ytd indicator is held every year: use maintain")))
            unit = target.get("unit")
            if unit is not None and unit not in ind["reporting_units"]:
                problems.append(Problem(f"{tpath}.unit", _("“%s” is not a reporting unit of this indicator") % unit))
            slot = (unit, target["year"])
            if slot in slots:
                problems.append(Problem(f"{tpath}.year", _("a second target for the same year and unit")))
            slots.add(slot)
            stretch = target.get("stretch")
            if stretch is not None and stretch < target["value"]:
                problems.append(Problem(f"{tpath}.stretch", _("below the target value")))
    for g, goal in enumerate(goals):
        for k, code in enumerate(goal["indicators"]):
            if code not in indicator_codes:
                problems.append(Problem(f"goals[{g}].indicators[{k}]", _("unknown indicator code “%s”") % code))
    return problems


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
            values = {"area": area, **_texts("title", m["title"]), **_texts("text", m["text"])}
            if existing is None:
                measures[m["number"]] = _upsert(report, Measure, {"area": area, "number": m["number"]}, {k: v for k, v in values.items() if k != "area"})
            else:
                measures[m["number"]] = _upsert(report, Measure, {"pk": existing.pk}, values)
    safeguards: dict[int, Safeguard] = {}
    for sg in data["safeguards"]:
        safeguards[sg["number"]] = _upsert(
            report, Safeguard, {"plan": plan, "number": sg["number"]}, {**_texts("title", sg["title"]), **_texts("text", sg["text"])}
        )

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
                "kind": ind["kind"],
                "baseline": _decimal(ind.get("baseline", 0)),
                "position": position,
                "active": True,
            },
        )
        indicators[ind["code"]] = indicator
        _set_m2m(report, indicator, indicator.reporting_units, {units[c].pk for c in ind["reporting_units"]})
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
    year, quarter = plan.start.year, (plan.start.month - 1) // 3 + 1
    current = today.year * 4 + (today.month - 1) // 3
    existing = {p.code: p for p in Period.objects.all()}
    while True:
        start, end = Period.bounds(year, quarter)
        if start > last_day:
            break
        code = f"{year}Q{quarter}"
        due = end + dt.timedelta(days=plan.report_due_days)
        period = existing.get(code)
        if period is None:
            ordinal = year * 4 + quarter - 1
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
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def load_plan_file(path: Path, *, today: dt.date | None = None) -> tuple[Plan, LoadReport]:
    """Validate the file at `path` and load it; raise PlanFileError and write nothing when invalid."""
    data = read_plan_file(path)
    return load_plan_data(data, sha256=plan_file_sha256(path), today=today)
