"""GET /api/v1/progress/ matches a hand computation from the approved figures (PROGRESS-RULES.md)."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client

from targets.models import Submission

from ..conftest import CITY, client_for



def approved(code: str, **filters):
    return Submission.objects.filter(indicator__code=code, approved__isnull=False, **filters)


def row(client, **params) -> dict:
    body = client.get("/api/v1/progress/", params).json()
    assert body["count"] == 1, body
    return body["results"][0]


@pytest.mark.django_db
def test_cumulative_city_row_matches_a_hand_computation(computed, leader):
    got = row(client_for(leader), indicator="M01-STD", unit=CITY, period="2024Q2")
    actual = approved("M01-STD", period__start__lte="2024-04-01").aggregate(s=Sum("approved__increment"))["s"]
    assert got["actual"] == actual
    tau, c = Decimal(100) * 6 / 12, Decimal(100) * actual / 50
    assert got["time_elapsed_pct"] == 50
    assert got["completion_pct"] == pytest.approx(float(c))
    assert got["gap_pp"] == pytest.approx(float(tau - c))
    expected = "on_track" if tau - c <= 10 else "at_risk" if tau - c <= 30 else "off_track"
    assert got["status"] == expected
    assert got["required_pace"] == pytest.approx(float((50 - actual) / 6))
    last4 = approved("M01-STD", period__code__in=["2023Q3", "2023Q4", "2024Q1", "2024Q2"]).aggregate(s=Sum("approved__increment"))["s"]
    assert got["recent_pace"] == pytest.approx(float(last4 / 4))
    assert got["projected"] == pytest.approx(float(actual + last4 / 4 * 6))
    assert (got["target"], got["target_year"], got["deadline"], got["mode"]) == (50, 2025, "2025-12-31", "reach")
    assert set(got) == {
        "indicator", "unit", "period", "actual", "target", "target_year", "deadline", "mode", "time_elapsed_pct",
        "completion_pct", "gap_pp", "status", "required_pace", "recent_pace", "projected", "computed_at",
    }


@pytest.mark.django_db
def test_ratio_ytd_sums_numerators_and_denominators_of_the_year(computed, leader):
    got = row(client_for(leader), indicator="M14-RATE", unit=CITY, period="2025Q3")
    sums = approved("M14-RATE", period__code__in=["2025Q1", "2025Q2", "2025Q3"]).aggregate(n=Sum("approved__numerator"), d=Sum("approved__denominator"))
    assert got["actual"] == pytest.approx(float(100 * sums["n"] / sums["d"]))
    assert got["mode"] == "maintain" and got["target"] == 98 and got["target_year"] == 2025


@pytest.mark.django_db
def test_ratio_latest_uses_each_units_latest_state(computed, leader):
    got = row(client_for(leader), indicator="M02-GRA", unit=CITY, period="2025Q2")
    num = den = 0
    for unit in {s.unit_id for s in approved("M02-GRA")}:
        latest = approved("M02-GRA", unit_id=unit, period__start__lte="2025-04-01").order_by("-period__start").select_related("approved").first()
        if latest:
            num += latest.approved.numerator
            den += latest.approved.denominator
    assert got["actual"] == pytest.approx(float(100 * num / den))


@pytest.mark.django_db
def test_no_period_means_the_latest_and_units_have_rows(computed, leader):
    client = client_for(leader)
    latest = client.get("/api/v1/progress/", {"indicator": "M10-ENT"}).json()
    periods = {r["period"] for r in latest["results"]}
    assert len(periods) == 1
    units = {r["unit"] for r in latest["results"]}
    assert CITY in units and "330302" in units
    everything = client.get("/api/v1/progress/", {"indicator": "M10-ENT", "unit": CITY, "period": "all"}).json()
    assert everything["count"] == len({r["period"] for r in everything["results"]}) > 10
    assert latest["computed_at"]


@pytest.mark.django_db
def test_unknown_codes_are_a_400_with_errors(computed, leader):
    response = client_for(leader).get("/api/v1/progress/", {"indicator": "NOPE", "period": "2023Q9"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"indicator", "period"}


@pytest.mark.django_db
def test_reporters_see_the_city_and_their_own_unit_only(computed, reporter):
    units = {r["unit"] for r in client_for(reporter).get("/api/v1/progress/", {"indicator": "M10-ENT"}).json()["results"]}
    assert units == {CITY, "330302"}


@pytest.mark.django_db
def test_anonymous_callers_get_401(computed):
    assert Client().get("/api/v1/progress/").status_code == 401


@pytest.mark.django_db
def test_after_the_last_deadline_the_city_row_is_a_verdict_with_its_numbers_null(computed, leader):
    client = client_for(leader)
    # M10-ENT (≥ 1200 by 2025): 1117 at 2025Q4, met in 2026Q1 → missed at the deadline, then achieved late.
    at_deadline = row(client, indicator="M10-ENT", unit=CITY, period="2025Q4")
    assert at_deadline["status"] == "missed" and at_deadline["time_elapsed_pct"] == 100 and at_deadline["gap_pp"] is not None
    statuses = {}
    for period in ("2026Q1", "2026Q3"):
        got = row(client, indicator="M10-ENT", unit=CITY, period=period)
        statuses[period] = got["status"]
        assert got["actual"] >= 1200 and got["target"] == 1200 and got["deadline"] == "2025-12-31"
        for name in ("time_elapsed_pct", "completion_pct", "gap_pp", "required_pace", "recent_pace", "projected"):
            assert got[name] is None, (period, name)
    assert statuses == {"2026Q1": "achieved_late", "2026Q3": "achieved_late"}
    # The schema says so: the verdicts are among the statuses and those numbers may be null.
    schema = client.get("/api/schema/", {"format": "json"}).json()
    fields = schema["components"]["schemas"]["ProgressRowOut"]["properties"]
    assert fields["gap_pp"]["nullable"] and "behind" in fields["gap_pp"]["description"]
    status_schema = schema["components"]["schemas"][fields["status"]["allOf"][0]["$ref"].rsplit("/", 1)[1]] if "allOf" in fields["status"] else fields["status"]
    assert {"achieved", "achieved_late", "missed"} <= set(status_schema["enum"])
