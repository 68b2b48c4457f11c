"""GET /api/v1/plan/: the whole plan as JSON, for any logged-in user."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from ..conftest import CITY, client_for

CATALOGUE = {
    # code: (kind, [(year, mode, comparator, value, stretch, aspirational)])
    "M01-STD": ("cumulative", [(2025, "reach", ">=", 50, None, False), (2027, "reach", ">=", 60, None, False)]),
    "M01-COV": ("ratio_latest", [(2025, "reach", "=", 100, None, True)]),
    "M02-ITEM": ("cumulative", [(2025, "reach", ">=", 10, None, False)]),
    "M02-GRB": ("ratio_latest", [(2025, "reach", "=", 100, None, False)]),
    "M02-GRA": ("ratio_latest", [(2025, "reach", ">=", 60, None, False)]),
    "M06-ACH": ("cumulative", [(2025, "reach", ">=", 15, None, False)]),
    "M06-SPEC": ("cumulative", [(2025, "reach", ">=", 10, None, False)]),
    "M09-PROV": ("cumulative", [(2025, "reach", ">=", 1, 2, False)]),
    "M09-NATL": ("cumulative", [(2025, "reach", ">=", 1, None, True)]),
    "M10-ENT": ("cumulative", [(2025, "reach", ">=", 1200, None, False)]),
    "M11-ECG": ("milestone", [(2025, "reach", "=", 1, None, False)]),
    "M11-MAM": ("milestone", [(2025, "reach", "=", 1, None, False)]),
    "M11-OPT": ("milestone", [(2025, "reach", "=", 1, None, False)]),
    "M12-AUD": ("cumulative", [(2025, "reach", ">=", 50, None, False)]),
    "M13-TWO": ("milestone", [(2025, "reach", "=", 1, None, False)]),
    "M13-PIL": ("milestone", [(2025, "reach", "=", 1, None, False)]),
    "M14-RATE": ("ratio_ytd", [(y, "maintain", ">=", 98, None, False) for y in range(2023, 2028)]),
    "M15-PLG": ("cumulative", [(2025, "reach", ">=", 1000, None, False)]),
    "G27-DEMO": ("cumulative", [(2027, "reach", ">=", 1000, None, False)]),
}
COUNTIES = {"330302", "330303", "330304", "330305", "330324", "330326", "330327", "330328", "330329", "330381", "330382", "330383"}


def all_indicators(body: dict) -> dict:
    found = {}
    for area in body["areas"]:
        for measure in area["measures"]:
            for ind in measure["indicators"]:
                found[ind["code"]] = ind
    for sg in body["safeguards"]:
        for ind in sg["indicators"]:
            found[ind["code"]] = ind
    for ind in body["goal_indicators"]:
        found[ind["code"]] = ind
    return found


@pytest.mark.django_db
def test_it_shows_the_whole_plan(leader):
    response = client_for(leader).get("/api/v1/plan/")
    assert response.status_code == 200
    body = response.json()
    assert body["plan"]["code"] == "wenzhou-metrology"
    assert body["plan"]["start"] == "2023-01-01"
    assert body["plan"]["horizons"] == [2025, 2027, 2035]
    assert [g["year"] for g in body["goals"]] == [2025, 2027, 2035]
    assert set(body["goals"][1]["indicators"]) == {"M01-STD", "G27-DEMO"}
    assert [a["number"] for a in body["areas"]] == [1, 2, 3, 4]
    measures = [m for a in body["areas"] for m in a["measures"]]
    assert [m["number"] for m in measures] == list(range(1, 17))
    assert all(m["title"] and len(m["text"]) > 100 for m in measures)
    assert len(body["safeguards"]) == 3
    units = {u["code"]: u for u in body["units"]}
    assert units[CITY]["kind"] == "city" and units[CITY]["parent"] is None
    assert {c for c, u in units.items() if u["kind"] == "county"} == COUNTIES
    assert all(units[c]["parent"] == CITY for c in COUNTIES)


@pytest.mark.django_db
def test_every_catalogue_indicator_has_the_targets_the_text_states(leader):
    indicators = all_indicators(client_for(leader).get("/api/v1/plan/").json())
    for code, (kind, targets) in CATALOGUE.items():
        ind = indicators[code]
        assert ind["kind"] == kind, code
        got = [
            (t["year"], t["mode"], t["comparator"], t["value"], t["stretch"], t["aspirational"])
            for t in ind["targets"]
        ]
        assert got == targets, code
        assert all(t["deadline"] == f"{t['year']}-12-31" for t in ind["targets"]), code
        assert ind["reporting_units"] and CITY not in ind["reporting_units"], code
    # Numbers are JSON numbers, not strings.
    assert indicators["M01-STD"]["targets"][0]["value"] == 50
    assert isinstance(indicators["M01-STD"]["baseline"], int)
    narratives = [c for c, i in indicators.items() if i["kind"] == "narrative"]
    assert {"M03-NAR", "M04-NAR", "M05-NAR", "M07-NAR", "M08-NAR", "M16-NAR", "G25-NAR", "G35-NAR", "S01-NAR"} <= set(narratives)


@pytest.mark.django_db
def test_it_refuses_anonymous_callers_with_401(plan):
    response = Client().get("/api/v1/plan/")
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.django_db
def test_it_accepts_a_token(reporter):
    token = Token.objects.create(user=reporter)
    response = Client().get("/api/v1/plan/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert len(response.json()["areas"]) == 4


@pytest.mark.django_db
def test_it_refuses_a_bad_token(plan):
    response = Client().get("/api/v1/plan/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401


@pytest.mark.django_db
def test_it_speaks_chinese_by_default_and_english_when_chosen(leader):
    client = client_for(leader)
    zh = client.get("/api/v1/plan/").json()
    assert zh["areas"][0]["measures"][0]["title"] == "加强计量标准体系建设"
    client.cookies["django_language"] = "en"
    en = client.get("/api/v1/plan/").json()
    assert en["areas"][0]["measures"][0]["title"].startswith("Strengthen")
