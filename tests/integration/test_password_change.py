"""A signed-in person changes their own password: checked by Django's validators, in Chinese,
nothing saved on an error, the change in the audit log (never the password)."""

import pytest
from django.test import Client

from targets.models import AuditEntry

from ..conftest import PASSWORD

URL = "/accounts/password/"
NEW = "Wenzhou-Metrology-2027"


def signed_in(username: str) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


@pytest.mark.django_db
def test_a_wrong_current_password_or_weak_new_one_is_refused_in_chinese_and_nothing_changes(reporter):
    client = signed_in(reporter.username)
    page = client.get(URL).content.decode()
    assert "修改密码" in page and 'name="old_password"' in page
    wrong = client.post(URL, {"old_password": "not-it", "new_password1": NEW, "new_password2": NEW})
    assert wrong.status_code == 200 and "旧密码不正确" in wrong.content.decode()
    weak = client.post(URL, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    body = weak.content.decode()
    assert weak.status_code == 200 and "密码" in body and "field-error" in body
    reporter.refresh_from_db()
    assert reporter.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.USER_CHANGE, actor=reporter).exists()


@pytest.mark.django_db
def test_the_change_keeps_this_session_and_is_audited_without_the_password(reporter):
    client = signed_in(reporter.username)
    done = client.post(URL, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}, follow=True)
    assert done.status_code == 200 and "密码已修改" in done.content.decode()
    assert client.get("/plan/").status_code == 200, "the session that changed it stays signed in"
    reporter.refresh_from_db()
    assert reporter.check_password(NEW) and not reporter.check_password(PASSWORD)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.USER_CHANGE, actor=reporter)
    assert entry.object_id == str(reporter.pk) and entry.after == {"password_changed": True}
    assert NEW not in str(entry.before) + str(entry.after)
    assert Client().post("/accounts/login/", {"username": reporter.username, "password": NEW}).status_code == 302


@pytest.mark.django_db
def test_other_sessions_of_that_person_end(reporter):
    elsewhere = signed_in(reporter.username)
    client = signed_in(reporter.username)
    client.post(URL, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    response = elsewhere.get("/plan/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_an_administrators_own_change_through_the_admin_site_is_audited_too(admin_user):
    """The admin's "change password" link is the portal's page: the same checks, the same audit entry."""
    client = signed_in(admin_user.username)
    page = client.get("/admin/password_change/").content.decode()
    assert 'name="old_password"' in page
    client.post("/admin/password_change/", {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    admin_user.refresh_from_db()
    assert admin_user.check_password(NEW)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.USER_CHANGE, actor=admin_user)
    assert entry.after == {"password_changed": True}
