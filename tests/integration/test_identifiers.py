"""Nothing counted twice: identifiers of counted items, refused at entry when already counted, held
by the database under concurrency, flagged to reviewers and listed for auditors."""

from __future__ import annotations

import csv as csv_module
import html
import io

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from targets.actions import FiguresInvalid, submission_amend, submission_approve, submission_return, submission_save, submission_submit
from targets.actions.item_claims import IdentifiersTaken
from targets.actions.tokens import token_issue
from targets.identifiers import USCC, is_uscc, normalised
from targets.models import AuditEntry, Indicator, ItemClaim, Submission, SubmissionVersion, User
from targets.plan_file import PlanFileError, validate_plan_data

from ..conftest import client_for, plan_file_data
from ..factories import approved, open_period, submitted, uscc
from .test_races import at_once, statuses

API = "/api/v1/submissions/"
ENTERPRISE = uscc(424242)  # a well-formed code, computed (factories.uscc)
OTHER = uscc(434343)
LUCHENG_REFUSAL = f"第1项：该统一社会信用代码（{ENTERPRISE}）已由鹿城区在2026Q2计入。"


def api(user: User) -> Client:
    return Client(headers={"Authorization": f"Token {token_issue(user=user).key}"})


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switcher's choice
    return client


def lines(*pairs: tuple[str, str]) -> str:
    return "\n".join(f"{name} | {code}" for name, code in pairs)


def counted(code: str = "M10-ENT") -> dict[str, str]:
    """Return {identifier: unit code} of what counts for the indicator."""
    return dict(ItemClaim.objects.filter(indicator__code=code).values_list("identifier", "submission__unit__code"))


def refusals() -> list[dict]:
    return [e.after for e in AuditEntry.objects.filter(action=AuditEntry.Action.DUPLICATE_REFUSED).order_by("id")]


# --- The plan says which identifier ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_plan_names_the_identifier_of_every_counted_indicator(plan):
    identifiers = dict(plan.indicators.filter(kind=Indicator.Kind.CUMULATIVE).values_list("code", "item_identifier"))
    assert {code for code, kind in identifiers.items() if kind == USCC} == {"M10-ENT", "M12-AUD", "M15-PLG", "G27-DEMO"}
    assert identifiers["M01-STD"] == "certificate" and identifiers["M06-SPEC"] == "certificate"


def test_a_plan_file_must_name_it_for_counted_indicators_only():
    from targets.plan_file import _dates_to_iso

    data = _dates_to_iso(plan_file_data())
    std = next(i for i in data["indicators"] if i["code"] == "M01-STD")
    rate = next(i for i in data["indicators"] if i["code"] == "M14-RATE")
    del std["item_identifier"]
    rate["item_identifier"] = "uscc"
    with pytest.raises(PlanFileError) as refused:
        validate_plan_data(data)
    paths = {p.path for p in refused.value.problems}
    assert any(p.endswith(".item_identifier") for p in paths) and len(paths) == 2, paths


# --- Refused at entry --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_credit_code_counted_by_another_unit_is_refused_through_the_api(plan, reporter, other_reporter, reviewer):
    approved(reporter, reviewer, "M10-ENT", "2026Q2", increment="1", items=lines(("温州瑞丰电气有限公司", ENTERPRISE)))
    open_period("2026Q3")
    typed = " ".join([ENTERPRISE[:9].lower(), ENTERPRISE[9:]])  # as typed: lower case, a space
    before = (Submission.objects.count(), SubmissionVersion.objects.count())
    response = api(other_reporter).post(API, {
        "indicator": "M10-ENT", "unit": "330381", "period": "2026Q3", "increment": 1,
        "items": [{"name": "瑞丰电气", "number": typed}],
    }, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["items"] == [LUCHENG_REFUSAL]
    assert (Submission.objects.count(), SubmissionVersion.objects.count()) == before, "nothing saved"
    assert refusals() == [{
        "indicator": "M10-ENT", "identifier": ENTERPRISE, "name": "瑞丰电气", "unit": "330381", "unit_name": "瑞安市",
        "period": "2026Q3", "counted_by_unit": "330302", "counted_by_unit_name": "鹿城区", "counted_in_period": "2026Q2",
        "counted_by_submission": Submission.objects.get(indicator__code="M10-ENT", unit__code="330302").pk,
    }]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DUPLICATE_REFUSED)
    assert entry.actor == other_reporter
    with_english = english(api(other_reporter)).post(API, {
        "indicator": "M10-ENT", "unit": "330381", "period": "2026Q3", "increment": 1, "items": [{"name": "x", "number": ENTERPRISE}],
    }, content_type="application/json")
    assert "already counted by" in with_english.json()["errors"]["items"][0]


@pytest.mark.django_db
def test_the_same_unit_cannot_count_it_again_in_a_later_quarter_on_the_web_form(plan, reporter, reviewer):
    approved(reporter, reviewer, "M10-ENT", "2026Q2", increment="1", items=lines(("温州瑞丰电气有限公司", ENTERPRISE)))
    open_period("2026Q3")
    typed = lines(("温州瑞丰电气有限公司", ENTERPRISE), ("温州华锐阀门有限公司", OTHER))
    response = client_for(reporter).post("/report/2026Q3/M10-ENT/", {"increment": "2", "items": typed, "action": "submit"})
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    assert LUCHENG_REFUSAL in body
    assert typed in body, "what was typed is kept"
    assert not Submission.objects.filter(period__code="2026Q3").exists()
    assert len(refusals()) == 1


@pytest.mark.django_db
def test_a_wrong_check_character_is_refused(plan, reporter):
    open_period("2026Q3")
    wrong = ENTERPRISE[:-1] + ("A" if ENTERPRISE[-1] != "A" else "B")
    response = client_for(reporter).post("/report/2026Q3/M10-ENT/", {"increment": "1", "items": lines(("某企业", wrong)), "action": "draft"})
    assert response.status_code == 400
    assert f"第1项：统一社会信用代码“{wrong}”的校验码（最后一位）有误" in html.unescape(response.content.decode())
    refused = english(api(reporter)).post(API, {
        "indicator": "M10-ENT", "unit": "330302", "period": "2026Q3", "increment": 1, "items": [{"name": "x", "number": wrong}],
    }, content_type="application/json")
    assert refused.status_code == 400 and "check character" in refused.json()["errors"]["items"][0]
    assert not Submission.objects.exists() and refusals() == [], "a malformed code is no duplicate"


@pytest.fixture
def chinese():
    """The actions answer in the active language: Chinese, as the portal speaks first."""
    with translation.override("zh-hans"):
        yield


@pytest.mark.django_db
def test_a_code_is_stored_normalised_and_a_list_never_names_one_twice(plan, reporter, chinese):
    open_period("2026Q3")
    saved = submitted(reporter, "M10-ENT", "2026Q3", increment="1", items=lines(("某企业", f" {ENTERPRISE.lower()} ")))
    assert saved.current.items == [{"name": "某企业", "number": ENTERPRISE}]
    with pytest.raises(FiguresInvalid) as twice:  # a mistake in the list itself
        submission_save(
            user=reporter, indicator=Indicator.objects.get(code="M12-AUD"), unit=reporter.unit,
            period=open_period("2026Q3"), values={"increment": "2", "items": lines(("甲", OTHER), ("乙", OTHER.lower()))},
        )
    assert not isinstance(twice.value, IdentifiersTaken)
    assert twice.value.errors["items"] == [f"第2项：统一社会信用代码{OTHER}与第1项重复，每项只计一次。"]


@pytest.mark.django_db
def test_a_submission_needs_each_items_identifier_a_draft_does_not(plan, reporter, chinese):
    open_period("2026Q3")
    indicator = Indicator.objects.get(code="M10-ENT")
    draft = submission_save(
        user=reporter, indicator=indicator, unit=reporter.unit, period=open_period("2026Q3"),
        values={"increment": "1", "items": "名称待补代码"},
    )
    with pytest.raises(FiguresInvalid) as refused:
        submission_submit(user=reporter, submission=draft, expected_version=1)
    assert refused.value.errors["items"] == ["第1项：缺少统一社会信用代码。"]


# --- What counts: own re-submissions and amendments are never refused; returns release -------------


@pytest.mark.django_db
def test_own_amendments_keep_their_items_and_returns_release_them(plan, reporter, other_reporter, reviewer, chinese):
    m10 = Indicator.objects.get(code="M10-ENT")
    q3 = open_period("2026Q3")
    mine = approved(reporter, reviewer, "M10-ENT", "2026Q3", increment="1", items=lines(("甲企业", ENTERPRISE)))
    # Amending the same quarter with the same enterprise plus one more is no duplicate.
    mine = submission_amend(
        user=reporter, submission=mine, reason="补录一家", expected_version=1,
        values={"increment": "2", "items": lines(("甲企业", ENTERPRISE), ("乙企业", OTHER))},
    )
    assert counted() == {ENTERPRISE: "330302", OTHER: "330302"}, "what an amendment adds counts at once"
    # Returned: the amendment's new item no longer counts, the approved one still does.
    submission_return(user=reviewer, submission=mine, reason="核实乙企业", expected_version=2)
    assert counted() == {ENTERPRISE: "330302"}
    theirs = submission_save(
        user=other_reporter, indicator=m10, unit=other_reporter.unit, period=q3, submit=True,
        values={"increment": "1", "items": lines(("乙企业", OTHER))},
    )
    assert counted() == {ENTERPRISE: "330302", OTHER: "330381"}
    # The returned amendment, re-submitted with the other unit's enterprise, is refused naming it.
    with pytest.raises(IdentifiersTaken) as refused:
        submission_submit(user=reporter, submission=mine, expected_version=2)
    assert refused.value.errors["items"] == [f"第2项：该统一社会信用代码（{OTHER}）已由瑞安市在2026Q3报送（待审核）。"]
    # An amendment dropping an item: it counts until the amendment is approved.
    submission_approve(user=reviewer, submission=theirs, expected_version=1)
    mine = submission_save(
        user=reporter, indicator=m10, unit=reporter.unit, period=q3, expected_version=2, submit=True,
        values={"increment": "1", "items": lines(("甲企业", ENTERPRISE))},
    )
    approved_now = submission_approve(user=reviewer, submission=mine, expected_version=3)
    dropped = submission_amend(user=reporter, submission=approved_now, reason="甲企业不属于本季度", expected_version=3,
                               values={"increment": "0", "items": ""})
    assert counted() == {ENTERPRISE: "330302", OTHER: "330381"}, "the approved version still counts it"
    submission_approve(user=reviewer, submission=dropped, expected_version=4)
    assert counted() == {OTHER: "330381"}


# --- Excel --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_excel_upload_with_a_counted_code_saves_nothing_and_is_recorded(plan, reporter, other_reporter, reviewer):
    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    approved(other_reporter, reviewer, "M10-ENT", "2026Q2", increment="1", items=lines(("甲企业", ENTERPRISE)))
    open_period("2026Q3")
    client = client_for(reporter)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("targets:excel_template", args=["2026Q3"])).content))
    sheet = workbook.worksheets[1]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == "M10-ENT")
    column = next(c for c in range(1, sheet.max_column + 1) if sheet.cell(row=1, column=c).value and "增量" in str(sheet.cell(row=1, column=c).value))
    sheet.cell(row=row, column=column).value = 1
    workbook.worksheets[2].append(["M10-ENT", "甲企业", ENTERPRISE])
    out = io.BytesIO()
    workbook.save(out)
    response = client.post(reverse("targets:excel_upload", args=["2026Q3"]), {
        "file": SimpleUploadedFile("f.xlsx", out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    })
    assert response.status_code in (200, 400)
    row = next(r for r in response.context["rows"] if r["code"] == "M10-ENT")
    assert row["outcome"] == "error"
    assert f"该统一社会信用代码（{ENTERPRISE}）已由瑞安市在2026Q2计入" in str(row["errors"])
    assert not Submission.objects.filter(unit=reporter.unit).exists()
    assert [r["unit"] for r in refusals()] == ["330302"]


# --- The database guarantee --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_table_takes_an_identifier_once_per_indicator(plan, reporter, reviewer):
    first = approved(reporter, reviewer, "M10-ENT", "2026Q2", increment="1", items=lines(("甲企业", ENTERPRISE)))
    other_indicator = Indicator.objects.get(code="M15-PLG")
    ItemClaim.objects.create(indicator=other_indicator, identifier=ENTERPRISE, submission=first, name="甲企业", name_key="甲企业")
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemClaim.objects.create(indicator=first.indicator, identifier=ENTERPRISE, submission=first, name="x", name_key="x")


@pytest.mark.django_db(transaction=True)
def test_two_units_submitting_one_code_at_the_same_moment_leave_exactly_one_counted(plan, reporter, other_reporter):
    q3 = open_period("2026Q3")
    m10 = Indicator.objects.get(code="M10-ENT")
    drafts = [
        submission_save(user=user, indicator=m10, unit=user.unit, period=q3, values={"increment": "1", "items": lines(("甲企业", ENTERPRISE))})
        for user in (reporter, other_reporter)
    ]
    clients = [api(reporter), api(other_reporter)]
    responses = at_once(2, lambda i: clients[i].post(
        f"{API}{drafts[i].pk}/submit/", {"version": 1}, content_type="application/json"
    ))
    assert statuses(responses) == {200: 1, 400: 1}, statuses(responses)
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    loser = 1 - winner
    winner_unit = (reporter, other_reporter)[winner].unit
    assert counted() == {ENTERPRISE: winner_unit.code}
    assert responses[loser].json()["errors"]["items"] == [
        f"第1项：该统一社会信用代码（{ENTERPRISE}）已由{winner_unit.name}在2026Q3报送（待审核）。"
    ]
    assert Submission.objects.get(pk=drafts[loser].pk).status == Submission.Status.DRAFT, "the loser stays a draft"
    assert [r["unit"] for r in refusals()] == [(reporter, other_reporter)[loser].unit.code]


# --- Reviewers and auditors ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_reviewers_see_possible_duplicates_by_name(plan, reporter, other_reporter, reviewer, auditor):
    approved(reporter, reviewer, "M10-ENT", "2026Q2", increment="1", items=lines(("温州瑞丰电气有限公司", ENTERPRISE)))
    open_period("2026Q3")
    waiting = submitted(other_reporter, "M10-ENT", "2026Q3", increment="2",
                        items=lines(("温州 瑞丰电气有限公司", OTHER), ("温州华锐阀门有限公司", uscc(454545))))
    page = client_for(reviewer).get(reverse("targets:submission_detail", args=[waiting.pk])).content.decode()
    assert 'class="possible-duplicates card"' in page
    flagged = page.split('class="possible-duplicates card"')[1].split("</section>")[0]
    assert flagged.count('class="possible-duplicate"') == 1
    assert OTHER in flagged and ENTERPRISE in flagged and "鹿城区" in flagged and "2026Q2" in flagged
    assert "华锐" not in flagged
    assert 'class="possible-duplicates card"' in client_for(auditor).get(reverse("targets:submission_detail", args=[waiting.pk])).content.decode()
    own = client_for(other_reporter).get(reverse("targets:submission_detail", args=[waiting.pk])).content.decode()
    assert 'class="possible-duplicates' not in own, "another unit's items are not shown to a reporter"


@pytest.mark.django_db
def test_auditors_list_every_refused_duplicate(plan, reporter, other_reporter, reviewer, auditor, leader):
    approved(reporter, reviewer, "M10-ENT", "2026Q2", increment="1", items=lines(("甲企业", ENTERPRISE)))
    open_period("2026Q3")
    for _ in range(2):
        client_for(other_reporter).post("/report/2026Q3/M10-ENT/", {"increment": "1", "items": lines(("甲企业", ENTERPRISE)), "action": "draft"})
    page = client_for(auditor).get(reverse("targets:refused_duplicates"))
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count('class="refused-duplicate"') == 2
    assert ENTERPRISE in body and "瑞安市" in body and "鹿城区" in body and "reporter_ruian" in body
    for user in (leader, reviewer, reporter):
        assert client_for(user).get(reverse("targets:refused_duplicates")).status_code == 403
    csv = client_for(auditor).get(page.context["csv_url"])
    assert csv.status_code == 200
    rows = list(csv_module.reader(io.StringIO(b"".join(csv.streaming_content).decode("utf-8-sig"))))
    assert sum(ENTERPRISE in ",".join(row) for row in rows) == 2, "the same entries as CSV"


# --- The demo ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_lists_valid_unique_identifiers_and_claims_them(plan, demo):
    versions = SubmissionVersion.objects.filter(submission__indicator__kind=Indicator.Kind.CUMULATIVE).select_related(
        "submission__indicator"
    )
    seen: dict[int, set[str]] = {}
    for version in versions:
        indicator = version.submission.indicator
        assert len(version.items) == version.increment, version
        for item in version.items:
            code = normalised(item["number"])
            assert code and (indicator.item_identifier != USCC or is_uscc(code)), item
            assert code not in seen.setdefault(indicator.pk, set()), f"{indicator.code} counts {code} twice"
            seen[indicator.pk].add(code)
    counted_versions = versions.exclude(submission__status=Submission.Status.RETURNED)
    assert ItemClaim.objects.count() == sum(len(v.items) for v in counted_versions) > 1000
