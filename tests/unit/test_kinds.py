"""The kinds' registry (targets/kinds.py) holds every kind, and what it says is what the code does."""

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise

from targets import figures, kinds
from targets.charts.figures_indicator import contribution_figure, projection_points, trend_figure
from targets.charts.figures_units import references
from targets.charts.style import value_title
from targets.excel.layout import VALUE_COLUMNS
from targets.forms import INPUT_FIELDS, FiguresForm
from targets.kinds import KINDS, kind_of
from targets.models import Indicator, Period, Plan, ProgressSnapshot, SubmissionVersion, Target, Unit
from targets.plan_calendar import Calendar
from targets.plan_schema import INDICATOR
from targets.selectors.dashboards import IndicatorStatusRow
from targets.selectors.indicator_progress import Contribution, Freshness, IndicatorPage, _axis_end, targets_path
from targets.selectors.unit_comparison import Cell, UnitLine, ranked_by_value
from targets.serializers.inputs import ValuesSerializer
from targets.tables_progress import ContributionTable, actual_text
from targets.templatetags import dashboards

Q3 = Period(code="2026Q3", year=2026, quarter=3, start=dt.date(2026, 7, 1), end=dt.date(2026, 9, 30), due=dt.date(2026, 10, 10))
ALL = list(KINDS.values())


def clean(kind: str, raw: dict, *, complete: bool) -> figures.Cleaned:
    with translation.override("en"):
        return figures.figures_clean(Indicator(code="X01-TEST", kind=kind), Q3, raw, complete=complete)


def test_every_kind_has_one_entry_and_every_entry_is_a_kind():
    assert list(KINDS) == list(Indicator.Kind.values)
    assert all(key == entry.value for key, entry in KINDS.items())
    assert kind_of(Indicator(kind="milestone")) is kind_of("milestone") is KINDS["milestone"]
    assert INDICATOR["properties"]["kind"]["enum"] == list(Indicator.Kind.values), "the plan file takes every kind"


@pytest.mark.parametrize("entry", ALL, ids=lambda e: e.value)
def test_a_submission_needs_what_the_entry_calls_required_and_a_draft_nothing(entry):
    empty = clean(entry.value, {}, complete=True)
    assert set(empty.errors) == set(entry.required)
    with translation.override("en"):
        assert all(str(entry.field(name).missing) in empty.errors[name] for name in entry.required)
    assert clean(entry.value, {}, complete=False).errors == {}
    assert list(empty.values) == list(entry.value_names) == list(figures.fields_for(Indicator(kind=entry.value)))


def test_a_value_required_when_another_is_true_is_asked_for_then_only():
    (conditional,) = [(e, f) for e in ALL for f in e.fields if f.required_when]
    entry, value = conditional
    assert value.name in clean(entry.value, {value.required_when: "yes"}, complete=True).errors
    assert value.name not in clean(entry.value, {value.required_when: "no"}, complete=True).errors


@pytest.mark.parametrize("entry", ALL, ids=lambda e: e.value)
def test_every_input_check_and_unusual_rule_named_by_an_entry_exists(entry):
    for value in entry.fields:
        assert value.input in figures.PARSERS and value.input in INPUT_FIELDS
        assert value.name in SubmissionVersion.VALUE_FIELDS
        assert value.required or value.required_when or value.missing is None
        assert not (value.required or value.required_when) or value.missing is not None
    assert set(entry.checks) <= set(figures.CHECKS)
    assert set(entry.unusual) <= set(figures.UNUSUAL)
    assert set(entry.shown) <= set(kinds.SHOWN_INPUTS)
    assert set(entry.target_modes) <= set(Target.Mode.values)
    assert not entry.compare or hasattr(SubmissionVersion(), entry.compare)


def test_a_value_is_typed_the_same_in_every_kind_and_the_api_takes_them_all():
    for entry in ALL:
        for value in entry.fields:
            assert kinds.INPUTS[value.name] == value.input
    assert set(ValuesSerializer().fields) == set(kinds.INPUTS) == set(SubmissionVersion.VALUE_FIELDS)


@pytest.mark.parametrize("entry", ALL, ids=lambda e: e.value)
def test_the_form_and_the_excel_columns_are_the_entrys(entry):
    form = FiguresForm(indicator=Indicator(kind=entry.value))
    assert [field.name for field in form.figure_fields()] == [value.name for value in entry.fields]
    assert form.value_fields == entry.value_names
    assert entry.excel_columns <= set(VALUE_COLUMNS)
    assert entry.excel_columns | ({"items"} if entry.items_sheet else set()) == set(entry.value_names)


@pytest.mark.parametrize("entry", ALL, ids=lambda e: e.value)
def test_the_chart_and_the_values_are_described_by_known_words(entry):
    chart = entry.chart
    assert chart.trend in ("reach", "per_year", "")
    assert chart.axis == entry.scale
    assert chart.units in ("bars", "dots", "")
    assert chart.line_shape in ("linear", "hv")
    assert entry.scale in (kinds.SCALE_COUNT, kinds.SCALE_PERCENT, kinds.SCALE_SHARE, kinds.SCALE_NONE)
    assert bool(chart.trend) == entry.has_value == (not entry.rule.steps)
    assert not entry.numeric_target or entry.has_targets
    assert entry.has_value or (entry.rule.steps and not entry.has_targets)
    assert not entry.has_value or None not in (entry.rule.actual, entry.rule.no_value, entry.rule.completion)


def _texts(value):
    if isinstance(value, Promise):
        yield value
    elif isinstance(value, tuple):
        for part in value:
            yield from _texts(part)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from _texts(getattr(value, name))


def test_every_text_of_the_registry_is_in_the_chinese_catalogue():
    texts = [t for entry in ALL for t in _texts(entry)]
    texts += [getattr(kinds, name) for name in dir(kinds) if name.startswith("RULE_")]
    assert len(texts) > 50
    for text in texts:
        with translation.override("en"):
            english = str(text)
        with translation.override("zh-hans"):
            assert str(text) != english, f"not translated (a new msgid?): {english}"


# --- A kind is its entry: a made-up entry is drawn and written by the registry alone ------------------
# (no database: the pages' data are built in memory, as the selectors would return them)

KIND_NAMES = re.compile(r"\bKind\.(CUMULATIVE|RATIO_YTD|RATIO_LATEST|MILESTONE|NARRATIVE)\b")
ROOT = Path(__file__).resolve().parents[2]
# Where a kind may still be named: its enum, its entry, the two engines (its rule), the demo's
# generators and the migrations.
MAY_NAME_KINDS = {"targets/models/plan.py", "targets/kinds.py", "targets/progress.py", "targets/progress_sql.py", "targets/actions/demo.py"}


@pytest.fixture
def made_up(monkeypatch):
    """Return a function that adds a copy of an entry to the registry under a new name, and the name."""

    def add(original: str) -> str:
        name = f"made_up_{original}"
        monkeypatch.setitem(KINDS, name, dataclasses.replace(KINDS[original], value=name))
        return name

    return add


def _period(year: int, quarter: int) -> Period:
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - dt.timedelta(days=1)
    return Period(code=f"{year}Q{quarter}", year=year, quarter=quarter, start=start, end=end, due=end + dt.timedelta(days=10))


def _page(kind: str) -> IndicatorPage:
    """Return an indicator page of `kind` at 2024Q2 as indicator_progress builds it, from data in memory."""
    entry = kind_of(kind)
    plan = Plan(
        code="x", start=dt.date(2023, 1, 1), on_track_max_gap=Decimal(5), at_risk_max_gap=Decimal(15),
        maintain_at_risk_pp=Decimal(1),
    )
    indicator = Indicator(code="X01-TEST", kind=kind, plan=plan, baseline=Decimal(10), unit_zh="项", unit_en="items")
    cal = Calendar.starting(plan.start)
    periods = [_period(year, quarter) for year in (2023, 2024) for quarter in (1, 2, 3, 4)][:6]
    targets = []
    if kinds.MAINTAIN in entry.target_modes:
        targets = [
            Target(
                indicator=indicator, year=year, deadline=dt.date(year, 12, 31), mode=kinds.MAINTAIN, comparator=">=",
                value=Decimal(98),
            )
            for year in (2023, 2024)
        ]
    elif entry.has_targets:
        targets = [
            Target(
                indicator=indicator, year=2025, deadline=dt.date(2025, 12, 31), mode=kinds.REACH, comparator=">=",
                value=Decimal(50), stretch=Decimal(60),
            )
        ]
    target = targets[-1] if targets else None
    statuses = ["on_track", "at_risk", "off_track", "on_track", "achieved", "on_track"]
    city_rows = [
        ProgressSnapshot(
            period=p, status=status, actual=Decimal(12 + 3 * i) if entry.has_value else None, target=target,
            target_value=target.value if target else None, deadline=target.deadline if target else None,
            projected=Decimal(55) if target else None, mode=target.mode if target else "",
        )
        for i, (p, status) in enumerate(zip(periods, statuses))
    ]
    units = [Unit(code=f"3303{n:02d}", name_zh=f"单位{n}", name_en=f"Unit {n}", kind="county") for n in range(1, 4)]
    contributions = [
        Contribution(
            unit=u, row=ProgressSnapshot(period=periods[-1], status="on_track", actual=Decimal(n) if entry.has_value else None)
        )
        for n, u in enumerate(units, start=1)
    ]
    segments, expected = targets_path(indicator, targets, cal)
    page = IndicatorPage(
        indicator=indicator, plan=plan, cal=cal, periods=periods[::-1], period=periods[-1], city_rows=city_rows,
        targets=targets, unit_targets=[], segments=segments, expected=expected, contributions=contributions,
        reporting_units={1, 2, 3}, freshness=Freshness(None, None), is_demo=False,
    )
    page.axis_end_q = _axis_end(page)
    return page


def _json(figure) -> str | None:
    return None if figure is None else figure.to_json()


@pytest.mark.parametrize("entry", ALL, ids=lambda e: e.value)
def test_a_made_up_kind_is_charted_as_its_entry_says_without_any_other_change(entry, made_up):
    name = made_up(entry.value)
    original, copy = _page(entry.value), _page(name)
    assert copy.expected == original.expected and copy.axis_end_q == original.axis_end_q
    assert bool(copy.expected) == entry.chart.expected_path
    with translation.override("en"):
        assert _json(trend_figure(copy)) == _json(trend_figure(original))
        assert _json(contribution_figure(copy)) == _json(contribution_figure(original))
        assert value_title(copy.indicator) == value_title(original.indicator)
        assert projection_points(copy) == projection_points(original)
        assert references(copy.indicator, copy.city) == references(original.indicator, original.city)
    # …and what is drawn is what the entry says, whatever its name.
    trend = trend_figure(copy)
    assert (trend is None) == (not entry.chart.trend)
    assert (contribution_figure(copy) is None) == (not entry.chart.units)
    assert ranked_by_value(copy.indicator) == bool(entry.chart.units)
    assert copy.indicator.is_numeric == entry.has_value
    if trend is not None:
        actual = next(t for t in trend.data if t.meta == "actual")
        assert (actual.line.shape or "linear") == entry.chart.line_shape
        assert f"%{{y:{entry.chart.hover_format}}}" in actual.hovertemplate
        assert (trend.layout.yaxis.tickformat or "") == entry.chart.tickformat
        metas = {t.meta for t in trend.data}
        assert ("expected" in metas) == entry.chart.expected_path
        assert ("at_risk_line" in metas) == (entry.chart.trend == "per_year")
        assert ("projection" in metas) == entry.chart.projection


def _heatmap_row(indicator: Indicator, actual: Decimal, *, has_target: bool) -> str:
    cell = Cell(indicator=indicator, status="on_track", actual=actual, completion_pct=None, has_target=has_target)
    line = UnitLine(unit=Unit(code="330302", name_zh="鹿城区", name_en="Lucheng", kind="county"), cells=[cell])
    return render_to_string("targets/_indicator_heatmap_row.html", {"line": line, "is_city": False, "data": {"period": Q3}})


@pytest.mark.parametrize("entry", ALL, ids=lambda e: e.value)
def test_a_made_up_kind_is_written_as_its_entry_says_by_the_tables_and_templates(entry, made_up):
    name = made_up(entry.value)
    original, copy = _page(entry.value), _page(name)
    with translation.override("en"):
        rows = [IndicatorStatusRow(indicator=p.indicator, row=p.city_rows[-1]) for p in (original, copy)]
        for helper in (dashboards.actual, dashboards.target_short, dashboards.target):
            assert helper(rows[1]) == helper(rows[0])
        pace = Decimal("4.5")
        assert dashboards.quantity(pace, copy.indicator) == dashboards.quantity(pace, original.indicator)
        for value in (None, Decimal(0), Decimal(1), Decimal("97.25")):
            assert actual_text(value, name) == actual_text(value, entry.value)
        columns = [
            [(c.name, str(c.header)) for c in ContributionTable(p.contributions, kind=p.indicator.kind).columns]
            for p in (original, copy)
        ]
        assert columns[1] == columns[0]
        assert ("share" in dict(columns[1])) == entry.adds_up
        for actual, own in ((Decimal(1), False), (Decimal("12.5"), True)):
            assert _heatmap_row(copy.indicator, actual, has_target=own) == _heatmap_row(original.indicator, actual, has_target=own)
        shown = Template(
            "{% load kinds %}{% with kind=indicator|kind_of %}{{ kind.chart.heading }}|{{ kind.chart.help|default:'' }}|"
            "{{ kind.chart.units_help }}|{{ kind.has_unit }}|{{ kind.has_targets }}|{{ kind.adds_up }}{% endwith %}"
        )
        assert shown.render(Context({"indicator": copy.indicator})) == shown.render(Context({"indicator": original.indicator}))


def test_only_the_registry_the_engines_and_the_enum_name_a_kind():
    """Everything else asks the registry (the brief of issue 9: adding a kind is one entry plus the engines)."""
    named = []
    for path in sorted((ROOT / "targets").rglob("*.py")):
        where = str(path.relative_to(ROOT))
        if where in MAY_NAME_KINDS or "/migrations/" in where:
            continue
        named += [f"{where}:{n}" for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if KIND_NAMES.search(line)]
    assert named == []
    kind_words = "|".join(KINDS)
    compared = re.compile(r"\.kind\s*[!=]=\s*['\"](" + kind_words + r")['\"]")
    templates = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if compared.search(line)
    ]
    assert templates == []


def test_the_demo_has_figures_for_every_kind_and_stops_on_a_kind_without(made_up):
    from targets.actions.demo import DEMO_VALUES, demo_values_for

    assert set(DEMO_VALUES) == set(KINDS)
    name = made_up("cumulative")
    with pytest.raises(KeyError, match=f"no demo figures for indicator kind '{name}'.*targets/actions/demo.py"):
        demo_values_for(name)
