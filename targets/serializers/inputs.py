"""Input serializers of the REST API v1: each field has a usable JSON type, no business rules.

They check only that each field has a usable JSON type (a number or numeric text, a yes/no, a date
text, a list of items…); whether the values are right for the indicator (negative, fractions,
numerator above denominator, dates outside the period…) is decided by figures.py inside the
actions, so the API answers exactly as the web form and the Excel upload do. Unknown fields are
refused (400), so that a misspelt field name is never silently dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from ..figures import MAX_TEXT
from ..kinds import kind_of
from ..models import Indicator, Submission, SubmissionVersion
from ..selectors.plan import json_number

VALUE_FIELDS = SubmissionVersion.VALUE_FIELDS
MAX_VERSION = 2**31 - 1
MAX_NUMBER_TEXT = 50  # longer "numbers" are refused before figures.py parses them


def _check_text(value: str) -> str:
    """Refuse NUL and lone surrogate characters (PostgreSQL stores neither), as DRF's CharField does."""
    try:
        ProhibitNullCharactersValidator()(value)
    except DjangoValidationError as refused:
        raise serializers.ValidationError(refused.messages)
    ProhibitSurrogateCharactersValidator()(value)
    return value


# --- Input fields: a usable JSON type, the value itself is judged by figures.py -------------------


@extend_schema_field({"type": "integer", "minimum": 0, "nullable": True, "example": 2})
class CountField(serializers.Field):
    """A count: a JSON number or a numeric text ("1,200"); null or "" leaves it empty."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float, str)):
            raise serializers.ValidationError(_("Enter a number."))
        if isinstance(data, str):
            if len(data) > MAX_NUMBER_TEXT:
                raise serializers.ValidationError(_("“%s” is not a number.") % data[:MAX_NUMBER_TEXT])
            _check_text(data)
        return data

    def to_representation(self, value):
        return json_number(value)


@extend_schema_field({"type": "boolean", "nullable": True})
class YesNoField(serializers.Field):
    """Done or not: true/false (the words "yes"/"no", "是"/"否" are accepted too)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, (bool, str)) or (isinstance(data, int) and data in (0, 1)):
            return _check_text(data) if isinstance(data, str) else data
        raise serializers.ValidationError(_("Answer yes or no."))

    def to_representation(self, value):
        return value


@extend_schema_field({"type": "string", "format": "date", "nullable": True, "example": "2026-08-15"})
class DateTextField(serializers.Field):
    """A date written YYYY-MM-DD (checked against the period by figures.py)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_("“%s” is not a date (YYYY-MM-DD).") % str(data)[:30])
        return _check_text(data)

    def to_representation(self, value):
        return value.isoformat() if isinstance(value, dt.date) else value


ITEM_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "example": "标准装置甲"},
        "number": {"type": "string", "description": "certificate number", "example": "CERT-001"},
    },
    "required": ["name"],
}


@extend_schema_field(
    {
        "oneOf": [
            {"type": "array", "items": ITEM_SCHEMA},
            {"type": "string", "description": "one item a line: “name | certificate no.”"},
        ],
        "nullable": True,
    }
)
class ItemsField(serializers.Field):
    """The items counted: [{name, number}] or text lines “name | certificate no.” (figures.parse_items)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        wrong = serializers.ValidationError(_("List each item counted: a name and a certificate number."))
        if isinstance(data, str):
            return _check_text(data)
        if not isinstance(data, list):
            raise wrong
        for row in data:
            if isinstance(row, str):
                _check_text(row)
            elif isinstance(row, Mapping):
                for key in ("name", "number"):
                    value = row.get(key)
                    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
                        continue
                    if not isinstance(value, str):
                        raise wrong
                    _check_text(value)
            else:
                raise wrong
        return data

    def to_representation(self, value):
        return value


def _text_field(**kwargs) -> serializers.CharField:
    # Lengths are checked by figures.py (with its message); null means empty.
    return serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False, **kwargs)


class StrictSerializer(serializers.Serializer):
    """Refuse fields the request does not take (a misspelt name must not vanish silently)."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            names = sorted(self.fields)
            for key in data:
                if key not in self.fields:
                    # The key is echoed back: make it printable and short.
                    label = str(key).encode("utf-8", "replace").decode("utf-8")[:60]
                    unknown[label] = [_("Unknown field: this request takes %s.") % ", ".join(names)]
        try:
            validated = super().to_internal_value(data)
        except serializers.ValidationError as invalid:
            if isinstance(invalid.detail, dict):
                raise serializers.ValidationError({**unknown, **invalid.detail})
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return validated


class ValuesSerializer(StrictSerializer):
    """The reported values; which of them an indicator takes depends on its kind (kinds.py)."""

    increment = CountField(help_text=gettext_lazy("cumulative: the quarter's increment (a whole number ≥ 0)"))
    items = ItemsField(help_text=gettext_lazy("cumulative: one entry per item counted (as many as the increment)"))
    numerator = CountField(help_text=gettext_lazy("ratio: numerator (0 ≤ numerator ≤ denominator)"))
    denominator = CountField(help_text=gettext_lazy("ratio: denominator (> 0)"))
    done = YesNoField(help_text=gettext_lazy("milestone: done or not"))
    completed_on = DateTextField(help_text=gettext_lazy("milestone: completion date, within the period, not in the future"))
    self_status = serializers.ChoiceField(
        choices=SubmissionVersion.SelfStatus.choices, required=False, allow_blank=True, allow_null=True,
        help_text=gettext_lazy("narrative: self-assessed status"),
    )
    narrative = _text_field(help_text=gettext_lazy("narrative: the quarter's progress (at most 5000 characters)"))
    note = _text_field(help_text=gettext_lazy("any kind: a note for the reviewer"))
    explanation = _text_field(help_text=gettext_lazy("any kind: explanation, required when the values are unusual"))


class SubmissionCreateSerializer(ValuesSerializer):
    """A new submission: the slot (indicator, unit, period) and the values of a first draft."""

    indicator = serializers.CharField(max_length=20, help_text=gettext_lazy("indicator code, e.g. M01-STD"))
    unit = serializers.CharField(max_length=20, help_text=gettext_lazy("unit code, e.g. 330302"))
    period = serializers.CharField(max_length=6, help_text=gettext_lazy("period code YYYYQn, e.g. 2026Q3"))


def _version_field(*, required: bool) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=required, min_value=1, max_value=MAX_VERSION,
        help_text=gettext_lazy("the version the change starts from; a newer one on the server answers 409"),
    )


class SubmissionEditSerializer(ValuesSerializer):
    """A change of a draft or returned submission: the version it starts from and the values to change."""

    version = _version_field(required=True)


class SubmissionStepSerializer(StrictSerializer):
    """A step of the review cycle; `version`, when sent, must still be the current one."""

    version = _version_field(required=False)


def _reason_field(help_text) -> serializers.CharField:
    return serializers.CharField(max_length=MAX_TEXT, allow_blank=True, allow_null=True, help_text=help_text)


class SubmissionReturnSerializer(SubmissionStepSerializer):
    """Figures returned to the reporter, with the reason they will read."""

    reason = _reason_field(gettext_lazy("why the figures are returned (the reporter reads it)"))


class SubmissionAmendSerializer(ValuesSerializer):
    """An amendment of approved figures: the reason and the values to change."""

    version = _version_field(required=False)
    reason = _reason_field(gettext_lazy("why approved figures are changed"))


class SubmissionFilterSerializer(serializers.Serializer):
    """The query of GET /api/v1/submissions/ (other parameters, such as limit and offset, pass)."""

    period = serializers.CharField(required=False, max_length=6)
    unit = serializers.CharField(required=False, max_length=20)
    indicator = serializers.CharField(required=False, max_length=20)
    status = serializers.ChoiceField(choices=Submission.Status.choices, required=False)


class StrictSerializerSchema(OpenApiSerializerExtension):
    """Say in the schema that unknown fields are refused, and keep `version` required for PATCH.

    drf-spectacular makes every field of a PATCH body optional; the API needs the version.
    """

    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["additionalProperties"] = False
        target = self.target if isinstance(self.target, type) else type(self.target)
        if issubclass(target, SubmissionEditSerializer):
            schema["required"] = sorted({*schema.get("required", []), "version"})
        return schema


def values_given(validated: dict) -> dict:
    """Return the value fields present in a validated request (absent ones are left as they are)."""
    return {name: validated[name] for name in VALUE_FIELDS if name in validated}


def refuse_values_not_of_kind(indicator: Indicator, values: dict) -> None:
    """Refuse values the indicator's kind does not take (null or "" for them is harmless)."""
    taken = kind_of(indicator).value_names
    errors = {
        name: [
            _("%(indicator)s (%(kind)s) does not take this value; it takes: %(fields)s.")
            % {"indicator": indicator.code, "kind": indicator.get_kind_display(), "fields": ", ".join(taken)}
        ]
        for name, value in values.items()
        if name not in taken and value not in (None, "", [])
    }
    if errors:
        raise serializers.ValidationError(errors)
