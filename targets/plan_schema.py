"""The JSON Schema of a plan file (plans/FORMAT.md in machine-readable form)."""

from .identifiers import IDENTIFIERS
from .kinds import KINDS

UNIT_CODE = {"type": "string", "pattern": r"^([0-9]{6}|D-[A-Z]{2,6})$"}
INDICATOR_CODE = {"type": "string", "pattern": r"^[A-Z][0-9]{2}-[A-Z]{2,5}$"}
NUMBER = {"type": "number"}
YEAR = {"type": "integer", "minimum": 2000, "maximum": 2100}
DATE = {"type": "string", "format": "date"}  # PyYAML dates are turned into ISO strings first
# Who answers for a measure, safeguard or indicator: one lead unit (牵头单位), any partners (配合单位).
RESPONSIBLE = {"lead": UNIT_CODE, "partners": {"type": "array", "items": UNIT_CODE}}


def _text(max_length: int | None = None) -> dict:
    part: dict = {"type": "string", "minLength": 1}
    if max_length:
        part["maxLength"] = max_length
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["zh", "en"],
        "properties": {"zh": part, "en": part},
    }


def _obj(required: dict, optional: dict | None = None) -> dict:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(required),
        "properties": {**required, **(optional or {}), "assumption": _text()},
    }


TARGET = _obj(
    {
        "year": YEAR,
        "deadline": DATE,
        "mode": {"enum": ["reach", "maintain"]},
        "comparator": {"enum": [">=", "=", "<="]},
        "value": NUMBER,
    },
    {
        "stretch": {"type": ["number", "null"]},
        "aspirational": {"type": "boolean"},
        "unit": UNIT_CODE,
    },
)

HOME = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        "measure": {"type": "integer", "minimum": 1},
        "goal": YEAR,
        "safeguard": {"type": "integer", "minimum": 1},
    },
}

INDICATOR = _obj(
    {
        "code": INDICATOR_CODE,
        "home": HOME,
        "name": _text(200),
        "unit": _text(20),
        "kind": {"enum": list(KINDS)},
        "reporting_units": {"type": "array", "items": UNIT_CODE, "minItems": 1},
        **RESPONSIBLE,
    },
    {
        "baseline": NUMBER,
        "targets": {"type": "array", "items": TARGET},
        # What a reporter needs to count it (optional; shown on the form, the Excel template and the API):
        "definition": _text(),  # 口径: what counts, what does not
        "numerator": _text(300),  # ratios: what the numerator counts
        "denominator": _text(300),  # … and the denominator
        "item_label": _text(100),  # counts: how one item is written, e.g. 企业名称 | 统一社会信用代码
        "figures_cover": {"enum": ["quarter", "year_to_date", "latest"]},  # the time one report covers
        # What identifies each counted item (kinds with items): identifiers.py.
        "item_identifier": {"enum": list(IDENTIFIERS)},
    },
)

MEASURE = _obj({"number": {"type": "integer", "minimum": 1}, "title": _text(200), "text": _text(), **RESPONSIBLE})

PLAN_FILE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["plan", "settings", "units", "goals", "areas", "safeguards", "indicators"],
    "properties": {
        "plan": _obj(
            {
                "code": {"type": "string", "pattern": r"^[a-z0-9-]{2,50}$"},
                "name": _text(200),
                "issuer": _text(200),
                "start": DATE,
                "horizons": {"type": "array", "items": YEAR, "minItems": 1},
            },
            {"source": _text(300)},
        ),
        "settings": _obj(
            {
                "on_track_max_gap": {"type": "number", "minimum": 0},
                "at_risk_max_gap": {"type": "number", "minimum": 0},
                "maintain_at_risk_pp": {"type": "number", "minimum": 0},
                "report_due_days": {"type": "integer", "minimum": 0, "maximum": 90},
            }
        ),
        "units": {
            "type": "array",
            "minItems": 1,
            "items": _obj(
                {"code": UNIT_CODE, "name": _text(100), "kind": {"enum": ["city", "county", "department"]}},
                {"parent": {"anyOf": [UNIT_CODE, {"type": "null"}]}},
            ),
        },
        "goals": {
            "type": "array",
            "items": _obj(
                {"year": YEAR, "text": _text(), "indicators": {"type": "array", "items": INDICATOR_CODE}}
            ),
        },
        "areas": {
            "type": "array",
            "minItems": 1,
            "items": _obj(
                {
                    "number": {"type": "integer", "minimum": 1},
                    "title": _text(200),
                    "measures": {"type": "array", "items": MEASURE},
                }
            ),
        },
        "safeguards": {"type": "array", "items": MEASURE},
        "indicators": {"type": "array", "items": INDICATOR},
    },
}
