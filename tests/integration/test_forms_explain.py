"""Forms that explain themselves (issue 12, findings 4 and 5): each indicator's definition, what its
numerator and denominator count, how an item is written and what time one report covers — from the
plan file to the form, the Excel template and the API — and the form's side table of running figures."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from targets.kinds import covers_instruction
from targets.models import Indicator, Submission
from targets.plan_file import validate_plan_data
from targets.plan_loader import PlanFileError

from ..conftest import client_for
from ..factories import approved, draft, open_period, uscc

Q3 = "2026Q3"


def page(client, code: str, period: str = Q3) -> str:
    response = client.get(f"/report/{period}/{code}/")
    assert response.status_code == 200
    return response.content.decode()


def zh(text: str) -> str:
    with translation.override("zh-hans"):
        return escape(gettext(text))


@pytest.mark.django_db
def test_the_plan_files_definitions_reach_the_indicators(plan):
    rate = Indicator.objects.get(code="M14-RATE")
    assert "台件数" in rate.numerator_zh and "应受检" in rate.denominator_zh and rate.definition_en
    assert rate.covers == "quarter" and Indicator.objects.get(code="M01-COV").covers == "latest"
    assert Indicator.objects.get(code="M10-ENT").item_label_zh == "企业名称 | 统一社会信用代码"
    # A narrative without the keys gets its kind's default and no definition.
    narrative = Indicator.objects.get(code="M16-NAR")
    assert narrative.definition_zh == "" and narrative.covers == "quarter"


def test_a_plan_file_with_an_unknown_period_word_is_refused():
    from targets.plan_file import read_plan_file
    from pathlib import Path

    data = read_plan_file(Path(__file__).resolve().parents[2] / "plans" / "wenzhou.yaml")
    data["indicators"][0]["figures_cover"] = "this_week"
    with pytest.raises(PlanFileError) as refused:
        validate_plan_data(data)
    assert "figures_cover" in str(refused.value.problems)


@pytest.mark.django_db
def test_the_ratio_form_says_to_enter_the_quarters_counts_and_carries_the_years_earlier_ones(reporter, reviewer):
    approved(reporter, reviewer, "M14-RATE", "2025Q4", numerator="500", denominator="1000")  # another year
    approved(reporter, reviewer, "M14-RATE", "2026Q1", numerator="900", denominator="1000")
    approved(reporter, reviewer, "M14-RATE", "2026Q2", numerator="990", denominator="1000")
    open_period(Q3)
    body = page(client_for(reporter), "M14-RATE")
    rate = Indicator.objects.get(code="M14-RATE")
    with translation.override("zh-hans"):
        assert escape(covers_instruction(rate)) in body
    assert zh("This quarter's counts only; the year-to-date rate is computed: the portal adds up the numerators and denominators of the year's quarters.") in body
    assert escape(rate.definition_zh) in body and escape(rate.numerator_zh) in body and escape(rate.denominator_zh) in body
    # The plan text defines no indicator: the definition says it is a draft awaiting confirmation.
    assert "此口径由门户草拟，待市场监管局确认" in body.split('class="card report-definition"', 1)[1].split("</section>", 1)[0]
    assert escape(rate.assumption_zh) in body
    assert f'href="{reverse("targets:measure_detail", args=[14])}"' in body
    # The live rate adds the quarter being typed to the year's approved counts (2025Q4 is last year's).
    output = re.search(r"<p [^>]*data-ratio-output[^>]*>", body).group(0)
    assert 'data-year-numerator="1890"' in output and 'data-year-denominator="2000"' in output
    # The side table gives each earlier quarter's year-to-date rate: 2026Q2 = 1890 / 2000.
    side = body.split('class="report-side"', 1)[1]
    assert "94.5%" in side and "90.0%" in side


@pytest.mark.django_db
def test_count_forms_use_their_item_label_and_show_the_units_running_total_and_share(reporter, other_reporter, reviewer):
    approved(reporter, reviewer, "M15-PLG", "2026Q1", increment="2", items=f"甲店 | {uscc(9001)}\n乙店 | {uscc(9002)}")
    approved(reporter, reviewer, "M15-PLG", "2026Q2", increment="1", items=f"丙店 | {uscc(9003)}")
    approved(other_reporter, reviewer, "M15-PLG", "2026Q2", increment="1", items=f"丁店 | {uscc(9004, '330381')}")
    open_period(Q3)
    client = client_for(reporter)
    body = page(client, "M15-PLG")
    assert 'placeholder="经营者名称 | 统一社会信用代码"' in body and "标准装置名称" not in body
    assert 'placeholder="装置名称 | 证书编号"' in page(client, "M01-STD")
    side = body.split('class="report-side"', 1)[1]
    rows = re.findall(r"<tr><td class=\"code\">(\d{4}Q\d)</td>.*?</tr>", side, re.S)
    assert rows == ["2026Q2", "2026Q1"]
    q2 = re.search(r"2026Q2</td>(.*?)</tr>", side, re.S).group(1)
    q1 = re.search(r"2026Q1</td>(.*?)</tr>", side, re.S).group(1)
    assert '<td class="num">3</td>' in q2 and "75.0%" in q2  # 3 of the units' 4
    assert '<td class="num">2</td>' in q1 and "100.0%" in q1


@pytest.mark.django_db
def test_figures_without_items_do_not_read_as_an_error(reporter, reviewer):
    # A count without its items listed (a draft may leave them out; older figures had none).
    demo_version = draft(reporter, "M15-PLG", "2026Q2", increment="2", items="").current
    assert not demo_version.items
    from targets.kinds import kind_of

    with translation.override("zh-hans"):
        summary = kind_of("cumulative").summary(demo_version)
        expected = gettext("+%s this quarter") % f"{demo_version.increment:f}".rstrip("0").rstrip(".")
    assert summary == expected and "明细" not in summary  # not "（已列明细 0 项）"


@pytest.mark.django_db
def test_the_excel_instructions_and_the_api_carry_the_definitions(reporter):
    client = client_for(reporter)
    response = client.get(reverse("targets:excel_template", args=[Q3]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    text = "\n".join(str(c.value) for c in workbook.worksheets[0]["A"] if c.value)
    rate = Indicator.objects.get(code="M14-RATE")
    assert zh("What each indicator counts") in text
    assert rate.numerator_zh in text and rate.definition_zh in text and "经营者名称 | 统一社会信用代码" in text

    plan = client.get("/api/v1/plan/").json()
    found = [i for a in plan["areas"] for m in a["measures"] for i in m["indicators"] if i["code"] == "M14-RATE"][0]
    assert found["numerator"] == rate.numerator_zh and found["figures_cover"] == "quarter" and found["definition"]
    schema = client.get(reverse("targets:api_schema"), {"format": "json"}).content.decode()
    assert "figures_cover" in schema and "item_label" in schema
