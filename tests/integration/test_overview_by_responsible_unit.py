"""The overview counted for one responsible unit (?unit=CODE&role=lead|partner|any): leaders see the
indicators a unit leads (牵头) or partners (配合), and every part of the page (cards, table, chart,
attention list, final results) counts those alone, so its one story still adds up."""

import json
import re

import pytest
from django.db.models import Count, Q
from django.utils import translation

from targets.models import Indicator, Unit

from ..conftest import client_for
from .test_dashboards import attr, element, latest_period_code, page, rows_of

ROLES = {
    "lead": lambda unit: Q(lead_unit=unit),
    "partner": lambda unit: Q(partner_units=unit),
    "any": lambda unit: Q(lead_unit=unit) | Q(partner_units=unit),
}


def expected_codes(unit: Unit, role: str) -> set[str]:
    return set(Indicator.objects.filter(ROLES[role](unit), active=True).values_list("code", flat=True))


def a_unit_that_leads_and_partners() -> Unit:
    """A unit (not the one that leads nearly everything) with indicators it leads and others it partners."""
    units = (
        Unit.objects.exclude(kind=Unit.Kind.CITY)
        .annotate(led=Count("led_indicators", distinct=True), partnered=Count("partnered_indicators", distinct=True))
        .filter(led__gt=0, partnered__gt=0)
        .order_by("led", "code")
    )
    unit = units.first()
    assert unit is not None, "the plan file gives some unit both roles"
    return unit


def counted_codes(body: str) -> dict[str, set[str]]:
    """The indicator codes each part of the overview shows."""
    return {
        "cards": set(re.findall(r'<article [^>]*data-indicator="([^"]+)"', body)),
        "attention": {attr(r, "data-indicator") for r in rows_of(body, "dash-attention")} if "dash-attention" in body else set(),
        "final": set(re.findall(r'<tr [^>]*data-indicator="([^"]+)"[^>]*data-verdict=', body)),
    }


def card_total(body: str) -> int:
    counts = re.findall(r'data-light="\w+" data-count="(\d+)"', element(body, 'class="dash-totals"', "</section>"))
    return sum(map(int, counts))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["lead", "partner", "any"])
def test_the_overview_counts_only_the_indicators_the_unit_answers_for(computed, leader, role):
    client = client_for(leader)
    unit = a_unit_that_leads_and_partners()
    everything = page(client, "/progress/")  # the unfiltered body is cached first: the filter must not reuse it
    wanted = expected_codes(unit, role)
    body = page(client, "/progress/", unit=unit.code, role=role)

    assert card_total(body) == len(wanted) < card_total(everything)
    for part, codes in counted_codes(body).items():
        assert codes <= wanted, (part, codes - wanted)
    # The per-area table and its chart add up to the same cards.
    table = element(body, 'class="data dash-lights-table"', "</table>")
    totals = [int(t) for t in re.findall(r'<td class="num" data-total="(\d+)"', table)]
    chart = json.loads(element(body, 'id="status-chart-data">', "</script>").split(">", 1)[1])
    assert sum(totals) == sum(sum(trace["x"]) for trace in chart["data"]) == len(wanted)
    # The form keeps the choice; the page says whose indicators it counts, with the way back.
    assert re.search(rf'<option value="{unit.code}"[^>]*selected', body)
    assert re.search(rf'<option value="{role}"[^>]*selected', body)
    note = element(body, 'class="card dash-filter-note"', "</p>")
    assert unit.name_zh in note and {"lead": "牵头的指标", "partner": "配合的指标", "any": "牵头或配合的指标"}[role] in note
    assert 'href="/progress/?period=' in note
    # The county map counts every indicator of each county: it belongs to the unfiltered page only.
    assert "overview-county-map" in everything and "overview-county-map" not in body


@pytest.mark.django_db
def test_lead_and_partner_together_make_either(computed, leader):
    client = client_for(leader)
    unit = a_unit_that_leads_and_partners()
    totals = {role: card_total(page(client, "/progress/", unit=unit.code, role=role, period="2025Q4")) for role in ROLES}
    assert totals["lead"] + totals["partner"] >= totals["any"] > max(totals["lead"], totals["partner"])
    assert totals["any"] == len(expected_codes(unit, "any"))


@pytest.mark.django_db
def test_the_filter_offers_every_unit_that_answers_for_an_indicator_by_name(computed, leader):
    body = page(client_for(leader), "/progress/")
    select = element(body, 'id="dash-unit"', "</select>")
    offered = set(re.findall(r'<option value="([^"]+)"', select))
    answering = set(
        Unit.objects.filter(Q(led_indicators__active=True) | Q(partnered_indicators__active=True))
        .exclude(kind=Unit.Kind.CITY).values_list("code", flat=True)
    )
    assert offered == answering and len(offered) > 12
    with translation.override("zh-hans"):
        groups = [str(Unit.Kind.DEPARTMENT.label), str(Unit.Kind.COUNTY.label)]
    assert re.findall(r'<optgroup label="([^"]+)"', select) == groups  # departments first, then counties
    for unit in Unit.objects.filter(code__in=offered):
        assert f">{unit.name_zh}</option>" in select, unit.code
    assert "牵头或配合" in element(body, 'id="dash-role"', "</select>")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, quoted",
    [({"unit": "XX-NOPE"}, "XX-NOPE"), ({"unit": "330300"}, "330300"), ({"unit": "D-AMR", "role": "boss"}, "boss")],
)
def test_an_unknown_unit_or_role_is_explained_and_everything_is_shown(computed, leader, params, quoted):
    client = client_for(leader)
    body = page(client, "/progress/", **params)
    error = element(body, 'id="dash-unit-error"', "</p>")
    assert quoted in error and "现显示全部指标" in error
    assert card_total(body) == card_total(page(client, "/progress/"))
    assert "dash-filter-note" not in body


@pytest.mark.django_db
def test_it_is_in_english_too(computed, leader):
    client = client_for(leader)
    client.cookies["django_language"] = "en"
    unit = a_unit_that_leads_and_partners()
    body = page(client, "/progress/", unit=unit.code, role="lead")
    assert f"Only the indicators {unit.name_en} leads are counted on this page." in body
    assert "as lead or partner" in body and "Responsible unit" in body


@pytest.mark.django_db
def test_reporters_still_get_403(computed, reporter):
    assert client_for(reporter).get("/progress/", {"unit": "D-AMR", "role": "lead"}).status_code == 403


@pytest.mark.django_db
def test_a_unit_that_leads_nothing_is_told_so_instead_of_an_empty_page(computed, leader):
    unit = (
        Unit.objects.exclude(kind=Unit.Kind.CITY)
        .annotate(led=Count("led_indicators", distinct=True), partnered=Count("partnered_indicators", distinct=True))
        .filter(led=0, partnered__gt=0)
        .order_by("code")
        .first()
    )
    assert unit is not None, "the plan file has units that only partner"
    body = page(client_for(leader), "/progress/", unit=unit.code, role="lead")
    assert f"{unit.name_zh} 没有牵头的指标" in element(body, 'class="card muted dash-nothing-answered" data-count="0"', "</p>")
    assert 'class="dash-totals"' not in body and "status-chart-data" not in body
    # The same unit with either role counts what it partners in.
    assert card_total(page(client_for(leader), "/progress/", unit=unit.code, role="any")) == len(expected_codes(unit, "partner"))


@pytest.mark.django_db
def test_the_role_asked_for_is_kept_when_the_unit_is_unknown(computed, leader):
    body = page(client_for(leader), "/progress/", unit="XX-NOPE", role="lead")
    assert re.search(r'<option value="lead"[^>]*selected', element(body, 'id="dash-role"', "</select>"))
