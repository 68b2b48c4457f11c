"""Configuration saved through the admin: audited, and recomputed where progress depends on it."""

from __future__ import annotations

import pytest

from targets.actions.configuration import configuration_save_record
from targets.models import AuditEntry, Indicator, OutboxMessage, Period, Unit


@pytest.mark.django_db
def test_a_unit_save_is_audited_and_queues_every_active_indicator(plan, admin_user):
    unit = Unit.objects.get(code="330302")
    OutboxMessage.objects.all().delete()
    configuration_save_record(user=admin_user, obj=unit, created=False, changed_fields=["name_zh", "active"], ip="10.0.0.1")
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_type, entry.object_id, entry.ip) == (AuditEntry.Action.EDIT, "unit", str(unit.pk), "10.0.0.1")
    # The values after the save with the names; the values before come from the caller's snapshot
    # (configuration_snapshot, taken by the admin before it saves): none given here.
    assert entry.after == {"fields": ["active", "name_zh"], "values": {"active": unit.active, "name_zh": unit.name_zh}}
    assert entry.before is None
    queued = set(OutboxMessage.objects.values_list("indicator_id", flat=True))
    assert queued == set(Indicator.objects.filter(active=True).values_list("pk", flat=True))


@pytest.mark.django_db
def test_an_indicator_save_records_its_targets_and_queues_itself_only(plan, admin_user):
    indicator = Indicator.objects.get(code="M01-STD")
    OutboxMessage.objects.all().delete()
    configuration_save_record(user=admin_user, obj=indicator, created=False, changed_fields=["baseline"])
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry.after["fields"] == ["baseline"] and len(entry.after["targets"]) == indicator.targets.count()
    assert list(OutboxMessage.objects.values_list("indicator_id", flat=True)) == [indicator.pk]


@pytest.mark.django_db
def test_a_period_save_is_audited_without_a_recompute(plan, admin_user):
    period = Period.objects.order_by("start").first()
    OutboxMessage.objects.all().delete()
    configuration_save_record(user=admin_user, obj=period, created=True, changed_fields=["due"])
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.object_type) == (AuditEntry.Action.CREATE, "period")
    assert not OutboxMessage.objects.exists()
