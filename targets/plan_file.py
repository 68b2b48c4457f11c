"""Reading and checking a plan file (plans/FORMAT.md) before anything is written.

Every problem is reported with its key path (e.g. `indicators[3].targets[0].deadline`) and a reason
in the active language; `targets.actions.plan` writes only what passed here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml
from django.utils.translation import gettext as _

from .kinds import KINDS, MAINTAIN
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
        data = yaml.load(raw, Loader=yaml.CSafeLoader)  # libyaml's safe loader: ten times PyYAML's own
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


def _responsibility_problems(path: str, item: dict, unit_codes: set[str], cities: list[str]) -> list[Problem]:
    """Return the problems of an item's lead and partner units: unknown, the city, named twice."""
    problems = []
    named = [("lead", item["lead"])] + [(f"partners[{p}]", code) for p, code in enumerate(item["partners"])]
    for key, code in named:
        if code not in unit_codes:
            problems.append(Problem(f"{path}.{key}", _("unknown unit code “%s”") % code))
        elif code in cities:
            problems.append(Problem(f"{path}.{key}", _("the city is the aggregate and answers through its units")))
    if item["lead"] in item["partners"]:
        problems.append(Problem(f"{path}.partners", _("the lead unit “%s” cannot also be a partner") % item["lead"]))
    if len(set(item["partners"])) != len(item["partners"]):
        problems.append(Problem(f"{path}.partners", _("a unit is listed twice")))
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
    # Who answers for each measure and safeguard: an indicator's units must be among its home's.
    answering: dict[tuple[str, int], set[str]] = {}
    for a, area in enumerate(data["areas"]):
        for m, measure in enumerate(area["measures"]):
            path = f"areas[{a}].measures[{m}].number"
            if measure["number"] in measure_numbers:
                problems.append(Problem(path, _("duplicate measure number %(n)s (already at %(first)s)") % {"n": measure["number"], "first": measure_numbers[measure["number"]]}))
            else:
                measure_numbers[measure["number"]] = path
            problems += _responsibility_problems(f"areas[{a}].measures[{m}]", measure, unit_codes, cities)
            answering[("measure", measure["number"])] = {measure["lead"], *measure["partners"]}
    problems += _duplicates(data["safeguards"], "number", "safeguards")
    safeguard_numbers = {s["number"] for s in data["safeguards"]}
    for s, safeguard in enumerate(data["safeguards"]):
        problems += _responsibility_problems(f"safeguards[{s}]", safeguard, unit_codes, cities)
        answering[("safeguard", safeguard["number"])] = {safeguard["lead"], *safeguard["partners"]}
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
        problems += _responsibility_problems(path, ind, unit_codes, cities)
        responsible = {ind["lead"], *ind["partners"]}
        for u, code in enumerate(ind["reporting_units"]):
            if code not in responsible:
                problems.append(Problem(f"{path}.reporting_units[{u}]", _("“%s” reports the indicator but is neither its lead nor a partner") % code))
        if not KINDS[ind["kind"]].has_value and ind["lead"] not in ind["reporting_units"]:
            # The city status of a narrative is its lead unit's own (PROGRESS-RULES.md): it must report.
            problems.append(Problem(f"{path}.lead", _("the lead unit of a narrative indicator must be one of its reporting units")))
        home_key = next(iter(home.items()))
        if home_key in answering:
            outside = [c for c in [ind["lead"], *ind["partners"]] if c not in answering[home_key]]
            if outside:
                reason = (
                    _("not among the lead and partner units of its measure: %s") if home_key[0] == "measure"
                    else _("not among the lead and partner units of its safeguard: %s")
                )
                problems.append(Problem(
                    f"{path}.partners" if ind["lead"] in answering[home_key] else f"{path}.lead", reason % ", ".join(outside)
                ))
        targets = ind.get("targets", [])
        kind = KINDS[ind["kind"]]
        if targets and not kind.has_targets:
            problems.append(Problem(f"{path}.targets", _("a narrative indicator has no targets")))
        # Counted items carry an identifier so that none is counted twice: the file must say which.
        if kind.items_sheet and "item_identifier" not in ind:
            problems.append(Problem(f"{path}.item_identifier", _("required for an indicator that lists counted items (uscc or certificate)")))
        elif not kind.items_sheet and "item_identifier" in ind:
            problems.append(Problem(f"{path}.item_identifier", _("only an indicator that lists counted items carries an identifier")))
        slots = set()
        for t, target in enumerate(targets):
            tpath = f"{path}.targets[{t}]"
            deadline = dt.date.fromisoformat(target["deadline"])
            if deadline < start:
                problems.append(Problem(f"{tpath}.deadline", _("before the plan start %s") % plan["start"]))
            if deadline.year != target["year"]:
                problems.append(Problem(f"{tpath}.deadline", _("not in the target's year %s") % target["year"]))
            # The kind's entry says which modes it takes (a kind without targets is told so above).
            if target["mode"] not in kind.target_modes:
                if target["mode"] == MAINTAIN:
                    problems.append(Problem(f"{tpath}.mode", _("maintain targets are for ratio_ytd indicators only")))
                elif kind.has_targets:
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


