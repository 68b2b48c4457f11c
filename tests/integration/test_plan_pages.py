"""The plan pages: login required everywhere, Chinese first, English complete, access per role."""

import re

import pytest
from django.test import Client

from targets.models import Measure, Safeguard, Unit

from ..conftest import CITY, PASSWORD, client_for, queries_to_get

PAGES = ["/plan/", "/plan/measures/1/", "/plan/measures/16/", "/units/", f"/units/{CITY}/", "/units/330302/", "/units/D-MTI/"]
ROLES = ["reporter", "other_reporter", "reviewer", "leader", "auditor", "admin_user"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES + ["/", "/admin/"])
def test_every_page_requires_login(plan, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", PAGES)
def test_every_role_reads_the_plan(request, role, path):
    user = request.getfixturevalue(role)
    response = client_for(user).get(path)
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_login_page_logs_in_and_out(reporter):
    client = Client()
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert "登录" in page.content.decode()
    response = client.post("/accounts/login/", {"username": "reporter_lucheng", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"  # the role's home
    assert client.get("/plan/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/plan/").status_code == 302


@pytest.mark.django_db
def test_a_wrong_password_is_refused_in_chinese_and_keeps_the_username(reporter):
    response = Client().post("/accounts/login/", {"username": "reporter_lucheng", "password": "wrong"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="reporter_lucheng"' in body
    assert "请输入" in body or "正确" in body


@pytest.mark.django_db
def test_the_overview_shows_goals_areas_measures_indicators_and_targets(leader):
    body = client_for(leader).get("/plan/").content.decode()
    for text in ("总体目标", "加强计量基础能力建设", "强化计量监管模式创新", "加强计量标准体系建设", "M01-STD", "M14-RATE", "加强组织领导"):
        assert text in body, text
    assert "≥ 50" in body and "2025-12-31" in body
    assert "≥ 60" in body and "2027-12-31" in body
    assert body.count('class="measure card"') == 16


@pytest.mark.django_db
def test_a_measure_page_has_its_full_text_indicators_and_units(leader):
    body = client_for(leader).get("/plan/measures/2/").content.decode()
    assert "全市新增强制检定项目10项以上" in body
    assert "M02-GRA" in body and "≥ 60" in body
    assert "鹿城区" in body and "龙港市" in body



@pytest.mark.django_db
def test_measure_and_safeguard_pages_name_their_lead_and_partner_units(leader):
    body = client_for(leader).get("/plan/measures/11/").content.decode()
    block = body.split('class="responsibility"', 1)[1].split("</dl>", 1)[0]
    assert 'data-lead="D-AMR"' in body and "温州市市场监督管理局" in block.split("lead-unit", 1)[1].split("</dd>", 1)[0]
    partners = block.split("partner-units", 1)[1]
    for code in ("D-HLT", "D-HUD", "D-TRN", "D-MTI"):
        assert f'data-unit="{code}"' in partners, code
    assert "牵头单位" in body and "配合单位" in body and "均为假定" in body  # the choice is flagged as assumed
    # Measure 11's qualitative parts are reported as a narrative, its three standards stay milestones.
    assert "M11-NAR" in body and "M11-ECG" in body
    overview = client_for(leader).get("/plan/").content.decode()
    safeguard_2 = overview.split('id="safeguard-2"', 1)[1].split("</article>", 1)[0]
    assert 'data-lead="D-FIN"' in safeguard_2 and "温州市财政局" in safeguard_2


@pytest.mark.django_db
def test_an_unknown_measure_or_unit_is_404(leader):
    client = client_for(leader)
    assert client.get("/plan/measures/99/").status_code == 404
    assert client.get("/units/999999/").status_code == 404


@pytest.mark.django_db
def test_chinese_is_the_default_even_for_an_english_browser(leader):
    response = client_for(leader).get("/plan/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()


@pytest.mark.django_db
def test_english_is_selectable_and_complete(leader):
    client = client_for(leader)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/plan/"})
    assert response.status_code == 302
    body = client.get("/plan/").content.decode()
    assert '<html lang="en">' in body
    assert "Overall goals" in body and "Strengthen" in body
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", body, flags=re.S))
    # The language switcher names 简体中文 on purpose; nothing else may be left in Chinese, except
    # the plan's own Chinese terms quoted in English labels such as “aspirational (力争)”.
    leftover = re.findall(r"[\u4e00-\u9fff]+", visible.replace("简体中文", "").replace("力争", "").replace("计", ""))
    assert leftover == [], leftover[:20]


@pytest.mark.django_db
def test_the_language_switcher_is_on_every_page_and_the_login_page(leader):
    assert 'name="language"' in Client().get("/accounts/login/").content.decode()
    client = client_for(leader)
    for path in PAGES:
        assert 'action="/i18n/setlang/"' in client.get(path).content.decode(), path


@pytest.mark.django_db
def test_reporters_see_figures_of_their_own_unit_only(demo, reporter):
    client = client_for(reporter)
    own = client.get("/units/330302/").content.decode()
    assert "演示数据" in own or "Demo data" in own
    assert "2026Q3" in own
    other = client.get("/units/330381/").content.decode()
    assert "2026Q3" not in other
    assert "M01-STD" in other, "the indicators a unit reports are public within the portal"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "leader", "auditor", "admin_user"])
def test_other_roles_see_every_units_figures_marked_as_demo(request, demo, role):
    body = client_for(request.getfixturevalue(role)).get("/units/330381/").content.decode()
    assert "2026Q3" in body
    assert 'class="badge demo"' in body


@pytest.mark.django_db
def test_only_administrators_reach_the_admin_site(leader, admin_user):
    assert client_for(leader).get("/admin/").status_code == 302
    assert client_for(admin_user).get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_pages_make_the_same_queries_at_1x_and_10x_the_units(leader):
    client = client_for(leader)
    client.get("/plan/")  # warm the session
    pages = ["/plan/", "/units/", "/plan/measures/11/"]

    def counts() -> list[int]:
        measured = [queries_to_get(client, path) for path in pages]
        assert [response.status_code for _, response in measured] == [200] * len(pages)
        return [count for count, _ in measured]

    before = counts()
    # Ten times the units, each a partner of every measure and safeguard (the pages list them).
    city = Unit.objects.get(code=CITY)
    count = Unit.objects.exclude(kind="city").count()
    added = Unit.objects.bulk_create([
        Unit(code=f"X{i:04d}", name_zh=f"测试县{i}", name_en=f"Test county {i}", kind=Unit.Kind.COUNTY, parent=city)
        for i in range(9 * count)
    ])
    for part in (*Measure.objects.all(), *Safeguard.objects.all()):
        part.partner_units.add(*added)
    assert counts() == before
    assert "测试县1" in client.get("/units/").content.decode()
