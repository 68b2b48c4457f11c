"""Output serializers of the REST API v1: every field declared for the OpenAPI schema, rendered from
the models with numbers as JSON numbers (2, not "2.0000")."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..kinds import COUNT, DATE, INPUTS, kind_of
from ..models import Indicator, Period, Submission, SubmissionVersion
from ..selectors.api import shown_status, shown_version, submission_next_steps
from ..selectors.plan import json_number


def _when(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _who(user) -> str | None:
    return user.username if user else None


def values_repr(indicator: Indicator, version: SubmissionVersion) -> dict:
    """Return the version's values that the indicator's kind takes, numbers as JSON numbers."""
    result = {}
    for name in kind_of(indicator).value_names:
        value = getattr(version, name)
        if INPUTS[name] == COUNT:
            value = json_number(value)
        elif INPUTS[name] == DATE:
            value = value.isoformat() if value else None
        result[name] = value
    return result


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """A count as a JSON number (documentation only; rendering goes through values_repr)."""


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = ("code", "year", "quarter", "start", "end", "due", "is_open")


class ValuesOutSerializer(serializers.Serializer):
    """The values of one version: only those the indicator's kind takes are present."""

    increment = NumberField(required=False, allow_null=True)
    items = serializers.ListField(child=serializers.DictField(child=serializers.CharField()), required=False)
    numerator = NumberField(required=False, allow_null=True)
    denominator = NumberField(required=False, allow_null=True)
    done = serializers.BooleanField(required=False, allow_null=True)
    completed_on = serializers.DateField(required=False, allow_null=True)
    self_status = serializers.ChoiceField(choices=SubmissionVersion.SelfStatus.choices, required=False, allow_blank=True)
    narrative = serializers.CharField(required=False)
    note = serializers.CharField()
    explanation = serializers.CharField()


class VersionSerializer(ValuesOutSerializer):
    """One version of a submission: its values, who wrote it and why, and its review stamps."""

    number = serializers.IntegerField()
    reason = serializers.CharField(help_text=gettext_lazy("reason given for an amendment"))
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    submitted_by = serializers.CharField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    returned_by = serializers.CharField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)
    return_reason = serializers.CharField()
    approved_by = serializers.CharField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, version: SubmissionVersion) -> dict:
        return {
            "number": version.number,
            **values_repr(self.context["indicator"], version),
            "reason": version.reason,
            "created_by": _who(version.created_by),
            "created_at": _when(version.created_at),
            "submitted_by": _who(version.submitted_by),
            "submitted_at": _when(version.submitted_at),
            "returned_by": _who(version.returned_by),
            "returned_at": _when(version.returned_at),
            "return_reason": version.return_reason,
            "approved_by": _who(version.approved_by),
            "approved_at": _when(version.approved_at),
        }


# Built with type(): "return" is a Python keyword, so it cannot be a class attribute name.
LinksSerializer = type(
    "LinksSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "URLs of the record and of the steps the caller can take now (edit is a PATCH of self).",
        "__module__": __name__,
        "self": serializers.URLField(),
        **{step: serializers.URLField(required=False) for step in ("submit", "approve", "return", "amend")},
    },
)


class SubmissionSerializer(ValuesOutSerializer):
    """A submission as the caller may see it (leaders: its approved version)."""

    id = serializers.IntegerField()
    version = serializers.IntegerField(help_text=gettext_lazy("number of the version shown; send it back when changing"))
    status = serializers.ChoiceField(choices=Submission.Status.choices)
    indicator = serializers.CharField()
    indicator_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Indicator.Kind.choices)
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    period = serializers.CharField()
    approved_version = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("the version that counts for progress"))
    updated_by = serializers.CharField(allow_null=True)
    updated_at = serializers.DateTimeField()
    first_submitted_at = serializers.DateTimeField(allow_null=True)
    is_late = serializers.BooleanField()
    next_steps = serializers.ListField(
        child=serializers.ChoiceField(choices=["edit", "submit", "approve", "return", "amend"]),
        help_text=gettext_lazy("what the caller can do with it now"),
    )
    links = LinksSerializer()

    def to_representation(self, submission: Submission) -> dict:
        request = self.context["request"]
        user = request.user
        version = shown_version(user, submission)
        steps = submission_next_steps(user, submission)
        links = {"self": request.build_absolute_uri(reverse("targets:api_submission", args=[submission.pk]))}
        for step in steps:
            if step != "edit":
                links[step] = request.build_absolute_uri(reverse(f"targets:api_submission_{step}", args=[submission.pk]))
        return {
            "id": submission.pk,
            "version": version.number,
            "status": shown_status(user, submission),
            "indicator": submission.indicator.code,
            "indicator_name": submission.indicator.name,
            "kind": submission.indicator.kind,
            "unit": submission.unit.code,
            "unit_name": submission.unit.name,
            "period": submission.period.code,
            **values_repr(submission.indicator, version),
            "approved_version": submission.approved.number if submission.approved_id else None,
            "updated_by": _who(version.created_by),
            "updated_at": _when(version.created_at),
            "first_submitted_at": _when(submission.first_submitted_at),
            "is_late": submission.is_late,
            "next_steps": steps,
            "links": links,
        }


class SubmissionDetailSerializer(SubmissionSerializer):
    history = VersionSerializer(many=True, help_text=gettext_lazy("every version, oldest first (leaders: approved ones)"))

    def to_representation(self, submission: Submission) -> dict:
        result = super().to_representation(submission)
        context = {**self.context, "indicator": submission.indicator}
        result["history"] = [VersionSerializer(v, context=context).data for v in submission.history]
        return result


class SubmissionPageSerializer(serializers.Serializer):
    """A page of submissions (limit/offset pagination)."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SubmissionSerializer(many=True)


class ErrorsSerializer(serializers.Serializer):
    """Every error: `errors` maps each field (or "non_field_errors") to its messages."""

    detail = serializers.CharField(help_text=gettext_lazy("the first message, for display"))
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ConflictSerializer(ErrorsSerializer):
    """409: the record changed since the version sent, or its state does not allow the step."""

    current = SubmissionDetailSerializer(help_text=gettext_lazy("the record as it now stands"))

