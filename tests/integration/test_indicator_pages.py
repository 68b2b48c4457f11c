"""The indicator progress page and the units comparison: who may see them, and that every number,
chart point and cell is the snapshot's (the rows GET /api/v1/progress/ returns)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone, translation

from targets.actions import submission_amend
from targets.actions.progress import progress_recompute, progress_recompute_all
from targets.charts.figures_indicator import trend_figure
from targets.models import Indicator, Period, ProgressSnapshot, Submission, SubmissionVersion, Unit, User
from targets.selectors.indicator_progress import indicator_progress

from ..conftest import client_for, plan_file_data, queries_to_get
from ..factories import approved, approved_in_bulk, draft, submitted
from .test_load_plan import find, write

TODAY = dt.date(2026, 11, 26)  # the reporting period is then 2026Q3 (the demo's last quarter)
CITY = "330300"
DASHBOARD_ROLES = ["leader", "reviewer", "auditor", "admin_user"]


# --- helpers --------------------------------------------------------------------------------------


class Tags(HTMLParser):
    """Collect every start tag's attributes, with the id of the table it sits in."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[dict] = []
        self._tables: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._tables.append(attrs.get("id", ""))
        attrs["_tag"] = tag
        attrs["_table"] = self._tables[-1] if self._tables else ""
        self.tags.append(attrs)

    def handle_endtag(self, tag):
        if tag == "table" and self._tables:
            self._tables.pop()

    def rows(self, table: str, key: str = "data-unit") -> list[dict]:
        return [t for t in self.tags if t["_tag"] == "tr" and t["_table"] == table and key in t]

    def with_class(self, css_class: str) -> list[dict]:
        return [t for t in self.tags if css_class in (t.get("class") or "").split()]


def text_of(html: str) -> str:
    """Return the page's text, tags removed and white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" .", ".")


def embedded_chart(html: str, div_id: str) -> dict:
    """Return the figure plotly is asked to draw in `div_id`: {"data", "layout", "config"}, the JSON
    in the <script type="application/json"> element its data-figure attribute names."""
    assert re.search(r'<div [^>]*id="' + re.escape(div_id) + r'" data-figure="' + re.escape(div_id) + r'-data"', html), f"no chart {div_id}"
    match = re.search(r'<script type="application/json" id="' + re.escape(div_id) + r'-data">(.*?)</script>', html, re.DOTALL)
    assert match, f"no figure {div_id} in the page"
    return json.loads(match.group(1))


def embedded_figure(html: str, div_id: str) -> list[dict]:
    """Return the traces plotly is asked to draw in `div_id`."""
    return embedded_chart(html, div_id)["data"]


def api_rows(client, **params) -> list[dict]:
    response = client.get("/api/v1/progress/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def q_of(code: str) -> int:
    """Return q(p) for a plan starting 2023Q1."""
    return (int(code[:4]) - 2023) * 4 + int(code[-1])


def dec(value: str) -> Decimal:
    return Decimal(value) if value != "" else None


def fmt(value) -> str:
    """Format as the pages do for the rule text (floatformat:"-2")."""
    value = Decimal(str(value)).quantize(Decimal("0.01"))
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value)


@pytest.fixture
def computed(demo):
    """The demo figures with their snapshots computed as of TODAY."""
    progress_recompute_all(trigger="test", today=TODAY)


def indicator_page(client, code: str, **params):
    return client.get(f"/progress/indicators/{code}/", params)


# --- access -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", DASHBOARD_ROLES)
def test_it_shows_both_pages_to_leaders_reviewers_auditors_and_admins(computed, role, request):
    client = client_for(request.getfixturevalue(role))
    assert indicator_page(client, "M01-STD").status_code == 200
    assert client.get("/progress/counties/").status_code == 200


@pytest.mark.django_db
def test_it_refuses_reporters_and_sends_strangers_to_log_in(computed, reporter):
    client = client_for(reporter)
    assert indicator_page(client, "M01-STD").status_code == 403
    assert client.get("/progress/counties/").status_code == 403
    from django.test import Client

    anonymous = Client().get("/progress/counties/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


@pytest.mark.django_db
def test_an_unknown_indicator_is_404(computed, leader):
    assert indicator_page(client_for(leader), "NOPE").status_code == 404


@pytest.mark.django_db
def test_an_unknown_period_falls_back_to_the_latest_with_a_message(computed, leader):
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    response = indicator_page(client, "M01-STD", period="2031Q9")
    assert response.status_code == 200
    assert "2031Q9" in response.content.decode() and 'aria-invalid="true"' in response.content.decode()
    assert response.context["page"].period.code == "2026Q3"
    counties = client.get("/progress/counties/", {"period": "1999Q1"})
    assert counties.context["data"].period.code == "2026Q3" and "1999Q1" in counties.content.decode()


# --- the trend chart --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_trend_chart_draws_the_citys_snapshot_rows(computed, leader):
    client = client_for(leader)
    html = indicator_page(client, "M01-STD", period="2026Q3").content.decode()
    traces = embedded_figure(html, "trend-chart")
    actual = next(t for t in traces if t["meta"] == "actual")
    rows = api_rows(client, indicator="M01-STD", unit=CITY, period="all")
    rows = [r for r in rows if q_of(r["period"]) <= q_of("2026Q3")]
    assert actual["x"] == [r["period"] for r in rows]
    assert actual["y"] == pytest.approx([r["actual"] for r in rows])
    assert actual["x"][0] == "2023Q1" and actual["x"][-1] == "2026Q3"


@pytest.mark.django_db
def test_an_earlier_period_draws_the_trend_up_to_it(computed, leader):
    html = indicator_page(client_for(leader), "M01-STD", period="2024Q2").content.decode()
    actual = next(t for t in embedded_figure(html, "trend-chart") if t["meta"] == "actual")
    assert actual["x"][-1] == "2024Q2" and len(actual["x"]) == 6


@pytest.mark.django_db
def test_the_expected_path_targets_and_projection_follow_the_rules(computed, leader):
    """M01-STD: ≥ 50 by 2025 (q(D) = 12), ≥ 60 by 2027 (q(D) = 20), baseline 0."""
    page = indicator_progress(Indicator.objects.get(code="M01-STD"), "2026Q3")
    traces = trend_figure(page).data
    expected = [t for t in traces if t.meta == "expected"]
    points = {x: y for t in expected for x, y in zip(t.x, t.y)}
    assert len(points) == 20  # 2023Q1 … 2027Q4, the path to each target over its own quarters
    for code, y in points.items():
        q = q_of(code)
        assert y == pytest.approx(50 * q / 12 if q <= 12 else 60 * q / 20), code
    targets = [(t.x, t.y) for t in traces if t.meta == "target"]
    assert (("2023Q1", "2025Q4"), (50.0, 50.0)) in targets and (("2026Q1", "2027Q4"), (60.0, 60.0)) in targets

    # The projection: from the actual at 2026Q3 to A + recent pace · r at the deadline quarter.
    projection = next(t for t in traces if t.meta == "projection")
    actual = Submission.objects.filter(indicator__code="M01-STD", approved__isnull=False, period__start__lte="2026-07-01").aggregate(
        s=Sum("approved__increment"))["s"]
    last4 = Submission.objects.filter(
        indicator__code="M01-STD", approved__isnull=False, period__code__in=["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    ).aggregate(s=Sum("approved__increment"))["s"]
    r = 20 - 15
    assert projection.x == ("2026Q3", "2027Q4")
    assert projection.y == pytest.approx((float(actual), float(actual + last4 / 4 * r)))
    api = api_rows(client_for(leader), indicator="M01-STD", unit=CITY, period="2026Q3")[0]
    assert projection.y[1] == pytest.approx(api["projected"])


@pytest.mark.django_db
def test_a_stretch_value_is_drawn_as_a_dashed_line(computed):
    page = indicator_progress(Indicator.objects.get(code="M09-PROV"), "2025Q2")
    stretch = next(t for t in trend_figure(page).data if t.meta == "stretch")
    assert stretch.y == (2.0, 2.0) and stretch.line.dash == "dash"


@pytest.mark.django_db
def test_a_maintain_target_shows_the_year_to_date_ratio_with_the_98_line(computed, leader):
    client = client_for(leader)
    page = indicator_progress(Indicator.objects.get(code="M14-RATE"), "2026Q3")
    traces = trend_figure(page).data
    drawn = {x: y for t in traces if t.meta == "actual" for x, y in zip(t.x, t.y)}
    rows = {r["period"]: r["actual"] for r in api_rows(client, indicator="M14-RATE", unit=CITY, period="all")}
    assert drawn == pytest.approx({p: v for p, v in rows.items() if q_of(p) <= 15})
    assert len([t for t in traces if t.meta == "actual"]) == 4  # one line per year: the ratio restarts each January
    assert {y for t in traces if t.meta == "target" for y in t.y} == {98.0}
    assert {y for t in traces if t.meta == "at_risk_line" for y in t.y} == {96.0}  # 98 − the 2 pp margin
    assert not [t for t in traces if t.meta in ("expected", "projection")]


@pytest.mark.django_db
def test_a_milestone_shows_the_share_done(computed, leader):
    page = indicator_progress(Indicator.objects.get(code="M13-PIL"), "2026Q3")
    actual = next(t for t in trend_figure(page).data if t.meta == "actual")
    city = ProgressSnapshot.objects.get(indicator__code="M13-PIL", unit__code=CITY, period__code="2026Q3")
    assert actual.y[-1] == float(city.actual) and 0 <= actual.y[-1] <= 1


@pytest.mark.django_db
def test_a_narrative_gets_a_status_timeline_instead_of_a_chart(computed, leader):
    html = indicator_page(client_for(leader), "M03-NAR", period="2026Q3").content.decode()
    assert "trend-chart" not in html
    tags = Tags(html)
    cells = [t for t in tags.tags if t["_table"] == "status-timeline" and t["_tag"] == "td"]
    rows = ProgressSnapshot.objects.filter(indicator__code="M03-NAR").select_related("unit")
    units = {r.unit.code for r in rows}
    assert len(cells) == len(units) * 15
    lines = tags.rows("status-timeline")
    assert lines[0]["data-unit"] == CITY  # the city first
    city = list(rows.filter(unit__code=CITY).order_by("period__start").values_list("status", flat=True))
    first_line = cells[:15]
    assert [c["data-status"] for c in first_line] == city


@pytest.mark.django_db
def test_a_narratives_city_status_is_its_lead_units_with_the_count_per_status_beside_it(computed, leader):
    html = indicator_page(client_for(leader), "M12-NAR", period="2026Q3").content.decode()
    tags = Tags(html)
    units = ProgressSnapshot.objects.filter(indicator__code="M12-NAR", period__code="2026Q3").select_related("unit")
    by_unit = {r.unit.code: r.status for r in units}
    counts = {t["data-status"]: int(t["data-count"]) for t in tags.tags if t["_tag"] == "li" and "data-count" in t}
    unit_statuses = [s for code, s in by_unit.items() if code != CITY]
    assert counts == {s: unit_statuses.count(s) for s in ("off_track", "at_risk", "on_track", "no_data")}
    assert sum(counts.values()) == Indicator.objects.get(code="M12-NAR").reporting_units.count() == 5
    (tile,) = tags.with_class("tile-self-statuses")
    assert tile["data-lead"] == "D-AMR"
    status = next(t for t in tags.with_class("tile-status"))["data-status"]
    if by_unit["D-AMR"] != "no_data":  # the lead has reported: its status is the city's
        assert status == by_unit[CITY] == by_unit["D-AMR"]
    # One unit's red is visible beside a city that is not red (somewhere in the demo's quarters).
    red_somewhere = ProgressSnapshot.objects.filter(
        indicator__kind="narrative", status="off_track", unit__kind__in=["county", "department"]
    ).values_list("indicator_id", "period_id")
    city_not_red = set(ProgressSnapshot.objects.filter(
        indicator__kind="narrative", unit__code=CITY).exclude(status="off_track").values_list("indicator_id", "period_id"))
    assert any(pair in city_not_red for pair in red_somewhere)


# --- the rule in words ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_rule_text_shows_the_current_numbers(computed, leader):
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    html = indicator_page(client, "M01-STD", period="2024Q2").content.decode()
    rule = text_of(html[html.index('id="rule"'):html.index('id="units"')])
    row = api_rows(client, indicator="M01-STD", unit=CITY, period="2024Q2")[0]
    a = fmt(row["actual"])
    assert f"A = 0 + {a} = {a}" in rule
    assert "q(2024Q2) = 6" in rule and "q(D) = 12" in rule
    assert "τ = 100 · q(p) / q(D) = 100 · 6 / 12 = 50%" in rule
    assert f"c = 100 · (A − B) / (T − B) = 100 · ({a} − 0) / (50 − 0) = {fmt(row['completion_pct'])}%" in rule
    assert f"g = τ − c = 50 − {fmt(row['completion_pct'])} = {fmt(row['gap_pp'])} percentage points" in rule
    status = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track"}[row["status"]]
    assert f"{fmt(row['gap_pp'])} percentage points → {status}" in rule
    assert "r = q(D) − q(p) = 12 − 6 = 6" in rule
    assert f"({fmt(50)} − {a}) / 6 = {fmt(row['required_pace'])} per quarter" in rule
    assert f"= {a} + {fmt(row['recent_pace'])} · 6 = {fmt(row['projected'])}" in rule


@pytest.mark.django_db
def test_the_rule_text_of_a_ratio_shows_the_sums_not_an_average(computed, leader):
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    html = indicator_page(client, "M14-RATE", period="2025Q3").content.decode()
    rule = text_of(html[html.index('id="rule"'):html.index('id="units"')])
    sums = Submission.objects.filter(
        indicator__code="M14-RATE", approved__isnull=False, period__code__in=["2025Q1", "2025Q2", "2025Q3"]
    ).aggregate(n=Sum("approved__numerator"), d=Sum("approved__denominator"))
    row = api_rows(client, indicator="M14-RATE", unit=CITY, period="2025Q3")[0]
    assert f"A = 100 · {fmt(sums['n'])} / {fmt(sums['d'])} = {fmt(row['actual'])}%" in rule
    assert "Before the fourth quarter" in rule


# --- the units' contributions ---------------------------------------------------------------------------


@pytest.fixture
def baseline_plan(tmp_path, demo):
    """The plan with a baseline of 100 enterprises for M10-ENT, computed as of TODAY."""
    data = plan_file_data()
    find(data["indicators"], code="M10-ENT")["baseline"] = 100
    with translation.override("en"):
        call_command("load_plan", str(write(tmp_path, data)), stdout=io.StringIO(), stderr=io.StringIO())
    progress_recompute_all(trigger="test", today=TODAY)


@pytest.mark.django_db
def test_contributions_add_up_to_the_city_total_less_the_baseline(baseline_plan, leader):
    client = client_for(leader)
    html = indicator_page(client, "M10-ENT", period="2026Q3").content.decode()
    tags = Tags(html)
    values = [Decimal(t["data-actual"]) for t in tags.tags if t["_table"] == "contributions-table" and "data-actual" in t]
    shares = [Decimal(t["data-share"]) for t in tags.tags if t["_table"] == "contributions-table" and "data-share" in t]
    city = api_rows(client, indicator="M10-ENT", unit=CITY, period="2026Q3")[0]
    units = {r["unit"]: r["actual"] for r in api_rows(client, indicator="M10-ENT", period="2026Q3") if r["unit"] != CITY}
    assert len(values) == len([v for v in units.values() if v is not None]) == 13
    assert sum(values) == Decimal(str(city["actual"])) - 100
    assert sum(shares) == pytest.approx(Decimal(100))
    assert values == sorted(values, reverse=True)  # biggest contribution first
    bars = next(t for t in embedded_figure(html, "contribution-chart") if t["meta"] == "bars")
    assert sorted(bars["x"]) == sorted(float(v) for v in values)
    total = next(t for t in tags.tags if "data-total" in t)["data-total"]
    assert Decimal(total) == sum(values)


@pytest.mark.django_db
def test_a_unit_with_its_own_target_shows_its_own_status(tmp_path, demo, leader):
    data = plan_file_data()
    find(data["indicators"], code="M01-STD")["targets"].append(
        {"year": 2027, "deadline": "2027-12-31", "mode": "reach", "comparator": ">=", "value": 8, "unit": "330302"}
    )
    with translation.override("en"):
        call_command("load_plan", str(write(tmp_path, data)), stdout=io.StringIO(), stderr=io.StringIO())
    progress_recompute_all(trigger="test", today=TODAY)
    own = ProgressSnapshot.objects.get(indicator__code="M01-STD", unit__code="330302", period__code="2026Q3")
    html = indicator_page(client_for(leader), "M01-STD", period="2026Q3").content.decode()
    row = html[html.index('data-unit="330302"', html.index('id="contributions-table"')):]
    row = row[: row.index("</tr>")]
    assert f"st-{own.status}" in row and own.status in {"on_track", "at_risk", "off_track", "achieved"}
    counties = client_for(leader).get("/progress/counties/", {"period": "2026Q3"}).content.decode()
    cell = next(t for t in Tags(counties).with_class("hm-cell") if t["data-unit"] == "330302" and t["data-indicator"] == "M01-STD")
    assert cell["data-status"] == own.status and Decimal(cell["data-completion"]) == own.completion_pct


# --- the approved figures behind it -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_figures_table_lists_only_approved_versions(plan, reporter, other_reporter, reviewer, leader):
    first = approved(reporter, reviewer, "M01-STD", "2026Q2", increment="3", items="甲 | C-1\n乙 | C-2\n丙 | C-3")
    amended = submission_amend(
        user=reporter, submission=first, reason="更正", values={"increment": "5", "items": "\n".join(f"X{i} | C-{i}" for i in range(5))}
    )
    approved(reporter, reviewer, "M01-STD", "2026Q3", increment="1", items="丁 | C-9")
    draft(other_reporter, "M01-STD", "2026Q3", increment="7", items="\n".join(f"Y{i} | D-{i}" for i in range(7)))
    waiting = submitted(other_reporter, "M01-STD", "2026Q2", increment="4", items="\n".join(f"Z{i} | E-{i}" for i in range(4)))
    progress_recompute(indicator=Indicator.objects.get(code="M01-STD"), today=TODAY)

    client = client_for(leader)
    client.cookies["django_language"] = "en"
    html = indicator_page(client, "M01-STD").content.decode()
    rows = Tags(html).rows("approved-figures", "data-submission")
    listed = {int(r["data-submission"]): int(r["data-version"]) for r in rows}
    assert listed == {first.pk: 1, Submission.objects.get(unit=reporter.unit, period__code="2026Q3").pk: 1}
    assert waiting.pk not in listed
    table = html[html.index('id="approved-figures"'):]
    assert "+3 this quarter" in table and "+5 this quarter" not in table  # the amendment is not approved yet
    assert amended.current.number == 2
    assert f"/submissions/{first.pk}/" in table
    city = ProgressSnapshot.objects.get(indicator__code="M01-STD", unit__code=CITY, period__code="2026Q3")
    assert city.actual == 4  # 3 (approved, not the amended 5) + 1


@pytest.mark.django_db
def test_the_figures_table_filters_by_unit_and_period(computed, leader):
    client = client_for(leader)
    html = indicator_page(client, "M01-STD", **{"figures-unit": "330302", "figures-period": "2025Q1"}).content.decode()
    rows = Tags(html).rows("approved-figures", "data-submission")
    expected = Submission.objects.filter(indicator__code="M01-STD", unit__code="330302", period__code="2025Q1", approved__isnull=False)
    assert [int(r["data-submission"]) for r in rows] == [s.pk for s in expected]
    everything = indicator_page(client, "M01-STD").context["figures"]
    assert everything.paginator.count == Submission.objects.filter(indicator__code="M01-STD", approved__isnull=False).count()
    assert len(everything.page.object_list) == 25


# --- the units compared -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_heatmap_cells_are_the_snapshot_statuses(computed, leader):
    client = client_for(leader)
    html = client.get("/progress/counties/", {"period": "2026Q3", "scope": "all"}).content.decode()
    cells = [c for c in Tags(html).with_class("hm-cell") if c["data-status"]]
    api = {(r["indicator"], r["unit"]): r for r in api_rows(client, period="2026Q3")}
    assert len(cells) > 200
    for cell in cells:
        row = api[cell["data-indicator"], cell["data-unit"]]
        assert cell["data-status"] == row["status"]
        if row["completion_pct"] is not None:
            assert float(cell["data-completion"]) == pytest.approx(row["completion_pct"])
        if row["actual"] is not None:
            assert float(cell["data-actual"]) == pytest.approx(row["actual"])
    shown_units = {c["data-unit"] for c in cells}
    shown_indicators = {c["data-indicator"] for c in cells}
    missing = [k for k in api if k[1] in shown_units and k[0] in shown_indicators and k not in {(c["data-indicator"], c["data-unit"]) for c in cells}]
    assert not missing
    assert CITY in shown_units and "D-MTI" in shown_units
    order = [r["data-unit"] for r in Tags(html).rows("heatmap")]
    assert order[0] == CITY and order[1:13] == sorted(u.code for u in Unit.objects.filter(kind="county"))


@pytest.mark.django_db
def test_the_counties_are_shown_first_and_departments_on_request(computed, leader):
    client = client_for(leader)
    counties = [r["data-unit"] for r in Tags(client.get("/progress/counties/").content.decode()).rows("heatmap")]
    assert counties[1:] == sorted(u.code for u in Unit.objects.filter(kind="county", active=True))
    everyone = [r["data-unit"] for r in Tags(client.get("/progress/counties/", {"scope": "all"}).content.decode()).rows("heatmap")]
    assert everyone[1:13] == counties[1:] and {u.startswith("D-") for u in everyone[13:]} == {True}


@pytest.mark.django_db
def test_long_unit_lists_are_paged_each_list_on_its_own(computed, leader, monkeypatch):
    from targets.views import indicator_pages

    monkeypatch.setattr(indicator_pages, "UNITS_PER_PAGE", 5)  # a province-sized list, with Wenzhou's 24 units
    client = client_for(leader)
    response = client.get("/progress/counties/", {"scope": "all"})
    everyone = [line.unit.code for line in response.context["data"].lines]  # counties, then departments
    assert len(everyone) > 15
    first = client.get("/progress/counties/", {"scope": "all"}).content.decode()
    assert [r["data-unit"] for r in Tags(first).rows("heatmap")] == [CITY] + everyone[:5], "the city stays on every page"
    assert len(Tags(first).rows("unit-summary")) == 5
    pages = -(-len(everyone) // 5)
    assert "heatmap-page=2" in first and f"第 1 / {pages} 页" in first
    second = client.get("/progress/counties/", {"scope": "all", "heatmap-page": "2", "summary-page": "3"}).content.decode()
    assert [r["data-unit"] for r in Tags(second).rows("heatmap")] == [CITY] + everyone[5:10]
    ranks = [int(r["data-rank"]) for r in Tags(second).rows("unit-summary")]
    page_two = client.get("/progress/counties/", {"scope": "all", "summary-page": "2"}).content.decode()
    before = [int(r["data-rank"]) for r in Tags(page_two).rows("unit-summary")]
    # Places 11–15 (a rank shared by a tie may straddle the page break, so ranks are compared, not 11).
    assert len(ranks) == 5 and min(ranks) >= max(before) >= 6 and max(ranks) >= 11, "the summary is on its own third page"
    assert "heatmap-page=2" in re.search(r'href="([^"]*summary-page=2[^"]*)"', second).group(1), "the other list's page is kept"
    last = client.get("/progress/counties/", {"scope": "all", "heatmap-page": "99"}).content.decode()
    assert [r["data-unit"] for r in Tags(last).rows("heatmap")][1:] == everyone[(pages - 1) * 5:], "past the end: the last page"
    # The indicator page's contributions too.
    contributions = client.get("/progress/indicators/M01-STD/", {"units-page": "2"}).content.decode()
    assert len(Tags(contributions).rows("contributions-table")) == 5 and "units-page=3" in contributions


@pytest.mark.django_db
def test_rankings_are_ordered(computed, leader):
    client = client_for(leader)
    response = client.get("/progress/counties/", {"period": "2026Q3", "rank": "M10-ENT"})
    tags = Tags(response.content.decode())
    ranking = tags.rows("ranking-table")
    values = [Decimal(t["data-actual"]) for t in tags.tags if t["_table"] == "ranking-table" and t.get("data-actual")]
    ranks = [int(r["data-rank"]) for r in ranking]
    assert len(values) == 12 and values == sorted(values, reverse=True)
    assert ranks == sorted(ranks) and ranks[0] == 1
    for i in range(1, len(values)):  # ties share a rank, the next one skips (1, 2, 2, 4)
        assert ranks[i] == (ranks[i - 1] if values[i] == values[i - 1] else i + 1)
    api = {r["unit"]: r["actual"] for r in api_rows(client, indicator="M10-ENT", period="2026Q3")}
    assert [float(v) for v in values] == pytest.approx(sorted((v for u, v in api.items() if not u.startswith(("D-", CITY))), reverse=True))

    summary = response.context["data"].ranked
    goods = [line.good for line in summary]
    assert goods == sorted(goods, reverse=True)
    assert next(int(r["data-rank"]) for r in tags.rows("unit-summary")) == 1
    for line in summary:
        statuses = api_rows(client, unit=line.unit.code, period="2026Q3")
        assert line.good == sum(1 for r in statuses if r["status"] in ("achieved", "on_track"))


@pytest.mark.django_db
def test_reporting_completeness_per_unit_is_the_completeness_pages(computed, leader):
    """One definition (selectors.completeness): 洞头区 once showed 76% here and 92% on /completeness/."""
    from targets.selectors.completeness import COMPLETENESS_DEFINITION

    # Every unit of the plan file reports something: take the education bureau's one indicator away.
    Indicator.objects.get(code="S03-NAR").reporting_units.remove(Unit.objects.get(code="D-EDU"))
    client = client_for(leader)
    response = client.get("/progress/counties/", {"period": "2026Q3", "scope": "all"})
    spans = [t for t in Tags(response.content.decode()).tags if "data-complete" in t]
    reporting = Unit.objects.filter(active=True, reported_indicators__active=True).exclude(kind="city").distinct()
    assert len(spans) == reporting.count() == 25  # units with nothing to report (D-EDU) are left out
    matrix = client.get("/completeness/", {"period": "2026Q3"})
    by_unit = {line.unit.code: line for line in response.context["data"].lines}
    rows = {row.unit.code: row for row in matrix.context["matrix"].rows}
    for unit in reporting:
        line, row = by_unit[unit.code], rows[unit.code]
        assert (line.complete, line.assigned, line.completeness_pct) == (row.complete, row.assigned, row.percent), unit.name
        submitted_or_approved = Submission.objects.filter(
            unit=unit, period__code="2026Q3", status__in=("submitted", "approved"), indicator__active=True,
            indicator__reporting_units=unit,
        ).count()
        assert line.complete == submitted_or_approved
    assert any(line.completeness_pct < 100 for line in by_unit.values())  # the demo leaves some gaps
    with translation.override("zh-hans"):
        sentence = str(COMPLETENESS_DEFINITION)
    assert sentence in response.content.decode() and sentence in matrix.content.decode()


@pytest.mark.django_db
def test_the_heatmap_names_its_columns_groups_them_once_and_shows_values_with_units(computed, leader):
    html = client_for(leader).get("/progress/counties/", {"period": "2026Q3"}).content.decode()
    heads = [t for t in Tags(html).with_class("indicator-name")]
    names = {i.code: i.name_zh for i in Indicator.objects.all()}
    assert heads and all(h["aria-label"].split(" ", 1)[1] == names[h["aria-label"].split(" ", 1)[0]] for h in heads)
    shown = re.findall(r'class="vertical indicator-name"[^>]*>([^<]*)<', html)
    assert not any(re.fullmatch(r"[A-Z]\d{2}-[A-Z]+", text.strip()) for text in shown), "codes are not headers"
    groups = re.findall(r'<th scope="colgroup"[^>]*>([^<]*)</th>', html)
    assert len(groups) == len(set(groups)) and "措施15" in groups  # G27-DEMO joins measure 15's columns
    codes = [h["aria-label"].split(" ", 1)[0] for h in heads]
    assert codes.index("G27-DEMO") == codes.index("M15-PLG") + 1
    # A county's count without its own target: shaded by its step in the column, its unit shown.
    lucheng = re.search(r'<td class="hm-cell[^"]*" data-unit="330302" data-indicator="M15-PLG".*?</td>', html, re.S).group(0)
    assert re.search(r"shade-[1-4]", lucheng) and '<span class="hm-unit">家</span>' in lucheng
    rate = re.search(r'<td class="hm-cell[^"]*" data-unit="330302" data-indicator="M14-RATE".*?</td>', html, re.S).group(0)
    assert re.search(r">\d+\.\d%<", rate)


# --- cost: the same queries at 1× and 10× the data ----------------------------------------------------------

SCALED = ["M01-STD", "M14-RATE", "M02-GRA", "M11-ECG", "M03-NAR"]  # one of each kind


def _queries(client, path: str, params: dict) -> int:
    count, response = queries_to_get(client, path, params)
    assert response.status_code == 200
    return count


def _add_units(count: int) -> None:
    """Add `count` county units reporting one indicator of each kind every quarter, all approved."""
    city = Unit.objects.get(code=CITY)
    units = Unit.objects.bulk_create(
        [Unit(code=f"X{i:04d}", name_zh=f"测试县{i}", name_en=f"Test county {i}", kind=Unit.Kind.COUNTY, parent=city) for i in range(count)]
    )
    periods = list(Period.objects.filter(start__lte="2026-07-01").order_by("start"))

    def values_of(indicator, i):
        return {
            Indicator.Kind.CUMULATIVE: {"increment": Decimal(i % 3)},
            Indicator.Kind.RATIO_YTD: {"numerator": Decimal(980 + i), "denominator": Decimal(1000)},
            Indicator.Kind.RATIO_LATEST: {"numerator": Decimal(i % 2), "denominator": Decimal(1)},
            Indicator.Kind.MILESTONE: {"done": i > 8},
            Indicator.Kind.NARRATIVE: {"narrative": "测试", "self_status": "on_track"},
        }[indicator.kind]

    approved_in_bulk(
        units=units, indicators=Indicator.objects.filter(code__in=SCALED), periods=periods,
        reviewer=User.objects.get(username="reviewer"), values_of=values_of,
    )
    for indicator in Indicator.objects.filter(code__in=SCALED):
        progress_recompute(indicator=indicator, today=TODAY)


@pytest.mark.django_db
def test_the_pages_make_the_same_queries_at_1x_and_10x_the_data(computed, leader):
    client = client_for(leader)
    pages = [(f"/progress/indicators/{code}/", {"period": "2026Q3"}) for code in SCALED] + [
        ("/progress/indicators/M01-STD/", {"figures-unit": "330302", "figures-period": "2026Q2", "units-sort": "-actual"}),
        ("/progress/counties/", {"period": "2026Q3"}),
        ("/progress/counties/", {"period": "2026Q3", "scope": "all", "rank": "M14-RATE", "summary-sort": "unit"}),
    ]
    for path, params in pages:
        client.get(path, params)  # warm up caches (sessions, content types)
    before = [_queries(client, path, params) for path, params in pages]
    units_before = Unit.objects.exclude(kind="city").count()
    _add_units(9 * units_before)
    assert Unit.objects.exclude(kind="city").count() == 10 * units_before
    after = [_queries(client, path, params) for path, params in pages]
    assert after == before
    assert max(before) <= 25
    # … and the bigger data is really on the pages.
    response = client.get("/progress/counties/", {"period": "2026Q3"})
    assert "X0100" in {line.unit.code for line in response.context["data"].lines}
    assert response.context["heatmap_page"].paginator.count == len(response.context["data"].lines) > 100


# --- languages and the offline rule --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_pages_are_chinese_by_default_and_english_when_chosen(computed, leader):
    client = client_for(leader)
    indicator = Indicator.objects.get(code="M01-STD")
    chinese = indicator_page(client, "M01-STD").content.decode()
    assert '<html lang="zh-hans">' in chinese and indicator.name_zh in chinese and indicator.name_en not in chinese
    assert embedded_chart(chinese, "trend-chart")["config"]["locale"] == "zh-CN" and "js/plotly_zh_cn.js" in chinese
    client.cookies["django_language"] = "en"
    english = indicator_page(client, "M01-STD").content.decode()
    assert '<html lang="en">' in english and indicator.name_en in english
    assert "How this is computed" in english and "The approved figures behind it" in english
    assert embedded_chart(english, "trend-chart")["config"]["locale"] == "en"
    legend = [t["name"] for t in embedded_figure(english, "trend-chart")]
    assert "Actual (city)" in legend and any(name.startswith("Target 2027") for name in legend)
    counties = client.get("/progress/counties/").content.decode()
    assert "Overall ranking" in counties and "Lucheng" in counties


@pytest.mark.django_db
def test_the_pages_fetch_nothing_from_outside(computed, leader):
    client = client_for(leader)
    paths = [f"/progress/indicators/{code}/" for code in ("M01-STD", "M14-RATE", "M02-GRA", "M13-PIL", "M03-NAR")]
    paths += ["/progress/counties/?scope=all&rank=M14-RATE", "/progress/counties/"]
    for path in paths:
        html = client.get(path).content.decode()
        assert not re.search(r"https?://", html), path
        assert not re.search(r"""(?:src|href)\s*=\s*["']?//""", html), path
        assert html.count("plotly/plotly.min.js") == 1, path
        assert "cdn.plot.ly" not in html
        # Every chart is JSON drawn by the portal's own script, without plotly's link to plotly.com;
        # no script is inline (a strict Content-Security-Policy can follow).
        for div_id in re.findall(r'data-figure="([\w-]+)-data"', html):
            assert embedded_chart(html, div_id)["config"]["displaylogo"] is False, path
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.DOTALL)
        assert all("src=" in attrs or 'type="application/json"' in attrs for attrs, _body in scripts), path
        assert all(not body.strip() for attrs, body in scripts if "src=" in attrs), path
