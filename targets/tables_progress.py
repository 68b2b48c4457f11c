"""Tables (django-tables2, sortable) and filters (django-filter) of the progress pages: an
indicator's contributions and approved figures, and the county comparison's summary and ranking."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

import django_filters
import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .kinds import SCALE_PERCENT, SCALE_SHARE, kind_of
from .models import Period, Submission, Unit
from .numbers import decimal_short
from .status import LABELS, Status
from .tables import PortalTable
from .templatetags.review import version_figure


def percent_text(value: Decimal | None) -> str:
    """Return a share with one decimal: 12.96 → "13.0%"."""
    return "—" if value is None else f"{value:.1f}%"


def status_badge(status: str | None, *, own: bool = True):
    if not status:
        return "—"
    return format_html(
        '<span class="status-chip st-{}{}">{}</span>', status, "" if own else " muted-chip", LABELS.get(status, status)
    )


def actual_text(value: Decimal | None, kind: str) -> str:
    """Return a unit's actual value by its kind's scale: a count, a percentage, done / not done."""
    if value is None:
        return "—"
    scale = kind_of(kind).scale
    if scale == SCALE_PERCENT:
        return f"{value:.1f}%"
    if scale == SCALE_SHARE:  # a unit's share of a milestone is 0 or 1
        return _("done") if value >= 1 else _("not done")
    return decimal_short(value)


def unit_link(unit: Unit, *, with_code: bool = True):
    url = reverse("targets:unit_detail", args=[unit.code])
    if not with_code:
        return format_html('<a href="{}" title="{}" class="nowrap">{}</a>', url, unit.code, unit.name)
    return format_html('<a href="{}">{}</a> <span class="code muted">{}</span>', url, unit.name, unit.code)


class ContributionTable(PortalTable):
    """Each unit at the chosen period: its value, its share of the city total (kinds that add up:
    cumulative), its status where it has its own target; a kind without a value shows the self-assessed
    status only. Rows are `Contribution`s (selectors.indicator_progress)."""

    unit = tables.Column(verbose_name=gettext_lazy("Unit"), order_by=("unit__kind", "unit__code"))
    actual = tables.Column(
        verbose_name=gettext_lazy("Actual"), empty_values=(), order_by=("sort_actual",), attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )
    share = tables.Column(
        verbose_name=gettext_lazy("Share of the city total"),
        accessor="share_pct",
        empty_values=(),
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    status = tables.Column(verbose_name=gettext_lazy("Status (own target)"), empty_values=(), order_by=("row__status",))

    class Meta:
        attrs = {"class": "data contributions", "id": "contributions-table"}
        orderable = True
        empty_text = gettext_lazy("No unit has a row for this period.")
        row_attrs = {"data-unit": lambda record: record.unit.code}

    def __init__(self, data, *, kind: str, **kwargs):
        entry = kind_of(kind)
        exclude = [] if entry.adds_up else ["share"]
        if not entry.has_value:
            exclude.append("actual")  # no number, only the self-assessed status
        elif not any(c.has_target for c in data):
            exclude.append("status")  # no unit has a target of its own: nothing to judge
        super().__init__(data, exclude=exclude, **kwargs)
        self.kind = kind
        self.has_value = entry.has_value
        if not entry.has_value:
            self.columns["status"].column.verbose_name = _("Self-assessed status")

    def render_unit(self, record):
        return unit_link(record.unit)

    def render_actual(self, record):
        if not self.has_value:
            return "—"
        return format_html('<span data-actual="{}">{}</span>', record.actual if record.actual is not None else "", actual_text(record.actual, self.kind))

    def render_share(self, record):
        if record.share_pct is None:
            return "—"
        return format_html(
            '<span class="share" data-share="{}"><span class="share-track" aria-hidden="true">'
            '<span class="share-bar" data-bar-width="{}"></span></span><span class="share-text">{}</span></span>',
            record.share_pct,
            f"{max(0.0, min(float(record.share_pct), 100.0)):.1f}",
            percent_text(record.share_pct),
        )

    def render_status(self, record):
        if not self.has_value or record.has_target or record.status == Status.NO_DATA:
            return status_badge(record.status)
        return format_html('<span class="muted small">{}</span>', _("no own target"))


class ApprovedFiguresFilter(django_filters.FilterSet):
    """The approved figures behind an indicator, by unit and period (codes in the address)."""

    unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.none(), to_field_name="code", label=gettext_lazy("Unit"), empty_label=gettext_lazy("All units")
    )
    period = django_filters.ModelChoiceFilter(
        queryset=Period.objects.none(), to_field_name="code", label=gettext_lazy("Period"), empty_label=gettext_lazy("All periods")
    )

    class Meta:
        model = Submission
        fields = ["unit", "period"]

    def __init__(self, data=None, queryset=None, *, units, periods, **kwargs):
        super().__init__(data, queryset, prefix="figures", **kwargs)
        self.filters["unit"].queryset = units
        self.filters["period"].queryset = periods


class ApprovedFiguresTable(PortalTable):
    """The approved versions that count for progress: one row per submission, its approved version."""

    unit = tables.Column(verbose_name=gettext_lazy("Unit"), order_by=("unit__kind", "unit__code"))
    period = tables.Column(verbose_name=gettext_lazy("Period"), order_by=("period__start",))
    value = tables.Column(verbose_name=gettext_lazy("Approved figure"), empty_values=(), orderable=False)
    version = tables.Column(
        verbose_name=gettext_lazy("Version"), accessor="approved__number", attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )
    approved_by = tables.Column(
        verbose_name=gettext_lazy("Approved by"), accessor="approved__approved_by", order_by=("approved__approved_by__display_name",)
    )
    approved_at = tables.Column(verbose_name=gettext_lazy("Approved at"), accessor="approved__approved_at")
    detail = tables.Column(verbose_name=gettext_lazy("Details"), empty_values=(), orderable=False)

    class Meta:
        attrs = {"class": "data approved-figures", "id": "approved-figures"}
        per_page = 25
        empty_text = gettext_lazy("No approved figures match these filters.")
        row_attrs = {
            "data-submission": lambda record: record.pk,
            "data-version": lambda record: record.approved.number,
        }

    def render_approved_by(self, value):
        return value.shown_name

    def render_unit(self, record):
        return unit_link(record.unit)

    def render_period(self, record):
        return format_html('<span class="code">{}</span>', record.period.code)

    def render_value(self, record):
        version = record.approved
        text = version_figure(version, record.indicator.kind)
        if version.narrative and kind_of(record.indicator).field("narrative"):
            return format_html('{}<br><span class="muted small narrative-text">{}</span>', text, version.narrative[:140])
        demo = format_html(' <span class="badge demo">{}</span>', _("demo")) if record.is_demo else ""
        return format_html("{}{}", text, demo)

    def render_approved_at(self, value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")

    def render_detail(self, record):
        url = reverse("targets:submission_detail", args=[record.pk])
        request = getattr(self, "request", None)
        if request is not None:
            url += "?" + urlencode({"next": request.get_full_path()})
        return format_html('<a href="{}">{}</a>', url, _("View"))


class UnitSummaryTable(PortalTable):
    """The comparison's overall ranking: per unit, how many indicators stand where, and how complete
    its approved reporting for the period is. Rows are `UnitLine`s."""

    rank = tables.Column(verbose_name=gettext_lazy("Rank"), attrs={"td": {"class": "num rank"}, "th": {"class": "num"}})
    unit = tables.Column(verbose_name=gettext_lazy("Unit"), order_by=("unit__kind", "unit__code"))
    good = tables.Column(
        verbose_name=gettext_lazy("Achieved or on track"), attrs={"td": {"class": "num strong"}, "th": {"class": "num"}}
    )
    achieved = tables.Column(verbose_name=LABELS[Status.ACHIEVED], empty_values=(), order_by=("counts__achieved",), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    achieved_late = tables.Column(verbose_name=LABELS[Status.ACHIEVED_LATE], empty_values=(), order_by=("counts__achieved_late",), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    on_track = tables.Column(verbose_name=LABELS[Status.ON_TRACK], empty_values=(), order_by=("counts__on_track",), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    at_risk = tables.Column(verbose_name=LABELS[Status.AT_RISK], empty_values=(), order_by=("counts__at_risk",), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    off_track = tables.Column(verbose_name=LABELS[Status.OFF_TRACK], empty_values=(), order_by=("counts__off_track",), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    missed = tables.Column(verbose_name=LABELS[Status.MISSED], empty_values=(), order_by=("counts__missed",), attrs={"td": {"class": "num"}, "th": {"class": "num"}})
    completeness = tables.Column(
        verbose_name=gettext_lazy("Reporting completeness"),
        empty_values=(),
        order_by=("completeness_sort",),
        attrs={"td": {"class": "num completeness"}, "th": {"class": "num"}},
    )

    class Meta:
        attrs = {"class": "data unit-summary", "id": "unit-summary"}
        empty_text = gettext_lazy("No units to compare.")
        row_attrs = {"data-unit": lambda record: record.unit.code, "data-rank": lambda record: record.rank}

    def render_unit(self, record):
        return unit_link(record.unit)

    def _count(self, record, status):
        n = record.count(status)
        return format_html('<span class="count st-text-{}" data-status="{}">{}</span>', status, status, n) if n else format_html('<span class="muted">{}</span>', 0)

    def render_achieved(self, record):
        return self._count(record, Status.ACHIEVED)

    def render_achieved_late(self, record):
        return self._count(record, Status.ACHIEVED_LATE)

    def render_on_track(self, record):
        return self._count(record, Status.ON_TRACK)

    def render_at_risk(self, record):
        return self._count(record, Status.AT_RISK)

    def render_off_track(self, record):
        return self._count(record, Status.OFF_TRACK)

    def render_missed(self, record):
        return self._count(record, Status.MISSED)

    def render_completeness(self, record):
        pct = record.completeness_pct
        if pct is None:
            return format_html('<span class="muted">{}</span>', _("none assigned"))
        return format_html(
            '<span class="completeness-cell" data-complete="{}" data-assigned="{}" data-pct="{}">'
            '<meter min="0" max="100" low="60" high="99" optimum="100" value="{}" aria-hidden="true"></meter> '
            "{}% <span class=\"muted small\">({}/{})</span></span>",
            record.complete, record.assigned, pct, pct, pct, record.complete, record.assigned,
        )


class RankingTable(PortalTable):
    """Units ranked by their actual value for one indicator. Rows are `Ranked`s."""

    rank = tables.Column(verbose_name=gettext_lazy("Rank"), empty_values=(), attrs={"td": {"class": "num rank"}, "th": {"class": "num"}})
    unit = tables.Column(verbose_name=gettext_lazy("Unit"), order_by=("unit__kind", "unit__code"))
    actual = tables.Column(
        verbose_name=gettext_lazy("Actual"), empty_values=(), order_by=("sort_actual",), attrs={"td": {"class": "num"}, "th": {"class": "num"}}
    )
    share = tables.Column(
        verbose_name=gettext_lazy("Share of the units' total"), accessor="share_pct", empty_values=(),
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    status = tables.Column(verbose_name=gettext_lazy("Status (own target)"), empty_values=(), order_by=("cell__status",))

    class Meta:
        attrs = {"class": "data ranking", "id": "ranking-table"}
        empty_text = gettext_lazy("No unit has a value for this indicator and period.")
        row_attrs = {"data-unit": lambda record: record.unit.code, "data-rank": lambda record: record.rank or ""}

    def __init__(self, data, *, kind: str, **kwargs):
        exclude = [] if kind_of(kind).adds_up else ["share"]
        if not any(r.cell.has_target for r in data):
            exclude.append("status")
        super().__init__(data, exclude=exclude, **kwargs)
        self.kind = kind

    def render_rank(self, record):
        return record.rank if record.rank is not None else "—"

    def render_unit(self, record):
        return unit_link(record.unit, with_code=False)

    def render_actual(self, record):
        value = record.cell.actual
        return format_html('<span data-actual="{}">{}</span>', value if value is not None else "", actual_text(value, self.kind))

    def render_share(self, record):
        return percent_text(record.share_pct)

    def render_status(self, record):
        if record.cell.has_target:
            return status_badge(record.cell.status)
        return format_html('<span class="muted small">{}</span>', _("no own target"))
