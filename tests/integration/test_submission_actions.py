"""The reporting cycle's rules, at the actions every door (form, Excel, API) goes through."""

import pytest

from targets.actions import (
    ActionError,
    FiguresInvalid,
    StaleVersion,
    submission_amend,
    submission_approve,
    submission_return,
    submission_save,
    submission_submit,
    submissions_approve_many,
)
from targets.models import AuditEntry, Indicator, Period, Submission, SubmissionVersion

from ..factories import approved, draft, open_period, submitted, values_for


def counts() -> tuple[int, int, int]:
    return Submission.objects.count(), SubmissionVersion.objects.count(), AuditEntry.objects.count()


@pytest.mark.django_db
def test_a_draft_accepts_partial_input_and_submitting_needs_everything(reporter):
    submission = draft(reporter, "M14-RATE", numerator="", denominator="1000")
    assert submission.status == "draft" and submission.current.denominator == 1000
    with pytest.raises(FiguresInvalid) as refused:
        submission_submit(user=reporter, submission=submission)
    assert set(refused.value.errors) == {"numerator"}
    assert Submission.objects.get().status == "draft"


@pytest.mark.django_db
def test_a_second_submission_for_the_same_slot_is_refused(reporter):
    draft(reporter, "M14-RATE")
    before = counts()
    with pytest.raises(ActionError) as refused:
        draft(reporter, "M14-RATE")
    assert "already" in refused.value.message or "已" in refused.value.message
    assert counts() == before


@pytest.mark.django_db
def test_a_stale_save_is_refused_and_shows_the_other_version(reporter):
    first = draft(reporter, "M14-RATE")
    # Two people start from version 1; the first saves, the second is refused.
    indicator, unit, period = first.indicator, first.unit, first.period
    submission_save(user=reporter, indicator=indicator, unit=unit, period=period, values=values_for("M14-RATE", numerator="995"), expected_version=1)
    before = counts()
    with pytest.raises(StaleVersion) as refused:
        submission_save(user=reporter, indicator=indicator, unit=unit, period=period, values=values_for("M14-RATE", numerator="980"), expected_version=1)
    assert refused.value.status == 409
    assert refused.value.current.current.numerator == 995
    assert counts() == before


@pytest.mark.django_db
def test_a_closed_period_and_an_unassigned_indicator_are_refused(reporter):
    period = Period.objects.get(code="2024Q1")
    period.is_open = False
    period.save()
    with pytest.raises(ActionError) as closed:
        submission_save(user=reporter, indicator=Indicator.objects.get(code="M14-RATE"), unit=reporter.unit, period=period, values=values_for("M14-RATE"))
    assert closed.value.field == "period"
    with pytest.raises(ActionError) as unassigned:
        submission_save(user=reporter, indicator=Indicator.objects.get(code="M11-ECG"), unit=reporter.unit, period=open_period("2026Q3"), values={"done": "false"})
    assert unassigned.value.field == "indicator"
    assert Submission.objects.count() == 0


@pytest.mark.django_db
def test_only_the_units_reporters_enter_and_only_reviewers_review(reporter, other_reporter, reviewer, leader):
    with pytest.raises(ActionError) as outsider:
        submission_save(user=other_reporter, indicator=Indicator.objects.get(code="M14-RATE"), unit=reporter.unit, period=open_period("2026Q3"), values=values_for("M14-RATE"))
    assert outsider.value.status == 403
    submission = submitted(reporter, "M14-RATE")
    for user in (reporter, leader):
        with pytest.raises(ActionError) as refused:
            submission_approve(user=user, submission=submission)
        assert refused.value.status == 403
    assert Submission.objects.get().status == "submitted"


@pytest.mark.django_db
def test_approved_figures_are_locked(reporter, reviewer):
    submission = approved(reporter, reviewer, "M14-RATE")
    with pytest.raises(ActionError):
        submission_save(user=reporter, indicator=submission.indicator, unit=submission.unit, period=submission.period, values=values_for("M14-RATE"), expected_version=1)
    with pytest.raises(ActionError):
        submission_return(user=reviewer, submission=submission, reason="x")


@pytest.mark.django_db
def test_an_amendment_needs_a_reason_and_the_approved_version_counts_until_it_is_approved(reporter, reviewer):
    submission = approved(reporter, reviewer, "M14-RATE")
    with pytest.raises(ActionError) as no_reason:
        submission_amend(user=reporter, submission=submission, reason=" ", values={"numerator": "985"})
    assert no_reason.value.field == "reason"
    amended = submission_amend(user=reporter, submission=submission, reason="统计口径更正", values={"numerator": "985"}, expected_version=1)
    assert amended.status == "submitted" and amended.current.number == 2 and amended.current.reason == "统计口径更正"
    assert amended.approved.number == 1 and amended.approved.numerator == 990, "still counting the approved one"
    reapproved = submission_approve(user=reviewer, submission=amended, expected_version=2)
    assert reapproved.approved.number == 2 and reapproved.approved.numerator == 985
    assert SubmissionVersion.objects.get(submission=submission, number=1).numerator == 990, "old version kept"


@pytest.mark.django_db
def test_returning_needs_a_reason_and_the_reporter_fixes_and_resubmits(reporter, reviewer):
    submission = submitted(reporter, "M14-RATE")
    with pytest.raises(ActionError):
        submission_return(user=reviewer, submission=submission, reason="")
    returned = submission_return(user=reviewer, submission=submission, reason="分母有误")
    assert returned.status == "returned" and returned.current.return_reason == "分母有误"
    fixed = submission_save(user=reporter, indicator=returned.indicator, unit=returned.unit, period=returned.period, values=values_for("M14-RATE", denominator="1001"), expected_version=1, submit=True)
    assert fixed.status == "submitted" and fixed.current.number == 2


@pytest.mark.django_db
def test_approving_many_is_all_or_nothing(reporter, reviewer):
    a = submitted(reporter, "M14-RATE")
    b = submitted(reporter, "M01-STD")
    c = draft(reporter, "M12-AUD", increment="0", items="")
    with pytest.raises(ActionError):
        submissions_approve_many(user=reviewer, submissions=[a, b, c])
    assert set(Submission.objects.values_list("status", flat=True)) == {"submitted", "draft"}
    assert submissions_approve_many(user=reviewer, submissions=[a, b]) == 2
    assert Submission.objects.filter(status="approved").count() == 2


@pytest.mark.django_db
def test_unusual_values_need_an_explanation(reporter, reviewer):
    approved(reporter, reviewer, "M01-STD", "2026Q2", increment="2", items="a|1\nb|2")
    items = "\n".join(f"s{i}|c{i}" for i in range(7))
    with pytest.raises(FiguresInvalid) as refused:
        submitted(reporter, "M01-STD", "2026Q3", increment="7", items=items)
    assert "explanation" in refused.value.errors
    accepted = submitted(reporter, "M01-STD", "2026Q3", increment="7", items=items, explanation="新建实验室集中验收")
    assert accepted.status == "submitted"


@pytest.mark.django_db
def test_approving_many_refuses_a_version_the_reviewer_did_not_see(reporter, reviewer):
    seen = submitted(reporter, "M14-RATE")
    other = submitted(reporter, "M01-STD")
    with pytest.raises(StaleVersion):
        submissions_approve_many(user=reviewer, submissions=[seen, other], expected_versions={seen.pk: 1, other.pk: 7})
    assert not Submission.objects.filter(status="approved").exists()
