"""The shape of GET /api/v1/plan/ for the OpenAPI schema: the body itself is built by
selectors.plan_as_dict (numbers as JSON numbers); these serializers document it, field by field."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from ..identifiers import IDENTIFIERS
from ..models import Indicator, Target, Unit
from .outputs import NumberField


def _lead() -> serializers.CharField:
    return serializers.CharField(allow_null=True, help_text=gettext_lazy("code of the lead unit (牵头单位)"))


def _partners() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), help_text=gettext_lazy("codes of the partner units (配合单位)"))


class PlanTargetSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    deadline = serializers.DateField()
    mode = serializers.ChoiceField(choices=Target.Mode.choices)
    comparator = serializers.ChoiceField(choices=Target.Comparator.choices)
    value = NumberField()
    stretch = NumberField(allow_null=True)
    aspirational = serializers.BooleanField()
    unit = serializers.CharField(allow_null=True, help_text=gettext_lazy("a unit's own share of the target; null: the city's"))


class PlanIndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    unit = serializers.CharField(help_text=gettext_lazy("unit of measure"))
    kind = serializers.ChoiceField(choices=Indicator.Kind.choices)
    definition = serializers.CharField(help_text=gettext_lazy("the definition (口径): what counts and what does not; \"\" if the plan file gives none"))
    numerator = serializers.CharField(help_text=gettext_lazy("ratios: what the numerator counts"))
    denominator = serializers.CharField(help_text=gettext_lazy("ratios: what the denominator counts"))
    item_label = serializers.CharField(help_text=gettext_lazy("counts: how one item is written, e.g. 企业名称 | 统一社会信用代码"))
    figures_cover = serializers.ChoiceField(
        choices=Indicator.Covers.choices,
        help_text=gettext_lazy("the time one report's figures cover: this quarter only, the year to date, or the latest state"),
    )
    item_identifier = serializers.ChoiceField(
        choices=IDENTIFIERS, allow_null=True,
        help_text=gettext_lazy("counts: what identifies each item — uscc (统一社会信用代码) or certificate; null for other kinds"),
    )
    baseline = NumberField()
    reporting_units = serializers.ListField(child=serializers.CharField())
    lead_unit = _lead()
    partner_units = _partners()
    targets = PlanTargetSerializer(many=True)


class PlanGoalIndicatorSerializer(PlanIndicatorSerializer):
    goal = serializers.IntegerField(help_text=gettext_lazy("the overall goal's year"))


class PlanMeasureSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    lead_unit = _lead()
    partner_units = _partners()
    indicators = PlanIndicatorSerializer(many=True)


class PlanAreaSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    measures = PlanMeasureSerializer(many=True)


class PlanGoalSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    text = serializers.CharField()
    indicators = serializers.ListField(child=serializers.CharField())


class PlanHeaderSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    issuer = serializers.CharField()
    start = serializers.DateField()
    horizons = serializers.ListField(child=serializers.IntegerField())


class PlanUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Unit.Kind.choices)
    parent = serializers.CharField(allow_null=True)


class PlanSerializer(serializers.Serializer):
    """The whole plan: goals, areas → measures → indicators → targets, safeguards, units; every
    measure, safeguard and indicator with its lead and partner units."""

    plan = PlanHeaderSerializer()
    goals = PlanGoalSerializer(many=True)
    areas = PlanAreaSerializer(many=True)
    safeguards = PlanMeasureSerializer(many=True)
    goal_indicators = PlanGoalIndicatorSerializer(many=True)
    units = PlanUnitSerializer(many=True)
