"""The schema of GET /api/v1/progress/: the output rows of PROGRESS-RULES.md, declared field by
field so that the OpenAPI document says which values there are and when a number is null.

The view renders the rows with `targets.selectors.progress.snapshot_as_dict`; these serializers
only describe them (drf-spectacular reads them for the schema). Like the rest of the API's
reference, the field descriptions are in English."""

from __future__ import annotations

from rest_framework import serializers

from ..models import ProgressSnapshot

VERDICT_NULL = (
    "null when there is none, and once the period is past the (last) target's deadline, where the row is a "
    "verdict (achieved, achieved_late or missed)"
)


def _number(help_text: str) -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text)


class ProgressRowOut(serializers.Serializer):
    indicator = serializers.CharField(help_text="indicator code")
    unit = serializers.CharField(help_text="unit code (the unit of kind city: the whole city)")
    period = serializers.CharField(help_text="period code YYYYQn")
    actual = _number("actual value A; null without approved figures")
    target = _number("target value T in force; null without a target")
    target_year = serializers.IntegerField(allow_null=True)
    deadline = serializers.DateField(allow_null=True)
    mode = serializers.ChoiceField(choices=["reach", "maintain"], allow_null=True)
    time_elapsed_pct = _number("time elapsed τ, percent; " + VERDICT_NULL)
    completion_pct = _number("completion c, percent; " + VERDICT_NULL)
    gap_pp = _number(
        "gap in percentage points. reach: τ − c, positive = behind the time elapsed, negative = ahead of it; "
        "maintain: T − A, positive = below the target; " + VERDICT_NULL
    )
    status = serializers.ChoiceField(
        choices=ProgressSnapshot.Status.choices,
        help_text="after the last deadline a verdict: achieved (met by the deadline), achieved_late (met after it), "
        "missed",
    )
    required_pace = _number("required pace per quarter; " + VERDICT_NULL)
    recent_pace = _number("recent pace per quarter; " + VERDICT_NULL)
    projected = _number("projected value at the deadline; " + VERDICT_NULL)
    computed_at = serializers.DateTimeField()


class ProgressListOut(serializers.Serializer):
    count = serializers.IntegerField()
    computed_at = serializers.DateTimeField(allow_null=True)
    latest_approval_included = serializers.DateTimeField(allow_null=True)
    results = ProgressRowOut(many=True)
