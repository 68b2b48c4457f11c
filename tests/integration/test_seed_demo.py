"""seed_demo: one login per role and deterministic, plausible approved figures, marked as demo."""

import hashlib
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from targets.actions.demo import DEMO_PASSWORD, FIRST_PERIOD, LAST_PERIOD
from targets.models import Indicator, Period, Submission, SubmissionVersion, User


def seed() -> str:
    out = io.StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def fingerprint() -> str:
    rows = SubmissionVersion.objects.order_by(
        "submission__indicator__code", "submission__unit__code", "submission__period__code"
    ).values_list(
        "submission__indicator__code", "submission__unit__code", "submission__period__code",
        "increment", "numerator", "denominator", "done", "completed_on", "self_status", "approved_at",
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


@pytest.mark.django_db
def test_it_creates_a_login_per_role_and_prints_them(plan):
    out = seed()
    for role in User.Role.values:
        users = User.objects.filter(role=role, is_demo=True)
        assert users.exists(), role
        for user in users:
            assert user.username in out
            assert user.check_password(DEMO_PASSWORD)
    assert User.objects.filter(role="reporter", is_demo=True).count() >= 3
    assert DEMO_PASSWORD in out
    # People's names and units by name (not their codes).
    from targets.models import Unit

    lucheng = Unit.objects.get(code="330302")
    assert "陈晓红" in out and (lucheng.name_zh in out or lucheng.name_en in out) and "[330302]" not in out


@pytest.mark.django_db
def test_it_covers_every_indicator_and_reporting_unit_with_approved_figures(demo):
    periods = Period.objects.filter(code__gte=FIRST_PERIOD, code__lte=LAST_PERIOD)
    assert periods.count() == 15
    submissions = Submission.objects.all()
    in_review = submissions.exclude(status="approved")
    assert in_review.exists() and set(in_review.values_list("period__code", flat=True)) == {LAST_PERIOD}
    assert set(in_review.values_list("status", flat=True)) == {"submitted", "returned"}
    assert submissions.filter(status="approved", approved__isnull=True).count() == 0
    assert in_review.filter(approved__isnull=False).count() == 0, "nothing in review counts for progress"
    assert submissions.filter(is_demo=False).count() == 0
    for indicator in Indicator.objects.prefetch_related("reporting_units"):
        for unit in indicator.reporting_units.all():
            reported = submissions.filter(indicator=indicator, unit=unit).count()
            assert reported >= 10, (indicator.code, unit.code, reported)
    slots = sum(i.reporting_units.count() for i in Indicator.objects.all()) * 15
    missing = slots - submissions.count()
    late = sum(1 for s in submissions.select_related("period") if s.is_late)
    assert 0 < missing < slots * 0.05, "a few reports are missing"
    assert 0 < late < submissions.count() * 0.2, "a few reports are late"


@pytest.mark.django_db
def test_some_units_are_ahead_and_some_lagging(demo):
    per_unit = {}
    for code, increment in Submission.objects.filter(indicator__code="M10-ENT").values_list("unit__code", "approved__increment"):
        per_unit[code] = per_unit.get(code, 0) + increment
    assert per_unit["330302"] > 2 * per_unit["330329"], "Lucheng runs ahead of Taishun"


@pytest.mark.django_db
def test_it_is_deterministic_and_does_not_duplicate(demo):
    first = fingerprint()  # the session's demo state, made by the same command
    count = Submission.objects.count()
    out = seed()
    assert Submission.objects.count() == count
    assert "unchanged" in out
    SubmissionVersion.objects.update(approved_by=None)
    Submission.objects.update(current=None, approved=None)
    SubmissionVersion.objects.all().delete()
    Submission.objects.all().delete()
    seed()
    assert fingerprint() == first


@pytest.mark.django_db
def test_running_it_again_leaves_the_logins_and_the_audit_log_alone(demo):
    from targets.models import AuditEntry

    leader = User.objects.get(username="leader")
    leader.set_password("Changed-by-the-leader-2026")
    leader.save()
    entries = AuditEntry.objects.count()
    seed()
    assert AuditEntry.objects.count() == entries, "nothing new to log"
    leader.refresh_from_db()
    assert leader.check_password("Changed-by-the-leader-2026")
    # A demo login whose role was changed is put back.
    User.objects.filter(username="reviewer").update(role=User.Role.LEADER)
    seed()
    assert User.objects.get(username="reviewer").role == User.Role.REVIEWER



@pytest.mark.django_db
def test_the_figures_have_the_audit_trail_the_actions_would_write_in_time_order(demo):
    from targets.models import AuditEntry
    from targets.selectors.audit import audit_verify

    assert audit_verify() is None, "the chain verifies"
    returned = Submission.objects.filter(status="returned").select_related("current").first()
    trail = AuditEntry.objects.filter(object_type="submission", object_id=str(returned.pk)).order_by("id")
    assert [e.action for e in trail] == ["create", "submit", "return"]
    assert trail[2].actor_name == "reviewer" and trail[2].after["reason"] == returned.current.return_reason
    assert trail[0].at == returned.current.created_at and trail[2].at == returned.current.returned_at
    approved = Submission.objects.filter(status="approved").count()
    assert AuditEntry.objects.filter(action="approve", object_type="submission").count() == approved
    times = list(AuditEntry.objects.filter(object_type="submission").order_by("id").values_list("at", flat=True))
    assert times == sorted(times), "appended in time order"
