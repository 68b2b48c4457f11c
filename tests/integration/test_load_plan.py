"""load_plan: the whole file is validated before anything is written; loads are idempotent."""

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.utils import translation

from targets.models import Area, Goal, Indicator, Measure, Period, Plan, Safeguard, Submission, Target, Unit
from targets.plan_file import PlanFileError, _dates_to_iso, validate_plan_data

from ..conftest import CITY, PLAN_FILE, ROOT, plan_file_data

MODELS = [Plan, Unit, Goal, Area, Measure, Safeguard, Indicator, Target, Period]


def database_state() -> dict:
    """Return every row of the plan's tables (and reporting links), to compare before and after."""
    state = {m.__name__: sorted(map(repr, m.objects.values())) for m in MODELS}
    state["reporting"] = sorted(Indicator.reporting_units.through.objects.values_list("indicator_id", "unit_id"))
    for model in (Measure, Safeguard, Indicator):
        state[f"{model.__name__} partners"] = sorted(model.partner_units.through.objects.values_list(f"{model.__name__.lower()}_id", "unit_id"))
    return state


def plan_data() -> dict:
    return plan_file_data()


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load(path: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("load_plan", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(path: Path) -> str:
    """Load a broken file; assert it is refused; return what the command said on stderr."""
    err = io.StringIO()
    with pytest.raises(CommandError), translation.override("en"):
        call_command("load_plan", str(path), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def find(items: list[dict], **match) -> dict:
    return next(item for item in items if all(item.get(k) == v for k, v in match.items()))


@pytest.mark.django_db
def test_it_loads_the_wenzhou_plan():
    out, _ = load(PLAN_FILE)
    plan = Plan.objects.get()
    assert plan.code in out
    assert plan.start.isoformat() == "2023-01-01"
    assert Area.objects.count() == 4
    assert sorted(Measure.objects.values_list("number", flat=True)) == list(range(1, 17))
    assert Safeguard.objects.count() == 3
    assert Unit.objects.filter(kind="county").count() == 12
    assert Unit.objects.get(code=CITY).kind == "city"
    assert Period.objects.filter(code="2023Q1").exists() and Period.objects.filter(code="2027Q4").exists()
    std = Indicator.objects.get(code="M01-STD")
    assert [(t.year, t.comparator, int(t.value)) for t in std.targets.order_by("year")] == [(2025, ">=", 50), (2027, ">=", 60)]


@pytest.mark.django_db
def test_loading_the_same_file_twice_changes_nothing_and_says_so():
    load(PLAN_FILE)
    before = database_state()
    out, _ = load(PLAN_FILE)
    assert "no changes" in out
    assert database_state() == before


@pytest.mark.django_db
def test_an_edited_file_updates_in_place_and_keeps_reported_figures(tmp_path, demo):
    figures = Submission.objects.count()
    increments = Submission.objects.aggregate(s=Sum("approved__increment"))["s"]
    std_id = Indicator.objects.get(code="M01-STD").pk
    data = plan_data()
    std = find(data["indicators"], code="M01-STD")
    std["targets"][0]["value"] = 55
    std["name"]["en"] = "Public measurement standards (edited)"
    # Drop an indicator that has figures: it must be retired, not deleted.
    data["indicators"] = [i for i in data["indicators"] if i["code"] != "M10-ENT"]
    out, _ = load(write(tmp_path, data))

    assert "updated" in out
    std_row = Indicator.objects.get(code="M01-STD")
    assert std_row.pk == std_id  # updated in place, not recreated
    assert std_row.name_en.endswith("(edited)")
    assert std_row.targets.get(year=2025).value == 55
    retired = Indicator.objects.get(code="M10-ENT")
    assert retired.active is False
    assert Submission.objects.count() == figures
    assert Submission.objects.aggregate(s=Sum("approved__increment"))["s"] == increments


BROKEN = [
    # (how to break the file, the key path the error must name, words of the reason)
    ("unknown key", lambda d: d["indicators"][0].update(colour="red"), "indicators[0].colour", ("unknown",)),
    ("missing key", lambda d: d["indicators"][2].pop("kind"), "indicators[2].kind", ("missing",)),
    ("bad kind", lambda d: d["indicators"][1].update(kind="average"), "indicators[1].kind", ("average",)),
    (
        "bad mode",
        lambda d: find(d["indicators"], code="M01-STD")["targets"][0].update(mode="exceed"),
        ".targets[0].mode",
        ("exceed",),
    ),
    (
        "duplicate indicator code",
        lambda d: d["indicators"].append(dict(find(d["indicators"], code="M01-STD"))),
        "indicators[41].code",
        ("M01-STD",),
    ),
    ("duplicate unit code", lambda d: d["units"].append(dict(d["units"][3])), "units[27].code", ("330",)),
    (
        "target without a deadline",
        lambda d: find(d["indicators"], code="M02-ITEM")["targets"][0].pop("deadline"),
        ".targets[0].deadline",
        ("missing",),
    ),
    (
        "unknown reporting unit",
        lambda d: find(d["indicators"], code="M12-AUD")["reporting_units"].append("339999"),
        ".reporting_units[13]",
        ("339999",),
    ),
    ("unknown parent unit", lambda d: d["units"][5].update(parent="330399"), "units[5].parent", ("330399",)),
    (
        "goal naming an unknown indicator",
        lambda d: d["goals"][1]["indicators"].append("M99-XXX"),
        "goals[1].indicators[3]",
        ("M99-XXX",),
    ),
    ("not a date", lambda d: d["plan"].update(start="2023-13-01"), "plan.start", ("2023-13-01",)),
    (
        "maintain target on a cumulative indicator",
        lambda d: find(d["indicators"], code="M01-STD")["targets"][0].update(mode="maintain"),
        ".targets[0].mode",
        ("ratio_ytd",),
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("breakage", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_file_is_refused_with_key_path_and_reason_and_nothing_is_written(tmp_path, breakage, plan):
    _, breaks, key_path, words = breakage
    before = database_state()  # the plan as loaded from PLAN_FILE (the `plan` state)
    data = plan_data()
    breaks(data)
    said = refused(write(tmp_path, data))
    assert key_path in said, said
    assert any(word in said for word in words), said
    assert database_state() == before


# Who answers for what (plans/FORMAT.md): checked before anything is written, as every rule above;
# the database side is the test above's, so these only ask the checks (no load, no database).
BROKEN_RESPONSIBILITIES = [
    (
        "measure without a lead unit",
        lambda d: d["areas"][0]["measures"][1].pop("lead"),
        "areas[0].measures[1].lead",
        ("missing",),
    ),
    (
        "the city as a partner",
        lambda d: d["safeguards"][2]["partners"].append("330300"),
        "safeguards[2].partners[2]",
        ("aggregate",),
    ),
    (
        "lead unit also a partner",
        lambda d: find(d["indicators"], code="M04-NAR")["partners"].append("D-AMR"),
        ".partners",
        ("D-AMR",),
    ),
    (
        "a reporting unit neither lead nor partner",
        lambda d: find(d["indicators"], code="M09-PROV").update(partners=[]),
        ".reporting_units[1]",
        ("D-EIT",),
    ),
    (
        "a narrative's lead that does not report it",
        lambda d: find(d["indicators"], code="M03-NAR").update(lead="D-EDU", partners=["D-AMR", "D-MTI", "D-HRS"]),
        ".lead",
        ("narrative",),
    ),
    (
        "an indicator's partner outside its measure's units",
        lambda d: find(d["indicators"], code="M04-NAR")["partners"].append("D-EDU"),
        ".partners",
        ("D-EDU",),
    ),
]


@pytest.mark.parametrize("breakage", BROKEN_RESPONSIBILITIES, ids=[b[0] for b in BROKEN_RESPONSIBILITIES])
def test_lead_and_partner_units_are_checked_with_key_path_and_reason(breakage):
    _, breaks, key_path, words = breakage
    data = plan_data()
    validate_plan_data(_dates_to_iso(data))  # the file as it is passes
    breaks(data)
    with pytest.raises(PlanFileError) as refused_with, translation.override("en"):
        validate_plan_data(_dates_to_iso(data))
    said = str(refused_with.value)
    assert key_path in said, said
    assert any(word in said for word in words), said


@pytest.mark.django_db
def test_a_broken_file_leaves_an_empty_database_empty(tmp_path):
    data = plan_data()
    data["indicators"][0]["targets"][0]["comparator"] = ">"
    said = refused(write(tmp_path, data))
    assert "indicators[0].targets[0].comparator" in said
    assert all(m.objects.count() == 0 for m in MODELS)


@pytest.mark.django_db
def test_invalid_yaml_is_refused_with_its_line(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("plan:\n  code: [unclosed\n", encoding="utf-8")
    said = refused(path)
    assert "YAML" in said
    assert Plan.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_file_is_refused(tmp_path):
    said = refused(tmp_path / "nope.yaml")
    assert "nope.yaml" in said


def test_every_assumption_of_the_catalogue_is_marked_in_the_file():
    data = plan_data()
    assert data["plan"].get("assumption"), "the plan start is an assumption"
    assert data["settings"].get("assumption"), "the due days are an assumption"
    departments = [u for u in data["units"] if u["kind"] == "department"]
    assert departments and all(u.get("assumption") for u in departments)
    for code in ("M01-COV", "M11-ECG", "M11-MAM", "M11-OPT", "M13-TWO", "M13-PIL"):
        target = find(data["indicators"], code=code)["targets"][0]
        assert target.get("assumption"), f"{code}: the deadline is an assumption"
    # Readings of the text that are choices: each is flagged on the target it concerns.
    std_2027 = find(find(data["indicators"], code="M01-STD")["targets"], year=2027)
    assert std_2027["value"] == 60 and std_2027["comparator"] == ">=" and "超过60项以上" in std_2027["assumption"]["zh"]
    assert "以上" in find(data["indicators"], code="M06-ACH")["targets"][0]["assumption"]["zh"], "15 achievements: no 以上"
    assert "B级或以上" in find(data["indicators"], code="M02-GRB")["targets"][0]["assumption"]["zh"]
    enterprises = find(data["indicators"], code="M10-ENT")
    assert enterprises.get("baseline", 0) == 0 and "2023年第一季度" in enterprises["targets"][0]["assumption"]["zh"]
    for code in ("M13-TWO", "M13-PIL"):  # 持续推进: what "done" means is said
        assert "“完成”指" in find(data["indicators"], code=code)["targets"][0]["assumption"]["zh"]
    # Who leads and partners is never in the text: every measure and safeguard says so.
    measures = [m for a in data["areas"] for m in a["measures"]]
    assert all(item.get("assumption") for item in measures + data["safeguards"])
    assert all("牵头" in i["assumption"]["zh"] for i in data["indicators"])


def test_the_file_names_no_machine_path_and_keeps_the_texts_punctuation():
    header = [line for line in PLAN_FILE.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert header and not any(re.search(r"(^|[\s(:])/(work|home|tmp|root|Users)\b", line[1:]) for line in header), header
    seed = ROOT.parent / "shared" / "seed" / "plan-zh-hans.txt"  # beside the repository when present
    titles = [a["title"]["zh"] for a in plan_data()["areas"]]
    # The area titles as the text writes them: (一)加强计量基础能力建设,保证量值准确可靠 — an ASCII comma.
    assert titles[0] == "加强计量基础能力建设,保证量值准确可靠"
    assert all("," in title and "，" not in title for title in titles)
    if seed.exists():
        text = seed.read_text(encoding="utf-8")
        assert all(title in text for title in titles)


def test_every_measure_safeguard_and_indicator_has_a_lead_and_every_measure_and_goal_a_narrative():
    data = plan_data()
    indicators = data["indicators"]
    measures = [m for a in data["areas"] for m in a["measures"]]
    assert all(item["lead"] for item in measures + data["safeguards"] + indicators)
    for measure in measures:
        narratives = [i for i in indicators if i["home"] == {"measure": measure["number"]} and i["kind"] == "narrative"]
        assert narratives, f"measure {measure['number']} has no quarterly narrative"
        assert any(n["lead"] == measure["lead"] and n["lead"] in n["reporting_units"] for n in narratives), measure["number"]
    for goal in data["goals"]:
        assert any(
            i["home"] == {"goal": goal["year"]} and i["kind"] == "narrative" and i["code"] in goal["indicators"] for i in indicators
        ), goal["year"]
    # Every department gets work from the text: none is listed only to report nothing.
    reporting = {u for i in indicators for u in i["reporting_units"]}
    assert {u["code"] for u in data["units"] if u["kind"] != "city"} <= reporting
    # The departments the text gives work: health (measure 11: 医疗器械), energy-using units (12),
    # agriculture-related instruments (14), transport and housing (11), commerce (14, 15).
    reports = {code: {i["code"] for i in indicators if code in i["reporting_units"]} for code in ("D-HLT", "D-DRC", "D-AGR", "D-TRN", "D-HUD", "D-COM")}
    assert "M11-NAR" in reports["D-HLT"] and "M12-NAR" in reports["D-DRC"] and "M14-NAR" in reports["D-AGR"]
    assert "M11-NAR" in reports["D-TRN"] and "M13-NAR" in reports["D-HUD"] and {"M14-NAR", "M15-NAR"} <= reports["D-COM"]


@pytest.mark.django_db
def test_the_loaded_plan_names_who_answers_for_each_part(tmp_path):
    load(PLAN_FILE)
    amr = Unit.objects.get(code="D-AMR")
    assert Measure.objects.filter(lead_unit__isnull=True).count() == 0 and Safeguard.objects.filter(lead_unit__isnull=True).count() == 0
    assert not Indicator.objects.filter(active=True, lead_unit__isnull=True).exists()
    m11 = Measure.objects.get(number=11)
    assert m11.lead_unit == amr and {"D-HLT", "D-HUD", "D-TRN", "D-MTI"} <= set(m11.partner_units.values_list("code", flat=True))
    assert Safeguard.objects.get(number=2).lead_unit.code == "D-FIN"
    ecg = Indicator.objects.get(code="M11-ECG")
    assert ecg.lead_unit.code == "D-MTI" and list(ecg.partner_units.values_list("code", flat=True)) == ["D-HLT"]
    assert "牵头" in m11.assumption_zh
    assert Indicator.objects.filter(active=True).count() == 41
    assert Indicator.objects.filter(active=True, kind="narrative").count() == 22
    # Changing who leads is an update in place, and a second load of the same file changes nothing.
    data = plan_data()
    measure = find([m for a in data["areas"] for m in a["measures"]], number=4)
    measure["lead"], measure["partners"] = "D-MTI", ["D-AMR"]
    find(data["indicators"], code="M04-NAR").update(lead="D-MTI", partners=["D-AMR"])
    out, _ = load(write(tmp_path, data))
    assert "updated" in out
    assert Measure.objects.get(number=4).lead_unit.code == "D-MTI"
    assert Indicator.objects.get(code="M04-NAR").lead_unit.code == "D-MTI"
    assert list(Measure.objects.get(number=4).partner_units.values_list("code", flat=True)) == ["D-AMR"]
    before = database_state()
    assert "no changes" in load(write(tmp_path, data))[0]
    assert database_state() == before


def test_the_command_explains_problems_in_chinese_by_default(tmp_path):
    data = plan_data()
    data["indicators"][0]["colour"] = "red"
    # A real process, as an administrator runs it; validation fails before the database is used.
    result = subprocess.run(
        [sys.executable, "manage.py", "load_plan", str(write(tmp_path, data))],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    said = result.stderr
    assert "indicators[0].colour" in said
    assert any("\u4e00" <= ch <= "\u9fff" for ch in said), said
