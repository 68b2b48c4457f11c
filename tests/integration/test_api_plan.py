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
    assert set(body["goals"][1]["indicators"]) == {"M01-STD", "G27-DEMO", "G27-NAR"}
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
    # one per measure, goal and safeguard (measure 13 keeps its two milestones beside its narrative)
    expected = {f"M{n:02d}-NAR" for n in range(1, 17)} | {"G25-NAR", "G27-NAR", "G35-NAR", "S01-NAR", "S02-NAR", "S03-NAR"}
    assert set(narratives) == expected
    assert len(indicators) == 41


@pytest.mark.django_db
def test_every_measure_safeguard_and_indicator_names_its_lead_and_partner_units(leader):
    body = client_for(leader).get("/api/v1/plan/").json()
    units = {u["code"] for u in body["units"]}
    measures = [m for a in body["areas"] for m in a["measures"]]
    for item in measures + body["safeguards"]:
        assert item["lead_unit"] in units and item["lead_unit"] != CITY, item["number"]
        assert set(item["partner_units"]) <= units - {CITY, item["lead_unit"]}
    indicators = all_indicators(body)
    for code, ind in indicators.items():
        assert ind["lead_unit"] in units, code
        # every unit that reports an indicator answers for it, as its lead or a partner
        assert set(ind["reporting_units"]) <= {ind["lead_unit"], *ind["partner_units"]}, code
    m11 = next(m for m in measures if m["number"] == 11)
    assert m11["lead_unit"] == "D-AMR" and {"D-HLT", "D-HUD", "D-TRN"} <= set(m11["partner_units"])
    assert indicators["M11-ECG"]["lead_unit"] == "D-MTI" and indicators["M11-ECG"]["partner_units"] == ["D-HLT"]
    assert indicators["M04-NAR"]["lead_unit"] == "D-AMR" and indicators["M04-NAR"]["partner_units"] == ["D-MTI"]
    assert body["safeguards"][1]["lead_unit"] == "D-FIN"
    g27 = next(i for i in body["goal_indicators"] if i["code"] == "G27-NAR")
    assert g27["goal"] == 2027 and g27["lead_unit"] == "D-AMR" and "G27-NAR" in body["goals"][1]["indicators"]


@pytest.mark.django_db
def test_the_schema_documents_lead_and_partner_units(leader):
    schema = client_for(leader).get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    ok = schema["paths"]["/api/v1/plan/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/Plan")
    for name in ("PlanMeasure", "PlanIndicator"):
        assert {"lead_unit", "partner_units"} <= set(components[name]["properties"]), name
        assert components[name]["properties"]["lead_unit"].get("nullable") is True


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
