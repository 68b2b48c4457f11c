"""The leaders' dashboards: the overview, a task area and a measure (/progress/…).

Every number on them is a snapshot row's, the same as GET /api/v1/progress/ serves, rounded only
for display; the tests compare both, and count queries at one and ten times the data.
"""

import datetime as dt
import json
import math
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from targets.actions.progress import progress_recompute_all
from targets.models import (
    Area,
    Indicator,
    Measure,
    Period,
    ProgressSnapshot,
    Submission,
    Target,
    Unit,
    User,
)
from targets.selectors.progress import last_computed

from ..conftest import client_for
from ..factories import approved, approved_in_bulk, requests_done, submitted

PAGES = ["/progress/", "/progress/areas/1/", "/progress/measures/1/"]
GREEN, YELLOW, RED, GREY = ("achieved", "achieved_late", "on_track"), ("at_risk",), ("off_track", "missed"), ("no_data", "no_target")


def page(client: Client, path: str, **params) -> str:
    response = client.get(path, params)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def api_row(client: Client, indicator: str, period: str, unit: str = "330300") -> dict:
    body = client.get("/api/v1/progress/", {"indicator": indicator, "unit": unit, "period": period}).json()
    assert body["count"] == 1, body
    return body["results"][0]


def latest_period_code() -> str:
    return ProgressSnapshot.objects.order_by("-period__start").values_list("period__code", flat=True).first()


def city_rows(period: str):
    return ProgressSnapshot.objects.filter(unit__code="330300", period__code=period, indicator__active=True)


def one_decimal(value) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def two_decimals(value) -> str:
    """The display of a count or pace: two decimals at most, trailing zeros dropped."""
    text = str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return text.rstrip("0").rstrip(".") if "." in text else text


def whole(value) -> str:
    """The display of a count of items: whole, half up (a mean per quarter too)."""
    return str(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def element(body: str, start: str, end: str) -> str:
    """Return the HTML from the first `start` marker to the next `end` after it."""
    assert start in body, start
    rest = body[body.index(start):]
    return rest[: rest.index(end)]


def rows_of(body: str, table_class: str) -> list[str]:
    table = element(body, f'class="data {table_class}"', "</table>")
    return re.findall(r"<tr [^>]*data-indicator=.*?</tr>", table, flags=re.DOTALL)


def attr(html: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', html)
    assert found, name
    return found.group(1)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def demo(computed):
    """The demo figures with their progress computed (the `computed` state of tests/conftest.py)."""


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_lets_leaders_reviewers_auditors_and_admins_in(demo, leader, reviewer, auditor, admin_user):
    for user in (leader, reviewer, auditor, admin_user):
        client = client_for(user)
        for path in PAGES:
            assert client.get(path).status_code == 200, (user.role, path)


@pytest.mark.django_db
def test_reporters_get_403(demo, reporter):
    client = client_for(reporter)
    for path in PAGES:
        assert client.get(path).status_code == 403, path


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(plan):
    for path in PAGES:
        response = Client().get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path


@pytest.mark.django_db
def test_an_unknown_area_or_measure_is_404(demo, leader):
    client = client_for(leader)
    assert client.get("/progress/areas/9/").status_code == 404
    assert client.get("/progress/measures/99/").status_code == 404


@pytest.mark.django_db
def test_an_unknown_period_is_explained_and_the_latest_is_shown(demo, leader):
    body = page(client_for(leader), "/progress/", period="2031Q9")
    assert 'id="dash-period-error"' in body and "2031Q9" in body
    assert re.search(rf'<option value="{latest_period_code()}"[^>]*selected', body)


# --- The overview -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_the_headline_targets_with_completion_and_time_elapsed(demo, leader):
    client = client_for(leader)
    period = latest_period_code()
    body = page(client, "/progress/")
    for code in ("M01-STD", "G27-DEMO"):  # the 2027 overall goal's indicators, first
        card = element(body, f'id="card-{code}"', "</article>")
        got = api_row(client, code, period)
        assert got["target"] in (60, 1000) and got["target_year"] == 2027
        assert attr(card, "data-status") == got["status"]
        assert float(attr(card, "data-actual")) == pytest.approx(got["actual"])
        assert float(attr(card, "data-completion")) == pytest.approx(got["completion_pct"])
        assert float(attr(card, "data-time-elapsed")) == pytest.approx(got["time_elapsed_pct"])
        text = visible_text(card)
        assert f"{one_decimal(got['completion_pct'])}%" in text and f"{one_decimal(got['time_elapsed_pct'])}%" in text
        assert "2027" in text  # the goal's tag and the target's deadline
    # The chart is built in Python and drawn by the portal's own plotly.js: nothing from outside.
    assert 'id="status-chart-data"' in body and "/static/plotly/plotly.min.js" in body
    assert not re.search(r"https?://", body)
    cards = re.findall(r'id="card-([A-Z0-9-]+)"', body)
    assert cards[:2] == ["M01-STD", "G27-DEMO"]
    # Each indicator leads to its own page, at the same period.
    link = reverse("targets:dashboard_indicator", args=["M01-STD"])
    assert f'href="{link}?period={period}"' in element(body, 'id="card-M01-STD"', "</article>")
    # Every card is a numeric target still running at the period; none is past its deadline.
    running = {
        r.indicator.code for r in city_rows(period).select_related("indicator", "period")
        if r.indicator.kind != Indicator.Kind.NARRATIVE and r.target_id and r.deadline >= r.period.start
    }
    assert set(cards) == running


@pytest.mark.django_db
def test_2025_results_are_verdicts_judged_at_2025q4(demo, leader):
    body = page(client_for(leader), "/progress/")
    section = element(body, 'id="final-2025"', "</table>")
    shown = {attr(r, "data-indicator"): r for r in re.findall(r"<tr [^>]*data-indicator=.*?</tr>", section, flags=re.DOTALL)}
    targets = Target.objects.filter(year=2025, unit__isnull=True, indicator__active=True)
    assert set(shown) == {t.indicator.code for t in targets.select_related("indicator")}
    verdicts = {"achieved": 0, "achieved_late": 0, "missed": 0}
    latest = latest_period_code()
    for target in targets.select_related("indicator"):
        at_deadline = ProgressSnapshot.objects.get(indicator=target.indicator, unit__code="330300", period__code="2025Q4")
        now = ProgressSnapshot.objects.get(indicator=target.indicator, unit__code="330300", period__code=latest)
        assert at_deadline.target_id == target.pk
        row = shown[target.indicator.code]
        assert attr(row, "data-period") == "2025Q4"
        assert attr(row, "data-status") == at_deadline.status
        verdict = attr(row, "data-verdict")
        verdicts[verdict] += 1
        if at_deadline.status == "achieved":
            assert verdict == "achieved"
        else:
            assert verdict in ("achieved_late", "missed")
        if now.target_id == target.pk:  # no later target: the verdict is the engine's row at the period
            assert attr(row, "data-final") == "1" and verdict == now.status
        assert ("✘" in row) == (verdict == "missed")
        if at_deadline.actual is not None:
            assert float(attr(row, "data-actual")) == pytest.approx(float(at_deadline.actual))
    assert all(verdicts.values()), verdicts  # the demo has all three
    heading = visible_text(element(section, "<h3>", "</h3>"))
    for n in verdicts.values():
        assert f"{n} " in heading


@pytest.mark.django_db
def test_a_target_met_after_its_deadline_is_achieved_late_and_shown_missed_at_the_deadline(demo, leader):
    """After the deadline the engine says `achieved_late`; the 2025 table shows the result at the
    deadline (missed) with the quarter it was met."""
    late = list(ProgressSnapshot.objects.filter(
        unit__code="330300", period__code=latest_period_code(), target__year=2025, status="achieved_late"
    ).values_list("indicator__code", flat=True))
    assert late, "the demo has a 2025 target met only after its deadline"
    assert not ProgressSnapshot.objects.filter(
        unit__code="330300", period__code="2025Q4", indicator__code__in=late, status="achieved").exists()
    client = client_for(leader)
    section = element(page(client, "/progress/"), 'id="final-2025"', "</table>")
    for code in late:
        row = re.search(rf'<tr [^>]*data-indicator="{code}".*?</tr>', section, flags=re.DOTALL).group(0)
        assert attr(row, "data-status") == "missed" and attr(row, "data-verdict") == "achieved_late"
        first_met = ProgressSnapshot.objects.filter(
            unit__code="330300", indicator__code=code, period__start__gt=dt.date(2025, 12, 31), status="achieved_late"
        ).order_by("period__start").values_list("period__code", flat=True).first()
        assert f"截止时未完成；{first_met} 逾期完成" in visible_text(row)
        # The area page says the same, and shows no gap for a verdict.
        got = api_row(client, code, latest_period_code())
        assert got["status"] == "achieved_late"
        assert got["time_elapsed_pct"] is got["completion_pct"] is got["gap_pp"] is got["required_pace"] is None


@pytest.mark.django_db
def test_status_counts_per_area_equal_counting_the_snapshots(demo, leader):
    for period in (latest_period_code(), "2025Q2"):
        body = page(client_for(leader), "/progress/", period=period)
        table = element(body, 'class="data dash-lights-table"', "</table>")
        for area in Area.objects.all():
            row = re.search(rf'<tr data-area="{area.number}">.*?</tr>', table, flags=re.DOTALL).group(0)
            snapshots = city_rows(period).filter(indicator__measure__area=area)
            for light, statuses in (("green", GREEN), ("yellow", YELLOW), ("red", RED), ("grey", GREY)):
                cell = re.search(rf'data-light="{light}" data-count="(\d+)"', row).group(1)
                assert int(cell) == snapshots.filter(status__in=statuses).count(), (period, area.number, light)
            assert int(attr(row, "data-total")) == snapshots.count() == Indicator.objects.filter(measure__area=area, active=True).count()
        # Narrative indicators count with their status, like the numeric ones.
        narratives = city_rows(period).filter(indicator__kind="narrative", indicator__measure__isnull=False).count()
        assert narratives and sum(int(attr(r, "data-total")) for r in re.findall(r'<tr data-area="\d">.*?</tr>', table, flags=re.DOTALL)) == (
            city_rows(period).filter(indicator__measure__isnull=False).count()
        )


@pytest.mark.django_db
def test_needs_attention_is_ordered_by_gap_with_required_and_recent_pace(demo, leader):
    client = client_for(leader)
    body = page(client, "/progress/", period="2025Q2")
    rows = rows_of(body, "dash-attention")
    expected = city_rows("2025Q2").filter(status__in=["at_risk", "off_track", "missed"])
    assert [attr(r, "data-indicator") for r in rows] and {attr(r, "data-indicator") for r in rows} == set(
        expected.values_list("indicator__code", flat=True)
    )
    # Lagging numeric targets first, those judged by their gap first, the largest first; milestones
    # (judged by the quarters left) say so instead of a gap; then the rest.
    groups = [attr(r, "data-attention") for r in rows]
    assert groups == sorted(groups, key=["lagging", "missed", "narrative"].index)
    kinds = dict(Indicator.objects.values_list("code", "kind"))
    lagging = [r for r in rows if attr(r, "data-attention") == "lagging"]
    by_gap = [r for r in lagging if kinds[attr(r, "data-indicator")] in ("cumulative", "ratio_latest")]
    assert lagging[: len(by_gap)] == by_gap
    gaps = [Decimal(attr(r, "data-gap")) for r in by_gap]
    assert gaps == sorted(gaps, reverse=True) and len(gaps) > 2
    for row in by_gap:
        assert "滞后" in visible_text(row) and "个百分点" in visible_text(row)
    milestones = [r for r in lagging if kinds[attr(r, "data-indicator")] == "milestone"]
    assert milestones and all("尚未完成，距截止日期" in visible_text(r) and "滞后" not in visible_text(r) for r in milestones)
    cumulative = [r for r in rows if 'data-required-pace="' in r]
    assert cumulative
    for row in cumulative:
        got = api_row(client, attr(row, "data-indicator"), "2025Q2")
        text = visible_text(row)
        assert float(attr(row, "data-required-pace")) == pytest.approx(got["required_pace"])
        assert float(attr(row, "data-recent-pace")) == pytest.approx(got["recent_pace"])
        # What is still needed is whole items, rounded up; the projection of items is whole.
        assert f"每季度 {math.ceil(got['required_pace'])} " in text and f"近期平均每季度 {two_decimals(got['recent_pace'])} " in text
        assert f"达到 {Decimal(str(got['projected'])).quantize(Decimal(1), rounding=ROUND_HALF_UP)} " in text


@pytest.mark.django_db
def test_it_says_when_the_numbers_were_computed_and_that_they_are_demo_data(demo, leader):
    body = page(client_for(leader), "/progress/")
    computed = last_computed()
    assert dt.datetime.fromisoformat(attr(body, "data-computed-at")) == computed["finished"]
    assert dt.datetime.fromisoformat(attr(body, "data-latest-approval")) == computed["latest_approval"]
    text = visible_text(body)
    assert timezone.localtime(computed["finished"]).strftime("%Y-%m-%d %H:%M") in text
    assert timezone.localtime(computed["latest_approval"]).strftime("%Y-%m-%d %H:%M") in text
    assert Submission.objects.filter(is_demo=True, approved__isnull=False).exists()
    assert 'class="demo-banner dash-demo"' in body


@pytest.mark.django_db
def test_real_figures_show_no_demo_notice(plan, reporter, reviewer, leader):
    approved(reporter, reviewer, "M01-STD", "2026Q3")
    progress_recompute_all(trigger="test")
    body = page(client_for(leader), "/progress/")
    assert "demo-banner" not in body
    assert 'data-computed-at="' in body


@pytest.mark.django_db
def test_without_computed_progress_the_overview_says_so(plan, leader):
    body = page(client_for(leader), "/progress/")
    assert 'id="card-' not in body and 'class="card muted"' in body


def card_actual(html: str, code: str) -> Decimal:
    found = re.search(rf'id="card-{code}".*?data-actual="([^"]*)"', html, flags=re.DOTALL)
    assert found, code
    return Decimal(found.group(1))


@pytest.mark.django_db
def test_the_overview_is_rendered_once_per_recompute_and_afresh_after_one(plan, reporter, reviewer, leader):
    client = client_for(leader)
    approved(reporter, reviewer, "M01-STD", "2026Q3")
    progress_recompute_all(trigger="test")
    first = page(client, "/progress/")
    assert card_actual(first, "M01-STD") == 2
    with CaptureQueriesContext(connection) as queries:
        again = page(client, "/progress/")
    assert visible_text(again) == visible_text(first)
    body_reads = [q["sql"] for q in queries.captured_queries if "targets_area" in q["sql"] or "targets_goal" in q["sql"]]
    assert not body_reads, "the body is served from the cache"
    # Another approval shows once it is recomputed: the cached body belongs to the older run.
    approved(reporter, reviewer, "M01-STD", "2026Q2")
    assert card_actual(page(client, "/progress/"), "M01-STD") == 2, "the numbers shown are the computed ones"
    progress_recompute_all(trigger="test")
    assert card_actual(page(client, "/progress/"), "M01-STD") == 4
    # Each period and each language has its own body.
    assert card_actual(page(client, "/progress/", period="2026Q2"), "M01-STD") == 2
    assert "Plan progress overview" not in visible_text(page(client, "/progress/"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/progress/"})
    english = page(client, "/progress/")
    assert "Plan progress overview" in visible_text(english) and card_actual(english, "M01-STD") == 4


@pytest.mark.django_db
def test_a_recompute_job_renders_the_overview_before_its_first_reader(plan, reporter, reviewer, leader):
    from django.core.cache import cache

    from tasks.progress import recompute_indicator

    requests_done()
    client = client_for(leader)
    approved(reporter, reviewer, "M01-STD", "2026Q3")
    assert "rows" in recompute_indicator.run(Indicator.objects.get(code="M01-STD").pk)
    with CaptureQueriesContext(connection) as queries:
        warmed = page(client, "/progress/")
    assert not [q for q in queries.captured_queries if "targets_area" in q["sql"]], "the first reader is served from the cache"
    assert card_actual(warmed, "M01-STD") == 2
    cache.clear()
    assert visible_text(page(client, "/progress/")) == visible_text(warmed), "the warmed body is the one a request renders"
    client.post("/i18n/setlang/", {"language": "en", "next": "/progress/"})
    cache.clear()
    recompute_indicator.run(Indicator.objects.get(code="M01-STD").pk)
    assert "Plan progress overview" in page(client, "/progress/")



@pytest.mark.django_db
def test_in_a_burst_only_the_last_recompute_job_renders_the_overview(plan, reporter, reviewer, leader):
    """Each run of a burst makes the previous rendering stale: only the run that leaves no request
    pending renders the overview ahead."""
    from tasks.progress import recompute_indicator

    requests_done()
    client = client_for(leader)
    approved(reporter, reviewer, "M01-STD", "2026Q3")
    approved(reporter, reviewer, "M14-RATE", "2026Q3")
    assert "rows" in recompute_indicator.run(Indicator.objects.get(code="M01-STD").pk)
    with CaptureQueriesContext(connection) as queries:
        page(client, "/progress/")
    assert [q for q in queries.captured_queries if "targets_area" in q["sql"]], "M14-RATE still pending: not rendered ahead"
    assert "rows" in recompute_indicator.run(Indicator.objects.get(code="M14-RATE").pk)
    with CaptureQueriesContext(connection) as queries:
        page(client, "/progress/")
    assert not [q for q in queries.captured_queries if "targets_area" in q["sql"]], "the last run of the burst rendered it"

# --- Task area and measure pages --------------------------------------------------------------


@pytest.mark.django_db
def test_the_area_page_lists_its_indicators_with_their_status(demo, leader):
    client = client_for(leader)
    period = latest_period_code()
    body = page(client, "/progress/areas/1/")
    area = Area.objects.get(number=1)
    indicators = Indicator.objects.filter(measure__area=area, active=True)
    for indicator in indicators:
        got = api_row(client, indicator.code, period)
        block = element(body, f'id="ind-{indicator.code}"', "</tr>" if indicator.is_numeric else "</ol>")
        assert attr(block, "data-status") == got["status"], indicator.code
        if got["actual"] is not None:
            assert float(attr(block, "data-actual")) == pytest.approx(got["actual"])
            if indicator.kind in ("ratio_ytd", "ratio_latest"):
                assert f"{one_decimal(got['actual'])}%" in visible_text(block)
    for measure in Measure.objects.filter(area=area):
        assert f'id="measure-{measure.number}"' in body


@pytest.mark.django_db
def test_the_area_page_shows_the_latest_approved_narratives_per_unit_newest_first(demo, leader):
    period = latest_period_code()
    body = page(client_for(leader), "/progress/areas/1/")
    block = element(body, 'id="ind-M03-NAR"', "</ol>")
    items = re.findall(r'<li data-unit="([^"]+)" data-period="([^"]+)">(.*?)</li>', block, flags=re.DOTALL)
    upto = Period.objects.get(code=period).start
    approved_subs = Submission.objects.filter(indicator__code="M03-NAR", approved__isnull=False, period__start__lte=upto)
    units = set(approved_subs.values_list("unit__code", flat=True))
    assert {u for u, _, _ in items} == units and len(items) == len(units)  # one text per unit
    starts = [code for _, code, _ in items]
    assert starts == sorted(starts, reverse=True)  # newest first (YYYYQn sorts as text)
    for unit_code, period_code, html in items:
        latest = approved_subs.filter(unit__code=unit_code).select_related("approved", "unit").order_by("-period__start").first()
        assert latest.period.code == period_code
        assert latest.approved.narrative in html and latest.unit.name in html
        assert f'data-self-status="{latest.approved.self_status}"' in html


@pytest.mark.django_db
def test_a_narrative_text_never_shows_before_it_is_approved(plan, reporter, reviewer, leader):
    approved(reporter, reviewer, "M16-NAR", "2026Q2", narrative="第二季度已完成培训。")
    submitted(reporter, "M16-NAR", "2026Q3", narrative="尚未审核的文字。")
    progress_recompute_all(trigger="test")
    body = page(client_for(leader), "/progress/measures/16/")
    assert "第二季度已完成培训。" in body and "尚未审核的文字。" not in body


@pytest.mark.django_db
def test_the_measure_page_has_the_full_text_collapsed_and_its_indicators(demo, leader):
    client = client_for(leader)
    body = page(client, "/progress/measures/2/")
    measure = Measure.objects.get(number=2)
    details = element(body, '<details class="card dash-fulltext">', "</details>")
    assert measure.text_zh[:40] in details and " open" not in details[:60]
    period = latest_period_code()
    for indicator in measure.indicators.filter(active=True):  # its table rows and its narrative (M02-NAR)
        tag = element(body, f'id="ind-{indicator.code}"', ">")
        assert attr(tag, "data-status") == api_row(client, indicator.code, period)["status"]
    assert 'class="dash-narrative" id="ind-M02-NAR"' in body
    # Targets due before the period show their final result at the deadline quarter.
    final = city_rows("2025Q4").get(indicator__code="M02-GRA")
    assert attr(element(body, 'id="ind-M02-GRA"', "</tr>"), "data-final-status") == final.status


@pytest.mark.django_db
def test_numbers_match_the_api_at_an_earlier_period(demo, leader):
    client = client_for(leader)
    body = page(client, "/progress/measures/1/", period="2024Q2")
    got = api_row(client, "M01-STD", "2024Q2")
    row = element(body, 'id="ind-M01-STD"', "</tr>")
    text = visible_text(row)
    assert f"{two_decimals(got['actual'])} " in text
    assert f"{one_decimal(got['completion_pct'])}%" in text and f"{one_decimal(got['time_elapsed_pct'])}%" in text
    gap = Decimal(str(got["gap_pp"]))
    assert f"{'滞后' if gap > 0 else '超前'} {one_decimal(abs(gap))} 个百分点" in text, "a gap in words, never a bare sign"
    assert attr(row, "data-status") == got["status"]
    assert f"每季度 {math.ceil(got['required_pace'])} " in text and f"近期平均每季度 {two_decimals(got['recent_pace'])} " in text


# --- Languages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_chinese_is_the_default(demo, leader):
    body = page(client_for(leader), "/progress/")
    assert '<html lang="zh-hans">' in body
    assert "新建、改造社会公用计量标准" in body


@pytest.mark.django_db
def test_the_english_pages_are_in_english(demo, leader):
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    for path in PAGES + ["/progress/areas/2/", "/progress/measures/2/"]:
        body = page(client, path)
        assert '<html lang="en">' in body
        # Reported narratives are the units' own words (Chinese); everything else must be English.
        body = re.sub(r'<p class="dash-text">.*?</p>', "", body, flags=re.DOTALL)
        # People's names are their own (the header names the leader: 王立新 in the demo).
        text = visible_text(body).replace(leader.shown_name, "")
        leftover = re.findall(r"[\u4e00-\u9fff]+", text.replace("简体中文", "").replace("力争", "").replace("计", ""))
        assert leftover == [], (path, leftover[:10])
    assert "Plan progress overview" in page(client, "/progress/")


# --- Cost does not grow with the data ---------------------------------------------------------


def _add_reporting_units(count: int, start: int, reviewer: User) -> None:
    """Create `count` more county-level units, each reporting every indicator for one quarter."""
    city = Unit.objects.get(code="330300")
    units = Unit.objects.bulk_create([
        Unit(code=f"39{n:04d}", name_zh=f"测试县{n}", name_en=f"Test county {n}", kind=Unit.Kind.COUNTY, parent=city)
        for n in range(start, start + count)
    ])
    approved_in_bulk(
        units=units, indicators=list(Indicator.objects.filter(active=True)), periods=[Period.objects.get(code="2026Q3")],
        reviewer=reviewer,
    )


def _query_counts(client: Client) -> dict[str, int]:
    counts = {}
    for path in PAGES:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counts[path] = len(queries)
    return counts


@pytest.mark.django_db
def test_each_page_makes_the_same_number_of_queries_at_ten_times_the_data(plan, reviewer, leader):
    client = client_for(leader)
    _add_reporting_units(2, 0, reviewer)
    progress_recompute_all(trigger="test")
    small = _query_counts(client)
    added = ProgressSnapshot.objects.filter(unit__code__startswith="39")
    small_rows = added.count()

    _add_reporting_units(18, 2, reviewer)  # 10× the units, figures and narratives
    progress_recompute_all(trigger="test")
    assert Submission.objects.filter(approved__isnull=False).count() == 10 * 2 * Indicator.objects.filter(active=True).count()
    assert added.count() == 10 * small_rows
    assert _query_counts(client) == small


# --- One story on the overview ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_overviews_cards_chart_attention_list_and_final_results_count_the_same_things(demo, leader):
    client = client_for(leader)
    period = latest_period_code()
    body = page(client, "/progress/")
    snapshots = city_rows(period)
    cards = dict(re.findall(r'data-light="(\w+)" data-count="(\d+)"', element(body, 'class="dash-totals"', "</section>")))
    cards = {light: int(n) for light, n in cards.items()}
    assert sum(cards.values()) == snapshots.count()
    # The per-area table and the chart: one bar per table row, the same counts, adding up to the cards.
    table = element(body, 'class="data dash-lights-table"', "</table>")
    table_rows = re.findall(r"<tr [^>]*data-area=.*?</tr>", table, flags=re.DOTALL)
    chart = json.loads(element(body, 'id="status-chart-data">', "</script>").split(">", 1)[1])
    bars = {trace["name"]: trace["x"] for trace in chart["data"]}
    assert all(len(x) == len(table_rows) for x in bars.values()), "a bar for every row of the table"
    for light, label in zip(("green", "yellow", "red", "grey"), bars):
        in_rows = [int(re.search(rf'data-light="{light}" data-count="(\d+)"', r).group(1)) for r in table_rows]
        assert bars[label] == in_rows and sum(in_rows) == cards[light], light
    # The attention list is exactly the red and yellow cards, each with why it is there.
    attention = rows_of(body, "dash-attention")
    assert int(attr(element(body, 'id="attention-heading"', "</h2>"), "data-count")) == len(attention)
    assert len(attention) == cards["red"] + cards["yellow"]
    for row in attention:
        why = visible_text(re.search(r'<td class="dash-why">(.*?)</td>', row, flags=re.DOTALL).group(1)).strip()
        assert why and why != "—", attr(row, "data-indicator")
    missed = [attr(r, "data-indicator") for r in attention if attr(r, "data-attention") == "missed"]
    assert sorted(missed) == sorted(snapshots.filter(status="missed").values_list("indicator__code", flat=True))
    # The final results of targets without a later one are the very verdicts the cards count.
    final_rows = re.findall(r'<tr [^>]*data-verdict=.*?</tr>', element(body, 'id="final-heading"', "</section>"), flags=re.DOTALL)
    final = [r for r in final_rows if attr(r, "data-final") == "1"]
    for verdict in ("achieved_late", "missed"):
        shown = sorted(attr(r, "data-indicator") for r in final if attr(r, "data-verdict") == verdict)
        counted = sorted(snapshots.filter(status=verdict, deadline__lt=dt.date(2026, 1, 1)).values_list("indicator__code", flat=True))
        assert shown == counted and shown, verdict
    # Counts of items are whole: no "77.75 项" in a projection or a required pace.
    assert not re.search(r"(?<!平均每季度 )\b\d+\.\d+ [项家]", visible_text(body)), "only a mean per quarter has decimals"


@pytest.mark.django_db
def test_no_row_past_its_last_deadline_shows_a_time_elapsed_or_a_gap(demo, leader):
    client = client_for(leader)
    body = page(client, "/progress/measures/1/")
    row = element(body, 'id="ind-M01-COV"', "</tr>")
    got = api_row(client, "M01-COV", latest_period_code())
    assert got["status"] == "missed" and got["gap_pp"] is None and got["time_elapsed_pct"] is None
    assert attr(row, "data-status") == "missed" and attr(row, "data-gap") == ""
    assert "已过截止日期，不计差距" in visible_text(row) and "data-time-elapsed" not in row and "滞后" not in row
    indicator = page(client, "/progress/indicators/M01-COV/")
    summary = element(indicator, 'class="summary-tiles', "</section>")
    assert "data-time-elapsed" not in summary and "data-gap" not in summary
