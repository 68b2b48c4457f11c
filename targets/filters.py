"""Filters of list pages (django-filter)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Indicator, Period, Submission, Unit


class ReviewQueueFilter(django_filters.FilterSet):
    """The reviewers' queue: by period, unit, indicator and status; submitted figures by default.

    Values in the address are codes (?period=2026Q3&unit=330302&indicator=M01-STD&status=submitted),
    so a filtered queue can be bookmarked and read. Without `status` the queue shows submitted
    figures; an empty status means every status.
    """

    DEFAULT_STATUS = Submission.Status.SUBMITTED

    period = django_filters.ModelChoiceFilter(
        queryset=Period.objects.order_by("-start"), to_field_name="code", label=_("Period"), empty_label=_("All periods")
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.filter(active=True).exclude(kind=Unit.Kind.CITY).order_by("kind", "code"),
        to_field_name="code",
        label=_("Unit"),
        empty_label=_("All units"),
    )
    indicator = django_filters.ModelChoiceFilter(
        queryset=Indicator.objects.filter(active=True).order_by("position", "code"),
        to_field_name="code",
        label=_("Indicator"),
        empty_label=_("All indicators"),
    )
    status = django_filters.ChoiceFilter(choices=Submission.Status.choices, label=_("Status"), empty_label=_("Any status"))

    class Meta:
        model = Submission
        fields = ["period", "unit", "indicator", "status"]

    def __init__(self, data=None, *args, **kwargs):
        # No status chosen (a first visit, a bookmarked ?period=…): show what awaits review.
        # The form always sends `status`; its empty choice (any status) is kept as chosen.
        data = data.copy() if data is not None else {}
        if "status" not in data:
            data["status"] = self.DEFAULT_STATUS
        super().__init__(data, *args, **kwargs)
