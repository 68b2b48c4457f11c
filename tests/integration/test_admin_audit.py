"""Everything an administrator does in the admin site is in the audit log, through the actions:
saves with the values before and after, deletions (one and "delete selected") with the values the
objects had, and another user's password set in the admin, never the password or its hash."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from targets.actions import user_create_or_update
from targets.models import AuditEntry, Period, Unit, User

from ..conftest import PASSWORD, client_for

NEW = "Wenzhou-Metrology-2027"


def entries(action: str, object_type: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_type=object_type).order_by("id"))


def as_text(entry: AuditEntry) -> str:
    return json.dumps([entry.before, entry.after], ensure_ascii=False)


def add_period(client, year: int, quarter: int) -> Period:
    """Create a period through the admin's add form (periods of the plan hold figures and targets)."""
    start, end = Period.bounds(year, quarter)
    response = client.post("/admin/targets/period/add/", {
        "code": f"{year}Q{quarter}", "year": year, "quarter": quarter,
        "start": start.isoformat(), "end": end.isoformat(), "due": end.replace(day=28).isoformat(),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    return Period.objects.get(code=f"{year}Q{quarter}")


def a_user(username: str) -> User:
    user, _ = user_create_or_update(username=username, role=User.Role.LEADER, password=PASSWORD)
    return user


def delete_selected(client, model: str, pks: list[int]):
    return client.post(f"/admin/targets/{model}/", {
        "action": "delete_selected", "_selected_action": [str(pk) for pk in pks], "post": "yes",
    })


# --- saves: the values before and after ----------------------------------------------------------


@pytest.mark.django_db
def test_an_admin_edit_records_the_values_before_and_after(plan, admin_user):
    client = client_for(admin_user)
    period = add_period(client, 2040, 1)
    created = entries(AuditEntry.Action.CREATE, "period")[-1]
    assert created.before is None and created.after["values"]["due"] == "2040-03-28"
    response = client.post(f"/admin/targets/period/{period.pk}/change/", {
        "code": period.code, "year": 2040, "quarter": 1, "start": period.start.isoformat(),
        "end": period.end.isoformat(), "due": "2040-04-15", "is_open": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    edit = entries(AuditEntry.Action.EDIT, "period")[-1]
    assert (edit.actor, edit.object_id) == (admin_user, str(period.pk))
    assert edit.after["fields"] == ["due", "is_open"]
    assert edit.before["values"] == {"due": "2040-03-28", "is_open": False}
    assert edit.after["values"] == {"due": "2040-04-15", "is_open": True}


@pytest.mark.django_db
def test_an_admin_edit_of_a_user_records_related_values_by_name(plan, admin_user):
    user = a_user("leader_zhang")
    client = client_for(admin_user)
    unit = Unit.objects.get(code="330302")
    joined = timezone.localtime(user.date_joined)
    data = {
        "username": user.username, "is_active": "on", "role": User.Role.REPORTER, "unit": str(unit.pk),
        "date_joined_0": joined.date().isoformat(), "date_joined_1": joined.strftime("%H:%M:%S"),
    }
    response = client.post(f"/admin/targets/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    edit = AuditEntry.objects.filter(action=AuditEntry.Action.EDIT, object_type="user", object_id=str(user.pk)).last()
    # (The form's seconds drop the microseconds of date_joined: a change recorded like the others.)
    assert {k: edit.before["values"][k] for k in ("role", "unit")} == {"role": "leader", "unit": None}
    assert {k: edit.after["values"][k] for k in ("role", "unit")} == {"role": "reporter", "unit": str(unit)}
    assert "md5$" not in as_text(edit) and "pbkdf2" not in as_text(edit)


@pytest.mark.django_db
def test_a_user_added_in_the_admin_is_audited_without_the_password(plan, admin_user):
    response = client_for(admin_user).post("/admin/targets/user/add/", {
        "username": "auditor_li", "password1": NEW, "password2": NEW, "usable_password": "true",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    created = User.objects.get(username="auditor_li")
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.CREATE, object_type="user", object_id=str(created.pk)).get()
    assert entry.after["values"]["password"] == "password changed"
    text = as_text(entry)
    assert NEW not in text and created.password not in text and "md5$" not in text


# --- deletions -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deleting_a_period_in_the_admin_is_audited_with_its_values(plan, admin_user):
    client = client_for(admin_user)
    period = add_period(client, 2040, 2)
    pk = period.pk
    response = client.post(f"/admin/targets/period/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Period.objects.filter(pk=pk).exists()
    entry = entries(AuditEntry.Action.DELETE, "period")[-1]
    assert (entry.actor, entry.object_id, entry.object_repr, entry.after) == (admin_user, str(pk), "2040Q2", None)
    assert entry.before["values"]["code"] == "2040Q2" and entry.before["values"]["start"] == "2040-04-01"


@pytest.mark.django_db
def test_bulk_deleting_periods_in_the_admin_audits_each_one(plan, admin_user):
    client = client_for(admin_user)
    periods = [add_period(client, 2040, q) for q in (3, 4)]
    response = delete_selected(client, "period", [p.pk for p in periods])
    assert response.status_code == 302
    assert not Period.objects.filter(pk__in=[p.pk for p in periods]).exists()
    deleted = entries(AuditEntry.Action.DELETE, "period")
    assert sorted(e.object_repr for e in deleted) == ["2040Q3", "2040Q4"]
    assert all(e.actor == admin_user and e.before["values"]["year"] == 2040 for e in deleted)


@pytest.mark.django_db
def test_a_period_with_figures_cannot_be_deleted_and_nothing_is_recorded(reporter, admin_user):
    from ..factories import draft

    period = draft(reporter, "M01-STD").period
    response = delete_selected(client_for(admin_user), "period", [period.pk])
    assert response.status_code in (200, 302)
    assert Period.objects.filter(pk=period.pk).exists()
    assert not entries(AuditEntry.Action.DELETE, "period")


@pytest.mark.django_db
def test_bulk_deleting_users_in_the_admin_audits_each_one_without_a_password(plan, admin_user):
    users = [a_user("leader_wang"), a_user("leader_chen")]
    hashes = [u.password for u in users]
    response = delete_selected(client_for(admin_user), "user", [u.pk for u in users])
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[u.pk for u in users]).exists()
    deleted = entries(AuditEntry.Action.DELETE, "user")
    assert sorted(e.object_repr for e in deleted) == ["leader_chen", "leader_wang"]
    for entry in deleted:
        assert entry.actor == admin_user and entry.before["values"]["role"] == "leader"
        assert "password" not in entry.before["values"]
        assert not any(h in as_text(entry) for h in hashes)


@pytest.mark.django_db
def test_deleting_one_user_in_the_admin_is_audited(plan, admin_user):
    user = a_user("leader_zhao")
    response = client_for(admin_user).post(f"/admin/targets/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    entry = entries(AuditEntry.Action.DELETE, "user")[-1]
    assert (entry.actor, entry.object_id, entry.object_repr) == (admin_user, str(user.pk), "leader_zhao")


# --- another user's password -----------------------------------------------------------------------


@pytest.mark.django_db
def test_setting_another_users_password_in_the_admin_is_audited_never_the_password(plan, admin_user):
    user = a_user("leader_sun")
    old_hash = user.password
    response = client_for(admin_user).post(f"/admin/targets/user/{user.pk}/password/", {"password1": NEW, "password2": NEW})
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.check_password(NEW)
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.USER_CHANGE, object_id=str(user.pk), actor=admin_user).get()
    assert entry.after == {"password_changed": True}
    text = as_text(entry)
    assert NEW not in text and user.password not in text and old_hash not in text


@pytest.mark.django_db
def test_disabling_another_users_password_in_the_admin_is_audited(plan, admin_user):
    user = a_user("leader_zhou")
    response = client_for(admin_user).post(
        f"/admin/targets/user/{user.pk}/password/", {"usable_password": "false", "unset-password": "1"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert not user.has_usable_password()
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.USER_CHANGE, object_id=str(user.pk), actor=admin_user).get()
    assert entry.after == {"password_disabled": True}


@pytest.mark.django_db
def test_a_refused_password_in_the_admin_changes_and_records_nothing(plan, admin_user):
    user = a_user("leader_wu")
    response = client_for(admin_user).post(f"/admin/targets/user/{user.pk}/password/", {"password1": "123", "password2": "123"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.USER_CHANGE, object_id=str(user.pk), actor=admin_user).exists()
