"""The reporter's pages: open periods with counts, a period's table, access per role and unit,
evidence downloads, and the form's script served by the portal itself."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.views import serve
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from targets.actions import evidence_attach, period_set_open, submission_approve, submission_return
from targets.models import AuditEntry, Evidence, Indicator, Period, Submission, SubmissionVersion, Unit

from ..conftest import client_for, queries_to_get
from ..factories import approved, approved_in_bulk, draft, open_period, submitted

Q3 = "2026Q3"
FORM = f"/report/{Q3}/M14-RATE/"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NOT_REPORTERS = ["reviewer", "leader", "auditor", "admin_user"]


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def zh(msgid: str, params=None) -> str:
    with translation.override("zh-hans"):
        text = gettext(msgid)
        if params is not None:
            text = text % params
    return escape(text)


def card_for(body: str, period_code: str) -> str:
    """Return the home page's card of one period."""
    for card in body.split('<article class="period-card')[1:]:
        if f">{period_code}</a>" in card:
            return card.split("</article>", 1)[0]
    raise AssertionError(f"no card for {period_code}")


def state_count(card: str, state: str) -> int:
    match = re.search(rf'state-{state}[^"]*"><span class="n">(\d+)</span>', card)
    assert match, state
    return int(match.group(1))


def route_exists(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# --- /report/ ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_counts_the_units_indicators_by_state_for_each_open_period(reporter, reviewer):
    draft(reporter, "M01-STD")
    submitted(reporter, "M14-RATE")
    returned = submitted(reporter, "M01-COV")
    submission_return(user=reviewer, submission=returned, reason="覆盖率口径不对。")
    approved(reporter, reviewer, "M02-ITEM")
    open_period("2026Q4")
    total = Indicator.objects.filter(active=True, reporting_units=reporter.unit).count()
    body = client_for(reporter).get("/report/").content.decode()
    card = card_for(body, Q3)
    assert state_count(card, "missing") == total - 4
    assert [state_count(card, s) for s in ("draft", "submitted", "returned", "approved")] == [1, 1, 1, 1]
    later = card_for(body, "2026Q4")
    assert state_count(later, "missing") == total and state_count(later, "approved") == 0
    # The returned report is listed above the periods, with the reviewer's reason and a link.
    returned_block = body.split('class="returned-list', 1)[1].split("</section>", 1)[0]
    assert "覆盖率口径不对。" in returned_block and f"/report/{Q3}/M01-COV/" in returned_block
    assert body.index("returned-list") < body.index("period-card")


def answered(body: str) -> dict[str, dict[str, str]]:
    """Return the home page's "what my unit answers for" rows: indicator code → its data-* values."""
    section = body.split('id="responsibilities"', 1)[1].split("</section>", 1)[0]
    return {
        m.group(1): dict(re.findall(r'data-(role|state)="([^"]*)"', m.group(0)))
        for m in re.finditer(r'<div class="answered" data-indicator="([A-Z0-9-]+)"[^>]*>', section)
    }


@pytest.mark.django_db
def test_it_lists_what_the_unit_answers_for_with_this_quarters_state(reporter, reviewer):
    approved(reporter, reviewer, "M14-RATE")
    draft(reporter, "M16-NAR")
    body = client_for(reporter).get("/report/").content.decode()
    assert zh("What my unit answers for") == "本单位负责的工作" and "本单位负责的工作" in body
    rows = answered(body)
    # A county partners every indicator it reports; its state this quarter is shown beside it.
    reported = set(Indicator.objects.filter(active=True, reporting_units=reporter.unit).values_list("code", flat=True))
    assert reported <= set(rows)
    assert rows["M14-RATE"] == {"role": "partner", "state": "approved"}
    assert rows["M16-NAR"] == {"role": "partner", "state": "draft"}
    assert rows["M01-STD"]["state"] == "missing"
    section = body.split('id="responsibilities"', 1)[1]
    assert f"/report/{Q3}/M14-RATE/" in section and 'data-kind="safeguard" data-number="1" data-role="partner"' in section


@pytest.mark.django_db
def test_a_lead_unit_sees_what_it_leads_and_how_many_units_reported(reviewer):
    from targets.actions import user_create_or_update
    from targets.selectors.responsibilities import unit_responsibilities

    amr, _ = user_create_or_update(username="reporter_amr_test", role="reporter", unit_code="D-AMR", password="Test-password-2026")
    lucheng, _ = user_create_or_update(username="reporter_lc_test", role="reporter", unit_code="330302", password="Test-password-2026")
    approved(lucheng, reviewer, "M01-STD", Q3, increment="1", items="装置1 | LC-1")
    approved(amr, reviewer, "M12-NAR", Q3, narrative="出台居民生活领域“双碳”工作实施方案。", self_status="on_track")
    body = client_for(amr).get("/report/").content.decode()
    rows = answered(body)
    # It leads measure 1's count without reporting it: one of its thirteen reporting units is approved.
    assert rows["M01-STD"] == {"role": "lead"}
    assert "1" in body.split('data-indicator="M01-STD"', 1)[1].split("</div>", 1)[0]
    assert rows["M12-NAR"] == {"role": "lead", "state": "approved"}
    period = Period.objects.get(code=Q3)
    found = {r.item.number: r for r in unit_responsibilities(amr.unit, period) if r.kind == "measure"}
    assert sorted(found) == list(range(1, 17)) and all(r.is_lead for r in found.values())
    std = next(a for a in found[1].indicators if a.indicator.code == "M01-STD")
    assert (std.reports, std.approved, std.reporters) == (False, 1, 13)
    goals = [r for r in unit_responsibilities(amr.unit, period) if r.kind == "goal"]
    assert [g.goal_year for g in goals] == [2025, 2027, 2035] and all(g.is_lead for g in goals)
    health = unit_responsibilities(Unit.objects.get(code="D-HLT"), period)
    assert {(r.kind, r.item.number if r.item else r.goal_year, r.role) for r in health} >= {("measure", 11, "partner"), ("measure", 15, "partner")}


@pytest.mark.django_db
def test_it_shows_the_due_date_and_the_days_left_or_overdue(reporter):
    period = open_period(Q3)
    days = (period.due - timezone.localdate()).days
    body = client_for(reporter).get("/report/").content.decode()
    card = card_for(body, Q3)
    assert period.due.isoformat() in card
    with translation.override("zh-hans"):
        if days < 0:
            expected = ngettext("%(n)s day overdue", "%(n)s days overdue", -days) % {"n": -days}
        elif days == 0:
            expected = gettext("due today")
        else:
            expected = ngettext("%(n)s day left", "%(n)s days left", days) % {"n": days}
    assert expected in card


@pytest.mark.django_db
def test_a_closed_period_is_not_listed_on_the_home_page(reporter, admin_user):
    open_period(Q3)
    period_set_open(user=admin_user, period=Period.objects.get(code=Q3), is_open=False)
    body = client_for(reporter).get("/report/").content.decode()
    assert f">{Q3}</a>" not in body


# --- /report/<period>/ --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_period_page_lists_every_assigned_indicator_with_status_values_and_a_link(reporter, reviewer):
    submitted(reporter, "M14-RATE")
    approved(reporter, reviewer, "M01-STD")
    body = client_for(reporter).get(f"/report/{Q3}/").content.decode()
    for indicator in Indicator.objects.filter(active=True, reporting_units=reporter.unit):
        assert f'href="/report/{Q3}/{indicator.code}/"' in body, indicator.code
    assert "M11-ECG" not in body  # not this unit's
    row = body.split(f'href="/report/{Q3}/M14-RATE/"', 1)[1].split("</tr>", 1)[0]
    assert 'class="status status-submitted"' in row and "990 / 1000 = 99.0%" in row
    assert "reporter_lucheng" in row  # last change by
    row = body.split(f'href="/report/{Q3}/M01-STD/"', 1)[1].split("</tr>", 1)[0]
    assert 'class="status status-approved"' in row and "+2" in row
    row = body.split(f'href="/report/{Q3}/M02-ITEM/"', 1)[1].split("</tr>", 1)[0]
    assert 'class="status status-missing"' in row


@pytest.mark.django_db
def test_a_closed_period_page_is_read_only_with_a_notice(reporter):
    body = client_for(reporter).get("/report/2023Q1/").content.decode()
    assert zh("This period is closed for reporting: the figures are shown read-only. Approved figures can still be amended from their page.") in body


@pytest.mark.django_db
def test_an_unknown_period_is_404(reporter):
    client = client_for(reporter)
    assert client.get("/report/2099Q7/").status_code == 404
    assert client.get("/report/nonsense/").status_code == 404


@pytest.mark.django_db
def test_the_excel_links_appear_only_when_their_routes_exist(reporter):
    open_period(Q3)
    body = client_for(reporter).get(f"/report/{Q3}/").content.decode()
    for name in ("targets:excel_template", "targets:excel_upload"):
        link = route_exists(name, Q3)
        if link:
            assert f'href="{link}"' in body
            assert resolve(link).url_name == name.split(":")[1], "shadowed by the reporter's routes"
    if not route_exists("targets:excel_template", Q3) and not route_exists("targets:excel_upload", Q3):
        assert "excel-links" not in body


@pytest.mark.django_db
def test_the_pages_make_the_same_queries_at_1x_and_10x_the_data(reporter, reviewer):
    client = client_for(reporter)
    client.get("/report/")  # warm the session
    codes = ("M01-STD", "M14-RATE", "M01-COV", "M02-ITEM", "M16-NAR")
    for code in codes:
        approved(reporter, reviewer, code)
        approved(reporter, reviewer, code, "2026Q2")
    pages = [f"/report/{Q3}/", "/report/", FORM]  # the period's list, the home (what the unit answers for), a form

    def counts() -> list[int]:
        measured = [queries_to_get(client, path) for path in pages]
        assert [response.status_code for _, response in measured] == [200] * len(pages)
        return [count for count, _ in measured]

    before = counts()
    # Ten times the unit's approved figures and more indicators: a figure of 2026Q3 for every other
    # active indicator (the unit then reports them all), and the five's every quarter before 2026Q2.
    earlier = list(Period.objects.filter(start__lt=Period.objects.get(code="2026Q2").start))
    more = list(Indicator.objects.filter(active=True).exclude(code__in=codes))
    added = approved_in_bulk(units=[reporter.unit], indicators=more, periods=[Period.objects.get(code=Q3)], reviewer=reviewer)
    added += approved_in_bulk(units=[reporter.unit], indicators=Indicator.objects.filter(code__in=codes), periods=earlier, reviewer=reviewer)
    assert added >= 9 * 2 * len(codes)
    assert counts() == before


# --- Access --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_need_a_login(plan):
    for path in ("/report/", f"/report/{Q3}/", FORM, "/evidence/1/"):
        response = Client().get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", NOT_REPORTERS)
def test_other_roles_may_not_use_the_reporters_pages(request, role, reporter):
    open_period(Q3)
    user = request.getfixturevalue(role)
    client = client_for(user)
    for path in ("/report/", f"/report/{Q3}/", FORM):
        assert client.get(path).status_code == 403, path
    before = (Submission.objects.count(), SubmissionVersion.objects.count(), AuditEntry.objects.count())
    assert client.post(FORM, {"numerator": "1", "denominator": "2", "action": "submit"}).status_code == 403
    assert (Submission.objects.count(), SubmissionVersion.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_a_reporter_sees_only_the_own_units_figures(reporter, other_reporter):
    draft(reporter, "M14-RATE", numerator="777", denominator="1000")
    client = client_for(other_reporter)
    page = client.get(FORM).content.decode()
    assert page.count("777") == 0
    assert other_reporter.unit.name in page
    assert client.get(f"/report/{Q3}/").content.decode().count("777") == 0
    # Entering figures in "the same" form creates the other unit's own submission, never touches Lucheng's.
    assert client.post(FORM, {"numerator": "5", "denominator": "10", "action": "draft"}).status_code == 302
    assert Submission.objects.get(unit=reporter.unit).current.numerator == 777
    assert Submission.objects.get(unit=other_reporter.unit).current.numerator == 5


# --- Evidence downloads --------------------------------------------------------------------------


def attach(reporter, code: str = "M14-RATE", *, name: str = "检定证书.pdf", submit: bool = True) -> Evidence:
    submission = (submitted if submit else draft)(reporter, code)
    return evidence_attach(user=reporter, submission=submission, uploaded_file=SimpleUploadedFile(name, PDF))


@pytest.mark.django_db
def test_the_reporter_downloads_the_units_evidence_as_an_attachment(reporter):
    evidence = attach(reporter)
    response = client_for(reporter).get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=utf-8''%E6%A3%80%E5%AE%9A%E8%AF%81%E4%B9%A6.pdf" in disposition
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
@pytest.mark.parametrize("role,allowed", [
    ("other_reporter", False), ("leader", False), ("reviewer", True), ("auditor", True), ("admin_user", True),
])
def test_evidence_downloads_follow_who_may_read_the_submission(request, reporter, role, allowed):
    evidence = attach(reporter)
    user = request.getfixturevalue(role)
    response = client_for(user).get(f"/evidence/{evidence.pk}/")
    assert response.status_code == (200 if allowed else 404)


@pytest.mark.django_db
def test_a_leader_downloads_evidence_once_the_figures_are_approved(reporter, reviewer, leader):
    evidence = attach(reporter)
    client = client_for(leader)
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 404
    submission_approve(user=reviewer, submission=evidence.submission)
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 200


@pytest.mark.django_db
def test_an_unknown_evidence_id_is_404(reporter):
    assert client_for(reporter).get("/evidence/999999/").status_code == 404


# --- The form's script ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_percentage_script_is_served_by_the_portal_not_a_cdn(reporter):
    open_period(Q3)
    page = client_for(reporter).get(FORM).content.decode()
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert scripts and all(src.startswith("/static/") for src in scripts)
    assert "/static/js/report_form.js" in scripts
    assert finders.find("js/report_form.js")
    response = serve(RequestFactory().get("/static/js/report_form.js"), "js/report_form.js", insecure=True)
    source = b"".join(response.streaming_content).decode()
    assert "toFixed(1)" in source and "[data-ratio-output]" in source and "[data-items-count]" in source
    assert "http" not in source


@pytest.mark.django_db
def test_a_link_to_the_full_history_appears_when_that_page_exists(reporter):
    submission = draft(reporter, "M14-RATE")
    page = client_for(reporter).get(FORM).content.decode()
    link = route_exists("targets:submission_detail", submission.pk)
    if link:
        assert f'href="{link}"' in page
    else:
        assert zh("Full history of this submission") not in page
