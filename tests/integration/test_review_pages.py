"""The reviewers' queue and the submission page: filters, previous quarter, bulk approval, access.

Assertions look at structure (row ids, classes) and at data, not at UI wording, so they hold in
both languages and after the catalogue is updated.
"""

import datetime as dt
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from django.core.files.uploadedfile import SimpleUploadedFile

from targets.actions import evidence_attach, submission_amend, submission_return, submission_save, submission_submit, user_create_or_update
from targets.models import AuditEntry, Indicator, Period, Submission, User

from ..conftest import PASSWORD, client_for, queries_to_get
from ..factories import approved, draft, submitted, values_for

QUEUE = "/review/"
NOT_REVIEWERS = ["reporter", "leader", "auditor", "admin_user"]


def items(count: int, first: int = 1) -> str:
    return "\n".join(f"标准装置{i} | CERT-{i:03d}" for i in range(first, first + count))


def row_ids(body: str) -> list[int]:
    """Return the submission ids of the queue's rows, in order."""
    return [int(pk) for pk in re.findall(r'<tr[^>]*id="submission-(\d+)"', body)]


def row(body: str, submission: Submission) -> str:
    match = re.search(rf'<tr[^>]*id="submission-{submission.pk}".*?</tr>', body, re.S)
    assert match, f"no row for {submission}"
    return match.group(0)


def section(body: str, element_id: str) -> str:
    match = re.search(rf'<li class="history-entry card" id="{element_id}">.*?</li>\s*(?=<li class="history-entry|</ol>\s*</section>)', body, re.S)
    assert match, f"no {element_id}"
    return match.group(0)


def reporter_of(code: str) -> User:
    user, _ = user_create_or_update(username=f"reporter_{code}", role=User.Role.REPORTER, unit_code=code, password=PASSWORD)
    return user


def detail(submission: Submission) -> str:
    return f"/submissions/{submission.pk}/"


def fresh(submission: Submission) -> Submission:
    return Submission.objects.select_related("current", "approved").get(pk=submission.pk)


def audit_actions(submission: Submission) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="submission", object_id=str(submission.pk)).order_by("id").values_list("action", flat=True)
    )


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


# --- the queue ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_submitted_figures_by_default(reporter, other_reporter, reviewer):
    waiting = submitted(reporter, "M01-STD")
    other = submitted(other_reporter, "M14-RATE")
    a_draft = draft(reporter, "M14-RATE")
    done = approved(reporter, reviewer, "M01-COV")
    response = client_for(reviewer).get(QUEUE)
    assert response.status_code == 200
    body = response.content.decode()
    assert sorted(row_ids(body)) == sorted([waiting.pk, other.pk])
    assert f'name="ids" value="{waiting.pk}"' in body
    assert 'option value="submitted" selected' in body
    assert a_draft.pk not in row_ids(body) and done.pk not in row_ids(body)


@pytest.mark.django_db
def test_it_filters_by_period_unit_indicator_and_status(reporter, other_reporter, reviewer):
    q3_std = submitted(reporter, "M01-STD", "2026Q3")
    q2_std = submitted(reporter, "M01-STD", "2026Q2")
    q3_rate = submitted(reporter, "M14-RATE", "2026Q3")
    ruian_std = submitted(other_reporter, "M01-STD", "2026Q3")
    a_draft = draft(reporter, "M01-COV", "2026Q3")
    done = approved(other_reporter, reviewer, "M14-RATE", "2026Q3")
    client = client_for(reviewer)

    def ids(query: str) -> set[int]:
        response = client.get(QUEUE + "?" + query)
        assert response.status_code == 200
        return set(row_ids(response.content.decode()))

    assert ids("period=2026Q2") == {q2_std.pk}
    assert ids("period=2026Q3") == {q3_std.pk, q3_rate.pk, ruian_std.pk}
    assert ids("unit=330381") == {ruian_std.pk}
    assert ids("indicator=M14-RATE") == {q3_rate.pk}
    assert ids("indicator=M01-STD&unit=330302&period=2026Q3") == {q3_std.pk}
    assert ids("status=draft") == {a_draft.pk}
    assert ids("status=approved") == {done.pk}
    assert ids("status=") == {q3_std.pk, q2_std.pk, q3_rate.pk, ruian_std.pk, a_draft.pk, done.pk}
    # Sorting alone keeps the default filter (submitted).
    assert ids("sort=unit") == {q3_std.pk, q2_std.pk, q3_rate.pk, ruian_std.pk}


@pytest.mark.django_db
def test_an_unknown_filter_value_is_shown_next_to_the_filter_and_lists_nothing(reporter, reviewer):
    submitted(reporter, "M01-STD")
    response = client_for(reviewer).get(QUEUE + "?period=1999Q9")
    body = response.content.decode()
    assert response.status_code == 200
    assert row_ids(body) == []
    assert re.search(r'name="period".*?class="field-error"', body, re.S)


@pytest.mark.django_db
def test_it_sorts_by_a_column(reporter, other_reporter, reviewer):
    lucheng = submitted(reporter, "M01-STD")
    ruian = submitted(other_reporter, "M01-STD")
    client = client_for(reviewer)
    assert row_ids(client.get(QUEUE + "?sort=unit").content.decode()) == [lucheng.pk, ruian.pk]
    assert row_ids(client.get(QUEUE + "?sort=-unit").content.decode()) == [ruian.pk, lucheng.pk]


@pytest.mark.django_db
def test_it_shows_the_previous_quarter_approved_value_and_the_change(reporter, reviewer):
    approved(reporter, reviewer, "M01-STD", "2026Q2", increment="2", items=items(2))
    counted = submitted(reporter, "M01-STD", "2026Q3", increment="5", items=items(5, first=3))  # other standards: each counts once
    approved(reporter, reviewer, "M14-RATE", "2026Q2", numerator="990", denominator="1000")
    ratio = submitted(reporter, "M14-RATE", "2026Q3", numerator="969", denominator="1000")
    first = submitted(reporter, "M01-COV", "2026Q3")  # nothing approved a quarter earlier
    approved(reporter, reviewer, "M02-ITEM", "2026Q1")  # two quarters earlier: not "previous"
    skipped = submitted(reporter, "M02-ITEM", "2026Q3")
    body = client_for(reviewer).get(QUEUE).content.decode()

    counted_row = row(body, counted)
    assert re.search(r'class="figure">[^<]*5[^<]*</td>', counted_row)  # submitted +5
    previous = re.search(r'class="figure previous">(.*?)</td>', counted_row, re.S).group(1)
    assert "2" in previous and '<span class="change"' in previous and "+3" in previous

    ratio_row = row(body, ratio)
    assert "969 / 1000 = 96.9%" in ratio_row
    previous = re.search(r'class="figure previous">(.*?)</td>', ratio_row, re.S).group(1)
    assert "990 / 1000 = 99.0%" in previous and "−2.1" in previous

    for lonely in (first, skipped):
        previous = re.search(r'class="figure previous">(.*?)</td>', row(body, lonely), re.S).group(1)
        assert re.fullmatch(r'<span class="muted">[^<0-9]*</span>', previous.strip())


@pytest.mark.django_db
def test_it_marks_figures_first_submitted_after_the_due_date(reporter, reviewer):
    Period.objects.filter(code="2026Q3").update(due=dt.date(2099, 1, 10))
    on_time = submitted(reporter, "M01-STD", "2026Q3")
    late = submitted(reporter, "M14-RATE", "2025Q1")  # due 2025-04-10, long past
    body = client_for(reviewer).get(QUEUE).content.decode()
    assert 'class="badge late"' in row(body, late)
    assert 'class="badge late"' not in row(body, on_time)


@pytest.mark.django_db
def test_a_row_links_to_the_detail_page_keeping_the_filters(reporter, reviewer):
    waiting = submitted(reporter, "M01-STD")
    body = client_for(reviewer).get(QUEUE + "?unit=330302").content.decode()
    assert f'href="/submissions/{waiting.pk}/?next=%2Freview%2F%3Funit%3D330302"' in row(body, waiting)


@pytest.mark.django_db
def test_the_queue_costs_the_same_queries_for_5_or_40_rows(reviewer):
    """The previous-quarter values of a page come from one query: no query per row."""
    units = list(Indicator.objects.get(code="M01-STD").reporting_units.order_by("code"))[:10]
    periods = ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    slots = [(unit, period) for unit in units for period in periods]  # 40, each unit's quarters in order
    client = client_for(reviewer)

    def make(upto: int, start: int = 0) -> None:
        for unit, period in slots[start:upto]:
            user = reporter_of(unit.code)
            if period == periods[-1]:
                submitted(user, "M01-STD", period)
            else:
                approved(user, reviewer, "M01-STD", period)

    make(5)  # one unit's four quarters and the next unit's first
    client.get(QUEUE)  # warm the session
    few, small = queries_to_get(client, QUEUE + "?status=")
    assert len(row_ids(small.content.decode())) == 5 and small.content.decode().count('class="change"') == 3
    make(40, start=5)
    many, large = queries_to_get(client, QUEUE + "?status=")
    assert len(row_ids(large.content.decode())) == 40 and large.content.decode().count('class="change"') == 30
    assert many == few


@pytest.mark.django_db
def test_the_queue_pages_by_50(reporter, reviewer):
    indicator_codes = ["M01-STD", "M14-RATE", "M01-COV", "M02-ITEM"]
    count = 0
    for period in ("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1", "2027Q2", "2027Q3", "2027Q4", "2024Q4", "2024Q3"):
        for code in indicator_codes:
            draft(reporter, code, period)
            count += 1
    assert count == 56
    client = client_for(reviewer)
    first = client.get(QUEUE + "?status=draft").content.decode()
    second = client.get(QUEUE + "?status=draft&page=2").content.decode()
    assert len(row_ids(first)) == 50 and len(row_ids(second)) == 6
    assert not set(row_ids(first)) & set(row_ids(second))
    assert 'href="?status=draft&amp;page=2"' in first


# --- approving several at once -------------------------------------------------------------------


@pytest.mark.django_db
def test_it_approves_all_selected(reporter, other_reporter, reviewer):
    one = submitted(reporter, "M01-STD")
    two = submitted(other_reporter, "M14-RATE")
    untouched = submitted(reporter, "M14-RATE")
    response = client_for(reviewer).post(QUEUE + "?unit=&status=submitted", {"ids": [one.pk, two.pk]})
    assert response.status_code == 302
    assert response["Location"] == QUEUE + "?unit=&status=submitted"
    for submission in (one, two):
        submission = fresh(submission)
        assert submission.status == Submission.Status.APPROVED
        assert submission.approved_id == submission.current_id
        assert submission.approved.approved_by == reviewer
        assert audit_actions(submission)[-1] == "approve"
    assert fresh(untouched).status == Submission.Status.SUBMITTED
    page = client_for(reviewer).get(response["Location"])
    assert row_ids(page.content.decode()) == [untouched.pk]


@pytest.mark.django_db
def test_the_success_message_is_shown_after_approving(reporter, reviewer):
    one = submitted(reporter, "M01-STD")
    response = client_for(reviewer).post(QUEUE, {"ids": [one.pk]}, follow=True)
    assert 'class="message success"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("spoiler", ["approved", "draft", "returned"])
def test_it_approves_none_when_one_selected_cannot_be_approved(reporter, reviewer, spoiler):
    one = submitted(reporter, "M01-STD")
    two = submitted(reporter, "M14-RATE")
    if spoiler == "approved":
        bad = approved(reporter, reviewer, "M01-COV")
    elif spoiler == "draft":
        bad = draft(reporter, "M01-COV")
    else:
        bad = submission_return(user=reviewer, submission=submitted(reporter, "M01-COV"), reason="请补充")
    approvals_before = AuditEntry.objects.filter(action=AuditEntry.Action.APPROVE).count()
    response = client_for(reviewer).post(QUEUE, {"ids": [one.pk, two.pk, bad.pk]})
    assert response.status_code == 409
    body = response.content.decode()
    assert 'class="form-errors"' in body and "M01-COV" in body
    assert fresh(one).status == fresh(two).status == Submission.Status.SUBMITTED
    assert fresh(one).approved_id is None and fresh(two).approved_id is None
    assert AuditEntry.objects.filter(action=AuditEntry.Action.APPROVE).count() == approvals_before
    # The selection is kept so the reviewer can uncheck the culprit.
    assert f'name="ids" value="{one.pk}" aria-label' in body
    assert re.search(rf'name="ids" value="{one.pk}"[^>]*checked', body)


@pytest.mark.django_db
@pytest.mark.parametrize("ids", [[], ["x"], [999999]])
def test_approving_nothing_or_unknown_ids_is_refused(reporter, reviewer, ids):
    one = submitted(reporter, "M01-STD")
    response = client_for(reviewer).post(QUEUE, {"ids": ids})
    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    assert fresh(one).status == Submission.Status.SUBMITTED


# --- the submission page: approve and return ----------------------------------------------------


@pytest.mark.django_db
def test_a_reviewer_approves_from_the_detail_page_and_returns_to_the_filtered_queue(reporter, reviewer):
    waiting = submitted(reporter, "M01-STD")
    client = client_for(reviewer)
    page = client.get(detail(waiting) + "?next=/review/%3Funit%3D330302").content.decode()
    assert f'action="/submissions/{waiting.pk}/approve/"' in page
    assert 'name="version" value="1"' in page and 'name="next" value="/review/?unit=330302"' in page
    response = client.post(f"/submissions/{waiting.pk}/approve/", {"version": "1", "next": "/review/?unit=330302"})
    assert response.status_code == 302 and response["Location"] == "/review/?unit=330302"
    waiting = fresh(waiting)
    assert waiting.status == Submission.Status.APPROVED and waiting.approved.approved_by == reviewer
    assert audit_actions(waiting)[-1] == "approve"
    assert 'class="message success"' in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_a_reviewer_returns_with_a_reason(reporter, reviewer):
    waiting = submitted(reporter, "M01-STD")
    response = client_for(reviewer).post(
        f"/submissions/{waiting.pk}/return/", {"version": "1", "reason": "请补充证书编号", "next": "/review/"}
    )
    assert response.status_code == 302 and response["Location"] == "/review/"
    waiting = fresh(waiting)
    assert waiting.status == Submission.Status.RETURNED
    assert waiting.current.return_reason == "请补充证书编号" and waiting.current.returned_by == reviewer
    assert audit_actions(waiting)[-1] == "return"


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["", "   "])
def test_returning_without_a_reason_is_refused_next_to_the_field(reporter, reviewer, reason):
    waiting = submitted(reporter, "M01-STD")
    entries_before = audit_actions(waiting)
    response = client_for(reviewer).post(f"/submissions/{waiting.pk}/return/", {"version": "1", "reason": reason})
    assert response.status_code == 400
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    error = re.search(r'<span class="field-error" id="return-reason-error">(.*?)</span>', body, re.S)
    assert error and error.group(1) == "请填写退回理由。"
    assert re.search(r'<textarea id="return-reason" name="reason"[^>]*aria-invalid="true"', body)
    assert fresh(waiting).status == Submission.Status.SUBMITTED and fresh(waiting).current.returned_at is None
    assert audit_actions(waiting) == entries_before


@pytest.mark.django_db
@pytest.mark.parametrize("act", ["approve", "return"])
def test_a_stale_version_is_refused_with_409_and_the_typed_reason_is_kept(reporter, reviewer, act):
    """Someone else returned v1 and the reporter resubmitted v2 while this reviewer looked at v1."""
    waiting = submitted(reporter, "M01-STD", increment="1", items=items(1))
    submission_return(user=reviewer, submission=waiting, reason="请补充")
    submission_save(
        user=reporter, indicator=waiting.indicator, unit=waiting.unit, period=waiting.period,
        values=values_for("M01-STD"), expected_version=1, submit=True,
    )
    response = client_for(reviewer).post(f"/submissions/{waiting.pk}/{act}/", {"version": "1", "reason": "数字有误"})
    assert response.status_code == 409
    body = response.content.decode()
    assert 'class="form-errors"' in body
    assert 'name="version" value="2"' in body  # the page now shows version 2, ready to review
    assert ">数字有误</textarea>" in body
    waiting = fresh(waiting)
    assert waiting.status == Submission.Status.SUBMITTED and waiting.current.number == 2
    assert waiting.current.approved_at is None and waiting.current.returned_at is None


@pytest.mark.django_db
def test_a_next_address_elsewhere_is_ignored(reporter, reviewer):
    waiting = submitted(reporter, "M01-STD")
    response = client_for(reviewer).post(
        f"/submissions/{waiting.pk}/approve/", {"version": "1", "next": "https://elsewhere.invalid/review/"}
    )
    assert response.status_code == 302 and response["Location"] == "/review/"


@pytest.mark.django_db
def test_approved_figures_are_locked_without_review_buttons(reporter, reviewer):
    done = approved(reporter, reviewer, "M01-STD")
    waiting = submitted(reporter, "M14-RATE")
    client = client_for(reviewer)
    body = client.get(detail(done)).content.decode()
    assert 'class="lock-notice"' in body
    assert "/approve/" not in body and "/return/" not in body and 'name="reason"' not in body
    body = client.get(detail(waiting)).content.decode()
    assert 'class="lock-notice"' not in body
    assert f"/submissions/{waiting.pk}/approve/" in body and f"/submissions/{waiting.pk}/return/" in body
    # Approving an approved figure again is refused and changes nothing.
    response = client.post(f"/submissions/{done.pk}/approve/", {"version": "1"})
    assert response.status_code == 409
    assert fresh(done).approved.approved_by == reviewer


# --- the history ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_history_shows_each_version_with_who_when_what_changed_and_why(reporter, reviewer, auditor):
    # draft → submit → return → edit → submit → approve → amend → approve
    submission = draft(reporter, "M01-STD", increment="1", items=items(1))
    submission = submission_submit(user=reporter, submission=submission, expected_version=1)
    submission = submission_return(user=reviewer, submission=submission, reason="请补充第二台装置", expected_version=1)
    submission = submission_save(
        user=reporter, indicator=submission.indicator, unit=submission.unit, period=submission.period,
        values={"increment": "2", "items": items(2)}, expected_version=1,
    )
    submission = submission_submit(user=reporter, submission=submission, expected_version=2)
    client = client_for(reviewer)
    client.post(f"/submissions/{submission.pk}/approve/", {"version": "2"})
    submission = submission_amend(
        user=reporter, submission=fresh(submission), reason="证书编号录入错误，予以更正",
        values={"items": "标准装置1 | CERT-001\n标准装置2 | CERT-992"}, expected_version=2,
    )
    client.post(f"/submissions/{submission.pk}/approve/", {"version": "3"})
    submission = fresh(submission)
    assert submission.status == Submission.Status.APPROVED and submission.approved.number == 3

    body = client_for(auditor).get(detail(submission)).content.decode()
    assert body.count('class="history-entry card"') == 3
    v1, v2, v3 = (section(body, f"version-{n}") for n in (1, 2, 3))
    # Version 1: entered and submitted by the reporter, returned with the reviewer's reason.
    assert "reporter_lucheng" in v1 and 'class="stamp submitted"' in v1
    assert 'class="stamp returned"' in v1 and "reviewer" in v1 and "请补充第二台装置" in v1
    assert 'class="stamp approved"' not in v1
    assert re.search(r'class="change-increment"><th scope="row">[^<]+</th><td class="after">1</td>', v1)
    # Version 2: the increment went 1 → 2, one item added; approved.
    assert re.search(r'class="change-increment"><th scope="row">[^<]+</th><td class="before">1</td><td class="after">2</td>', v2)
    assert "CERT-002" in re.search(r'class="change-items">.*?</tr>', v2, re.S).group(0)
    assert 'class="stamp approved"' in v2 and 'class="stamp returned"' not in v2
    # Version 3: the amendment's reason and what it changed (only the items).
    assert "证书编号录入错误，予以更正" in v3 and 'class="amend-reason"' in v3
    assert "CERT-992" in v3 and 'class="change-increment"' not in v3
    assert 'class="stamp submitted"' in v3 and 'class="stamp approved"' in v3
    for version in (v1, v2, v3):
        assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", version)
    # The audit entries of this submission are listed for the auditor.
    for action in ("create", "submit", "return", "edit", "approve", "amend"):
        assert f'class="audit-{action}"' in body, action


# --- who may see what ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_leaders_see_only_approved_submissions_and_the_approved_values(reporter, reviewer, leader):
    client = client_for(leader)
    assert client.get(detail(draft(reporter, "M14-RATE"))).status_code == 404
    assert client.get(detail(submitted(reporter, "M01-COV"))).status_code == 404
    done = approved(reporter, reviewer, "M01-STD", increment="2", items=items(2))
    submission_amend(user=reporter, submission=done, reason="漏报一台", values={"increment": "3", "items": items(3)}, expected_version=1)
    response = client.get(detail(done))
    assert response.status_code == 200
    body = response.content.decode()
    assert "本季度新增 2" in body or "+2 this quarter" in body
    assert "CERT-003" not in body and "漏报一台" not in body
    assert 'id="version-2"' not in body and 'id="version-1"' in body
    assert 'class="status status-approved"' in body and 'class="badge pending"' not in body
    assert 'class="audit-table"' not in body
    # A reviewer sees the pending amendment beside the approved figures.
    body = client_for(reviewer).get(detail(done)).content.decode()
    assert 'class="badge pending"' in body and "CERT-003" in body and 'id="version-2"' in body and "漏报一台" in body


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.django_db
def test_evidence_files_link_to_their_download_and_leaders_see_only_the_approved_ones(
    reporter, reviewer, leader, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    submission = draft(reporter, "M01-STD")
    first = evidence_attach(user=reporter, submission=submission, uploaded_file=SimpleUploadedFile("证书扫描件.pdf", PDF))
    submission_submit(user=reporter, submission=submission, expected_version=1)
    client_for(reviewer).post(f"/submissions/{submission.pk}/approve/", {"version": "1"})
    submission = submission_amend(
        user=reporter, submission=fresh(submission), reason="补充", values={"note": "补充说明"}, expected_version=1
    )
    later = evidence_attach(user=reporter, submission=submission, uploaded_file=SimpleUploadedFile("更正说明.pdf", PDF + b"%2"))
    body = client_for(reviewer).get(detail(submission)).content.decode()
    assert f'href="/evidence/{first.pk}/"' in body and "证书扫描件.pdf" in body
    assert f'href="/evidence/{later.pk}/"' in body and "更正说明.pdf" in body
    body = client_for(leader).get(detail(submission)).content.decode()
    assert f'href="/evidence/{first.pk}/"' in body
    assert "更正说明.pdf" not in body


@pytest.mark.django_db
def test_reporters_see_their_own_unit_only(reporter, other_reporter):
    own = submitted(reporter, "M01-STD")
    assert client_for(reporter).get(detail(own)).status_code == 200
    assert client_for(other_reporter).get(detail(own)).status_code == 404
    body = client_for(reporter).get(detail(own)).content.decode()
    assert "/approve/" not in body and 'class="audit-table"' not in body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "auditor", "admin_user"])
def test_reviewers_auditors_and_admins_read_every_submission(request, reporter, role):
    user = request.getfixturevalue(role)
    body = client_for(user).get(detail(draft(reporter, "M01-STD"))).content.decode()
    assert 'id="version-1"' in body
    assert ('class="data audit-table"' in body) == (role in ("reviewer", "auditor"))


@pytest.mark.django_db
def test_an_unknown_submission_is_404(reviewer):
    assert client_for(reviewer).get("/submissions/999999/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", NOT_REVIEWERS)
def test_only_reviewers_see_the_queue_or_approve(request, reporter, role):
    user = request.getfixturevalue(role)
    waiting = submitted(reporter, "M01-STD")
    client = client_for(user)
    assert client.get(QUEUE).status_code == 403
    assert client.post(QUEUE, {"ids": [waiting.pk]}).status_code == 403
    assert client.post(f"/submissions/{waiting.pk}/approve/", {"version": "1"}).status_code == 403
    assert client.post(f"/submissions/{waiting.pk}/return/", {"version": "1", "reason": "不对"}).status_code == 403
    waiting = fresh(waiting)
    assert waiting.status == Submission.Status.SUBMITTED and waiting.approved_id is None
    assert audit_actions(waiting) == ["create", "submit"]


@pytest.mark.django_db
def test_the_review_pages_need_a_login(reporter):
    from django.test import Client

    waiting = submitted(reporter, "M01-STD")
    for path in (QUEUE, detail(waiting)):
        response = Client().get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert Client().post(f"/submissions/{waiting.pk}/approve/", {"version": "1"}).status_code == 302
    assert fresh(waiting).status == Submission.Status.SUBMITTED


@pytest.mark.django_db
def test_the_review_link_appears_for_reviewers_only(reviewer, leader):
    assert 'href="/review/"' in client_for(reviewer).get("/plan/").content.decode()
    assert 'href="/review/"' not in client_for(leader).get("/plan/").content.decode()
