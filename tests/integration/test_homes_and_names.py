"""Each role's home after login, people's names instead of logins, and the audit page in words."""

import re

import pytest
from django.test import Client
from django.utils import translation

from targets.actions import evidence_attach, submission_save, submission_submit, user_create_or_update
from targets.actions.demo import DEMO_AUTHOR, DEMO_LOGINS
from targets.models import AuditEntry, Indicator, Submission, User
from targets.selectors.audit import audit_changes

from ..conftest import PASSWORD, client_for
from ..factories import draft, open_period, submitted, values_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def log_in(username: str, next_url: str | None = None):
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    return Client().post(url, {"username": username, "password": PASSWORD})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, lands_on",
    [("reporter", "/"), ("reviewer", "/"), ("auditor", "/"), ("leader", "/"), ("admin_user", "/")],
)
def test_login_lands_on_the_home_and_the_home_is_each_roles_work(request, role, lands_on):
    user = request.getfixturevalue(role)
    response = log_in(user.username)
    assert response.status_code == 302 and response["Location"] == lands_on
    home = client_for(user).get("/")
    if role in ("leader", "admin_user"):
        assert home.status_code == 302 and home["Location"] == "/progress/"
    else:
        assert home.status_code == 200
        assert "targets/home_" in " ".join(t.name for t in home.templates if t.name)


@pytest.mark.django_db
def test_a_deep_link_survives_the_login(reviewer):
    response = log_in("reviewer", next_url="/completeness/?period=2026Q3")
    assert response.status_code == 302 and response["Location"] == "/completeness/?period=2026Q3"


@pytest.mark.django_db
def test_the_reporters_home_links_each_returned_and_missing_report_to_its_form(reporter, reviewer):
    from targets.actions import submission_return

    pending = submitted(reporter, "M14-RATE", "2026Q3")
    submission_return(user=reviewer, submission=pending, reason="请核对分母", expected_version=1)
    body = client_for(reporter).get("/").content.decode()
    assert "/report/2026Q3/M14-RATE/" in body and "请核对分母" in body
    # The indicators not entered yet are listed with a link to their form, and the plan is one click away.
    assert re.search(r'href="/report/2026Q3/[A-Z0-9-]+/"', body.split("returned-list", 1)[-1])
    assert 'href="/plan/"' in body
    # What the unit answers for (lead or partner, per measure) is on the home too, after the work due:
    # returned reports, then the open periods' to-do, then the responsibilities.
    assert 'id="responsibilities"' in body and 'data-role="partner"' in body
    assert body.index("请核对分母") < body.index('class="period-card') < body.index('id="responsibilities"')


@pytest.mark.django_db
def test_the_reviewers_home_shows_the_queue_oldest_first_and_the_units_late(reporter, reviewer):
    first = submitted(reporter, "M14-RATE", "2026Q3")
    second = submitted(reporter, "M01-STD", "2026Q3")
    body = client_for(reviewer).get("/").content.decode()
    assert body.index(f"/submissions/{first.pk}/") < body.index(f"/submissions/{second.pk}/")
    assert "鹿城区" in body


@pytest.mark.django_db
def test_the_auditors_home_shows_the_latest_entries_and_exports(reporter, auditor):
    submitted(reporter, "M14-RATE", "2026Q3")
    body = client_for(auditor).get("/").content.decode()
    assert 'href="/audit/"' in body and 'href="/exports/"' in body
    assert "已提交" in body  # the latest entries, in words


@pytest.mark.django_db
def test_pages_name_people_and_the_auditor_also_sees_the_login(reporter, reviewer, auditor):
    user_create_or_update(username=reporter.username, role=reporter.role, unit_code=reporter.unit.code, display_name="陈晓红")
    user_create_or_update(username=reviewer.username, role=reviewer.role, display_name="周建国")
    pending = submitted(reporter, "M14-RATE", "2026Q3")
    page = client_for(reviewer).get(f"/submissions/{pending.pk}/").content.decode()
    assert "由 陈晓红 于" in page and "reporter_lucheng" not in page.split("<main", 1)[1]
    queue = client_for(reviewer).get("/review/").content.decode()
    assert "陈晓红" in queue
    audit = client_for(auditor).get("/audit/", {"action": "submit"}).content.decode()
    assert "陈晓红" in audit and "reporter_lucheng" in audit  # the auditor needs the login too
    # The auditor finds a person's entries by their name as well as by their login.
    by_name = client_for(auditor).get("/audit/", {"user": "晓红", "action": "submit"}).content.decode()
    assert f"/submissions/{pending.pk}/" in by_name


@pytest.mark.django_db
def test_the_demo_logins_have_chinese_names_and_its_figures_say_who_entered_them(demo, reviewer):
    names = {u.username: u.display_name for u in User.objects.filter(username__in=[d.username for d in DEMO_LOGINS])}
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name) for name in names.values()), names
    # A unit without a demo login: its figures were entered by the demo's author, and its page says so.
    orphan = Submission.objects.filter(is_demo=True, current__created_by__isnull=True).first()
    page = client_for(reviewer).get(f"/submissions/{orphan.pk}/").content.decode()
    assert f"由 {DEMO_AUTHOR} 于" in page and "由 ? 于" not in page


@pytest.mark.django_db
def test_counted_items_are_a_list_and_evidence_names_the_version_it_was_submitted_with(settings, tmp_path, reporter, reviewer):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    saved = draft(reporter, "M01-STD", "2026Q3")
    evidence_attach(user=reporter, submission=saved, uploaded_file=SimpleUploadedFile("证书.png", PNG))
    # Saved again (version 2), then submitted: the file went to review with version 2.
    submission_save(
        user=reporter, indicator=Indicator.objects.get(code="M01-STD"), unit=reporter.unit, period=open_period("2026Q3"),
        values=values_for("M01-STD"), expected_version=1,
    )
    submission_submit(user=reporter, submission=Submission.objects.get(pk=saved.pk), expected_version=2)
    page = client_for(reviewer).get(f"/submissions/{saved.pk}/").content.decode()
    assert "随第 2 版提交" in page and "第 1 版" not in page.split("evidence-list", 1)[1].split("</ul>", 1)[0]
    first, second = Submission.objects.get(pk=saved.pk).current.items[:2]
    assert f'<ol class="items"><li>{first["name"]} <span class="code">{first["number"]}</span></li>' in page
    assert f'; {second["name"]}' not in page
    # The approve button is not the red of a red light.
    assert 'class="button approve"' in page


@pytest.mark.django_db
def test_the_audit_page_says_what_changed_in_words_in_both_languages(reporter, auditor):
    user_create_or_update(username="new_admin", role=User.Role.ADMIN, password="Another-password-2026", actor=auditor)
    with translation.override("zh-hans"):
        changes = {c.label: c.after for c in audit_changes(None, {"role": "admin", "password_set": True}, "user")}
        assert changes == {"角色": "管理员", "已设置密码": "是"}
    with translation.override("en"):
        changes = {c.label: c.after for c in audit_changes(None, {"role": "admin", "password_set": True}, "user")}
        assert changes == {"role": "Administrator", "password set": "yes"}
    body = client_for(auditor).get("/audit/", {"action": "user_change"}).content.decode()
    cells = " ".join(re.findall(r'<ul class="changes">(.*?)</ul>', body, re.S))
    assert "管理员" in cells and "已设置密码" in cells and "True" not in cells and "password_set<" not in cells
    # The admin's configuration entries: each field changed is a line, named as the form names it.
    with translation.override("zh-hans"):
        lines = audit_changes({"values": {"name_zh": "旧"}}, {"fields": ["name_zh"], "values": {"name_zh": "新"}}, "unit")
        assert [(c.label, c.before, c.after) for c in lines] == [("名称（中文）", "旧", "新"), ("修改的字段", "—", "名称（中文）")]


@pytest.mark.django_db
def test_the_audit_csv_headers_are_in_the_users_language(reporter, auditor):
    submitted(reporter, "M14-RATE", "2026Q3")
    client = client_for(auditor)
    first_line = b"".join(client.get("/audit/", {"format": "csv"}).streaming_content).decode("utf-8-sig").splitlines()[0]
    assert first_line.startswith("序号,时间,登录名")
    client.cookies["django_language"] = "en"
    first_line = b"".join(client.get("/audit/", {"format": "csv"}).streaming_content).decode("utf-8-sig").splitlines()[0]
    assert first_line.startswith("No.,Time,Login")


@pytest.mark.django_db
def test_the_api_link_is_hidden_from_reporters_and_leaders(reporter, leader, reviewer):
    for user, shown in ((reporter, False), (leader, False), (reviewer, True)):
        body = client_for(user).get("/plan/").content.decode()
        assert ('href="/api/docs/"' in body) == shown, user.role


@pytest.mark.django_db
def test_unit_names_are_joined_in_the_pages_language(plan, leader):
    client = client_for(leader)
    assert "、" in client.get("/plan/measures/1/").content.decode()
    client.cookies["django_language"] = "en"
    body = client.get("/plan/measures/1/").content.decode()
    cells = re.findall(r'<td class="units-cell">(.*?)</td>', body, re.DOTALL)
    assert cells and not any("、" in cell for cell in cells)


@pytest.mark.django_db
def test_the_admin_is_branded_edits_the_display_name_and_translates_the_lockouts(admin_user, reporter):
    client = client_for(admin_user)
    index = client.get("/admin/").content.decode()
    assert "温州市计量发展实施意见 管理" in index and "Django" not in index.split("<body", 1)[1]
    assert "登录尝试" in index  # django-axes' tables, in Chinese
    form = client.get(f"/admin/targets/user/{reporter.pk}/change/").content.decode()
    assert 'name="display_name"' in form and "显示姓名" in form

