"""The audit log: every change recorded, hash-chained, append-only, verifiable."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client

from targets.actions import submission_return, submission_save
from targets.models import AuditEntry

from ..conftest import PASSWORD, PLAN_FILE
from ..factories import approved, draft


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def tamper(sql: str, params: list) -> None:
    """Change the audit table behind the application's back, as an attacker with SQL access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only a superuser can switch triggers off this way; the portal's own user could not.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


@pytest.mark.django_db
def test_each_step_of_the_cycle_is_recorded_with_values_before_and_after(reporter, reviewer):
    submission = draft(reporter, "M01-STD", increment="1", items="甲 | A-1")
    submission = submission_save(
        user=reporter, indicator=submission.indicator, unit=submission.unit, period=submission.period,
        values={"increment": "2", "items": "甲 | A-1\n乙 | B-2"}, expected_version=1, submit=True, ip="10.1.2.3",
    )
    submission_return(user=reviewer, submission=submission, reason="请补充证书编号", ip="10.9.9.9")
    entries = list(AuditEntry.objects.filter(object_type="submission", object_id=str(submission.pk)).order_by("id"))
    assert [e.action for e in entries] == ["create", "edit", "submit", "return"]
    create, edit, submit, returned = entries
    assert create.after["increment"] == "1" and create.before is None
    assert edit.before["increment"] == "1" and edit.after["increment"] == "2"
    assert edit.ip == "10.1.2.3" and edit.actor == reporter
    assert returned.after["reason"] == "请补充证书编号" and returned.actor_name == "reviewer"
    assert submit.after == {"version": 2}


@pytest.mark.django_db
def test_verify_audit_says_ok_after_a_full_cycle(reporter, reviewer):
    approved(reporter, reviewer, "M14-RATE")
    assert verify().startswith("OK")


@pytest.mark.django_db
def test_verify_audit_finds_an_edited_entry(reporter, reviewer):
    approved(reporter, reviewer, "M14-RATE")
    victim = AuditEntry.objects.filter(action="approve").get()
    tamper("UPDATE targets_auditentry SET actor_name = %s WHERE id = %s", ["somebody-else", victim.pk])
    with pytest.raises(CommandError) as broken:
        verify()
    assert f"#{victim.pk}" in str(broken.value)


@pytest.mark.django_db
def test_verify_audit_finds_a_removed_entry(reporter, reviewer):
    approved(reporter, reviewer, "M14-RATE")
    entries = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    tamper("DELETE FROM targets_auditentry WHERE id = %s", [entries[-3]])
    with pytest.raises(CommandError) as broken:
        verify()
    assert f"#{entries[-2]}" in str(broken.value)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_update_and_delete_on_the_audit_log(reporter):
    draft(reporter, "M14-RATE")
    entry = AuditEntry.objects.order_by("id").last()
    for statement in ("UPDATE targets_auditentry SET actor_name = 'x' WHERE id = %s", "DELETE FROM targets_auditentry WHERE id = %s"):
        with pytest.raises(DatabaseError) as refused, transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [entry.pk])
        assert "append-only" in str(refused.value)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.django_db
def test_logins_and_failed_logins_are_recorded_with_the_address(reporter):
    client = Client(REMOTE_ADDR="192.0.2.7")
    client.post("/accounts/login/", {"username": "reporter_lucheng", "password": "wrong"})
    client.post("/accounts/login/", {"username": "reporter_lucheng", "password": PASSWORD})
    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.actor_name == "reporter_lucheng" and failed.ip == "192.0.2.7" and failed.actor is None
    assert "wrong" not in failed.canonical_content(), "the password tried is never stored"
    login = AuditEntry.objects.get(action="login")
    assert login.actor == reporter and login.ip == "192.0.2.7"


@pytest.mark.django_db
def test_plan_loads_are_recorded(plan):
    assert AuditEntry.objects.filter(action="plan_load").count() == 0  # the fixture loads via the loader
    call_command("load_plan", str(PLAN_FILE), stdout=io.StringIO())  # unchanged: nothing to record
    assert AuditEntry.objects.filter(action="plan_load").count() == 0
    plan.name_en = "changed"
    plan.save(update_fields=["name_en"])
    call_command("load_plan", str(PLAN_FILE), stdout=io.StringIO())
    entry = AuditEntry.objects.get(action="plan_load")
    assert entry.after["sha256"] == plan.__class__.objects.get().source_sha256
