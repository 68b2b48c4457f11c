"""Targets broken down to units (分解细化目标任务): own status and pace, warnings when parts don't add up."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from targets.actions.progress import progress_recompute
from targets.models import Indicator, ProgressSnapshot

from ..conftest import client_for, plan_file_data
from .test_load_plan import find, write


def plan_with_unit_targets(shares: dict[str, int]) -> dict:
    data = plan_file_data()
    std = find(data["indicators"], code="M01-STD")
    for code, value in shares.items():
        std["targets"].append({"year": 2025, "deadline": "2025-12-31", "mode": "reach", "comparator": ">=", "value": value, "unit": code})
    return data


@pytest.mark.django_db
def test_a_split_that_does_not_add_up_is_loaded_with_a_warning(tmp_path):
    err = io.StringIO()
    with translation.override("en"):
        call_command("load_plan", str(write(tmp_path, plan_with_unit_targets({"330302": 10, "330381": 8}))), stdout=io.StringIO(), stderr=err)
    assert "M01-STD 2025" in err.getvalue() and "18" in err.getvalue() and "50" in err.getvalue()
    assert Indicator.objects.get(code="M01-STD").targets.filter(unit__isnull=False).count() == 2


@pytest.mark.django_db
def test_a_unit_with_its_own_target_gets_its_own_status(tmp_path, demo, leader):
    with translation.override("en"):
        call_command("load_plan", str(write(tmp_path, plan_with_unit_targets({"330302": 10}))), stdout=io.StringIO(), stderr=io.StringIO())
    progress_recompute(indicator=Indicator.objects.get(code="M01-STD"))
    own = ProgressSnapshot.objects.get(indicator__code="M01-STD", unit__code="330302", period__code="2024Q2")
    other = ProgressSnapshot.objects.get(indicator__code="M01-STD", unit__code="330381", period__code="2024Q2")
    assert own.target_value == 10 and own.status in {"on_track", "at_risk", "off_track", "achieved"}
    assert own.completion_pct == own.actual * 10  # 100 · A / 10
    assert other.target_value is None and other.status == "no_target"
    body = client_for(leader).get("/api/v1/progress/", {"indicator": "M01-STD", "unit": "330302", "period": "2024Q2"}).json()
    assert body["results"][0]["target"] == 10


def admin_post_data(response) -> dict:
    """The admin change form's current values as a browser would post them back unchanged."""
    data = {}

    def add(form, prefix=""):
        for name, field in form.fields.items():
            value = form[name].value()
            key = f"{prefix}{name}"
            if isinstance(value, (list, tuple)):
                data[key] = [str(v) for v in value]
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif value is not None:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = str(management[name].value())
        for form in formset.forms:
            add(form, f"{form.prefix}-")
    return data


@pytest.mark.django_db
def test_a_split_made_in_the_admin_is_audited_recomputed_and_warned_about(demo, admin_user):
    from targets.models import AuditEntry, OutboxMessage, Target, Unit

    indicator = Indicator.objects.get(code="M01-STD")
    client = client_for(admin_user)
    url = f"/admin/targets/indicator/{indicator.pk}/change/"
    data = admin_post_data(client.get(url))
    prefix = "targets"
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update({
        f"{prefix}-TOTAL_FORMS": str(n + 1),
        f"{prefix}-{n}-indicator": str(indicator.pk), f"{prefix}-{n}-unit": str(Unit.objects.get(code="330302").pk),
        f"{prefix}-{n}-year": "2025", f"{prefix}-{n}-deadline": "2025-12-31", f"{prefix}-{n}-mode": "reach",
        f"{prefix}-{n}-comparator": ">=", f"{prefix}-{n}-value": "10",
    })
    OutboxMessage.objects.all().delete()
    response = client.post(url, data, follow=True)
    assert response.status_code == 200 and "errornote" not in response.content.decode(), response.content.decode()[:3000]
    assert Target.objects.filter(indicator=indicator, unit__code="330302", value=10).exists()
    warnings = [str(m) for m in response.context["messages"]]
    assert any("10" in w and "M01-STD" in w for w in warnings), warnings
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.EDIT, object_id=str(indicator.pk), actor=admin_user).last()
    assert {"year": 2025, "unit": "330302", "value": "10.0000", "mode": "reach"} in entry.after["targets"]
    assert OutboxMessage.objects.filter(indicator=indicator, processed_at__isnull=True).exists(), "a recompute is queued"
