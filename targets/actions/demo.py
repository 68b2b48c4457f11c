"""Deterministic, plausible demo figures: some units ahead, some lagging, a few reports late or missing.

Everything is derived from seeded random generators keyed by indicator and unit codes, so two runs
produce the same figures. Every row is flagged `is_demo` and shown as demo data.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ..models import AuditEntry, Indicator, Period, Plan, Submission, SubmissionVersion, User
from .audit import audit_record_many
from .progress import progress_recompute_all
from .users import user_create_or_update

FIRST_PERIOD = "2023Q1"
LAST_PERIOD = "2026Q3"
DEMO_PASSWORD = "Wenzhou-demo-2026"

# Units that run ahead of or behind the plan in the demo, so dashboards have something to show.
UNIT_PACE = {
    "330302": 1.35,  # Lucheng
    "330381": 1.3,  # Rui'an
    "330382": 1.2,  # Yueqing
    "330328": 0.55,  # Wencheng
    "330329": 0.45,  # Taishun
    "330305": 0.7,  # Dongtou
}
# Units whose reports are often late or missing.
SLOW_REPORTERS = {"330329": 0.25, "330328": 0.15, "330305": 0.1}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    unit_code: str | None
    display_name: str = ""

    @property
    def password(self) -> str:
        return DEMO_PASSWORD


DEMO_LOGINS = [
    # Made-up people with plausible Chinese names: pages name people, not logins.
    DemoLogin("reporter_lucheng", User.Role.REPORTER, "330302", "陈晓红"),
    DemoLogin("reporter_ruian", User.Role.REPORTER, "330381", "林志强"),
    DemoLogin("reporter_taishun", User.Role.REPORTER, "330329", "吴丽娟"),
    DemoLogin("reporter_mti", User.Role.REPORTER, "D-MTI", "郑海峰"),
    DemoLogin("reporter_amr", User.Role.REPORTER, "D-AMR", "黄静怡"),
    DemoLogin("reviewer", User.Role.REVIEWER, None, "周建国"),
    DemoLogin("leader", User.Role.LEADER, None, "王立新"),
    DemoLogin("auditor", User.Role.AUDITOR, None, "李明华"),
    DemoLogin("admin", User.Role.ADMIN, None, "张伟"),
]

# Who entered a demo figure of a unit without a demo login (the audit log's user name).
DEMO_AUTHOR = "演示数据"

RETURN_REASON = "数据与e-CQS平台记录不一致，请核实后重新提交。"

NARRATIVE_TEXTS = [
    "本季度按计划推进相关工作，召开专题推进会，落实责任分工。",
    "完成阶段性任务，组织业务培训，相关制度文件已印发。",
    "部分工作受经费和人员制约，进度略有滞后，已制定整改措施。",
    "与有关部门开展协同，工作机制逐步完善，下季度继续深化。",
]


def _rng(*parts: str) -> random.Random:
    return random.Random("|".join(parts))


def _count(rng: random.Random, rate: float) -> int:
    """Return a whole count whose mean is `rate` (counts are never fractions)."""
    whole = int(rate)
    return whole + (1 if rng.random() < rate - whole else 0)


def _first_target_value(indicator: Indicator) -> float:
    target = min(indicator.targets.all(), key=lambda t: t.deadline, default=None)
    return float(target.value) if target else 0.0


def _cumulative(
    indicator: Indicator, unit_code: str, periods: list[Period], n_units: int, rng: random.Random, pace: float, overall: float
) -> list[dict]:
    per_quarter = _first_target_value(indicator) / 12 / n_units * pace * overall
    return [{"increment": Decimal(_count(rng, per_quarter))} for _ in periods]


def _ratio_ytd(
    indicator: Indicator, unit_code: str, periods: list[Period], n_units: int, rng: random.Random, pace: float, overall: float
) -> list[dict]:
    rows = []
    base = rng.randint(1500, 6000)
    level = min(0.999, 0.985 * (0.99 + 0.01 * pace))
    for _ in periods:
        den = base + rng.randint(-200, 200)
        num = min(den, round(den * min(0.999, level + rng.uniform(-0.015, 0.01))))
        rows.append({"numerator": Decimal(num), "denominator": Decimal(den)})
    return rows


def _ratio_latest(
    indicator: Indicator, unit_code: str, periods: list[Period], n_units: int, rng: random.Random, pace: float, overall: float
) -> list[dict]:
    rows = []
    if indicator.code in ("M02-GRB", "M02-GRA"):
        # One legal verification institution per county: graded or not yet.
        reach_at = int(rng.uniform(0, 14) / (pace * overall)) if rng.random() < 0.85 * pace else 99
        for i, _ in enumerate(periods):
            rows.append({"numerator": Decimal(1 if i >= reach_at else 0), "denominator": Decimal(1)})
    else:
        den = rng.randint(40, 70)
        share = rng.uniform(0.55, 0.75)
        for _ in periods:
            share = min(1.0, share + rng.uniform(0.0, 0.05) * pace)
            rows.append({"numerator": Decimal(round(den * share)), "denominator": Decimal(den)})
    return rows


def _milestone(
    indicator: Indicator, unit_code: str, periods: list[Period], n_units: int, rng: random.Random, pace: float, overall: float
) -> list[dict]:
    rows = []
    done_at = int(rng.uniform(4, 18) / overall)
    for i, period in enumerate(periods):
        done = i >= done_at
        completed = periods[done_at].start + dt.timedelta(days=rng.randint(5, 80)) if done else None
        rows.append({"done": done, "completed_on": completed})
    return rows


def _narrative(
    indicator: Indicator, unit_code: str, periods: list[Period], n_units: int, rng: random.Random, pace: float, overall: float
) -> list[dict]:
    rows = []
    for i, _ in enumerate(periods):
        status = rng.choices(["on_track", "at_risk", "off_track"], weights=[6 * pace, 3, 1 / pace])[0]
        rows.append({"narrative": NARRATIVE_TEXTS[(i + len(unit_code)) % len(NARRATIVE_TEXTS)], "self_status": status})
    return rows


# The demo's figures per kind (the values of its entry in targets/kinds.py): a new kind needs its
# generator here too, or `seed_demo` stops with a KeyError naming it.
DEMO_VALUES = {
    Indicator.Kind.CUMULATIVE: _cumulative,
    Indicator.Kind.RATIO_YTD: _ratio_ytd,
    Indicator.Kind.RATIO_LATEST: _ratio_latest,
    Indicator.Kind.MILESTONE: _milestone,
    Indicator.Kind.NARRATIVE: _narrative,
}


def demo_values_for(kind: str):
    """Return the demo's generator of figures for `kind`; raise KeyError, naming it, when there is none."""
    try:
        return DEMO_VALUES[kind]
    except KeyError:
        raise KeyError(
            f"no demo figures for indicator kind {kind!r}: add a generator for it to DEMO_VALUES in targets/actions/demo.py"
        ) from None


def _values(indicator: Indicator, unit_code: str, periods: list[Period], n_units: int) -> list[dict | None]:
    """Return, per period, the figures the unit reports (None: nothing that quarter)."""
    generate = demo_values_for(indicator.kind)
    rng = _rng("values", indicator.code, unit_code)
    pace = UNIT_PACE.get(unit_code, rng.uniform(0.85, 1.15))
    # Each indicator as a whole runs a little ahead or behind, so some 2025 targets are missed.
    overall = _rng("overall", indicator.code).uniform(0.8, 1.25)
    return generate(indicator, unit_code, periods, n_units, rng, pace, overall)


def demo_users_ensure() -> list[DemoLogin]:
    """Create one demo login per role (several reporters), or put back one whose role or unit was
    changed; return them. Logins already as they should be are left alone: running `make run` again
    adds nothing to the audit log and keeps a password its user changed."""
    existing = {u.username: u for u in User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).select_related("unit")}
    for login in DEMO_LOGINS:
        user = existing.get(login.username)
        if (
            user is not None and user.is_demo and user.role == login.role
            and (user.unit.code if user.unit else None) == login.unit_code and user.display_name == login.display_name
        ):
            continue
        user_create_or_update(
            username=login.username, role=login.role, unit_code=login.unit_code, password=DEMO_PASSWORD, is_demo=True,
            display_name=login.display_name,
        )
    return DEMO_LOGINS


@transaction.atomic
def demo_figures_create(plan: Plan) -> int:
    """Create demo submissions from 2023Q1 to 2026Q3 — approved, but for a few of the latest quarter
    still in review or returned — and return how many. Skips if present."""
    if Submission.objects.filter(is_demo=True).exists():
        return 0
    periods = list(Period.objects.filter(code__gte=FIRST_PERIOD, code__lte=LAST_PERIOD).order_by("start"))
    reviewer = User.objects.get(username="reviewer")
    reporters = {u.unit_id: u for u in User.objects.filter(role=User.Role.REPORTER, is_demo=True)}
    tz = timezone.get_current_timezone()
    pending: list[tuple[Submission, SubmissionVersion]] = []
    indicators = plan.indicators.filter(active=True).prefetch_related("reporting_units", "targets")
    for indicator in indicators:
        units = list(indicator.reporting_units.all())
        for unit in units:
            rows = _values(indicator, unit.code, periods, len(units))
            timing = _rng("timing", indicator.code, unit.code)
            slow = SLOW_REPORTERS.get(unit.code, 0.03)
            for period, values in zip(periods, rows):
                roll = timing.random()
                if roll < slow / 3:
                    continue  # never reported: a gap the completeness matrix shows
                late = roll < slow
                days = timing.randint(1, 20) if late else -timing.randint(0, 9)
                submitted = dt.datetime.combine(period.due + dt.timedelta(days=days), dt.time(10, 0), tz)
                approved = submitted + dt.timedelta(days=timing.randint(1, 6), hours=timing.randint(0, 6))
                submission = Submission(
                    indicator=indicator, unit=unit, period=period, status=Submission.Status.APPROVED,
                    first_submitted_at=submitted, is_demo=True,
                )
                author = reporters.get(unit.pk)
                version = SubmissionVersion(
                    number=1, created_by=author, created_at=submitted, submitted_by=author, submitted_at=submitted,
                    approved_by=reviewer, approved_at=approved,
                    note="演示数据 (demo data)", **values,
                )
                if period.code == LAST_PERIOD:
                    # The latest quarter is still being reviewed: a few wait in the queue, a few
                    # were returned, so reviewers and reporters have something to do in the demo.
                    review = timing.random()
                    if review < 0.12:
                        submission.status = Submission.Status.SUBMITTED
                        version.approved_by = version.approved_at = None
                    elif review < 0.16:
                        submission.status = Submission.Status.RETURNED
                        version.approved_by = version.approved_at = None
                        version.returned_by, version.returned_at = reviewer, approved
                        version.return_reason = RETURN_REASON
                pending.append((submission, version))
    Submission.objects.bulk_create([s for s, _ in pending], batch_size=500)
    for submission, version in pending:
        version.submission = submission
    SubmissionVersion.objects.bulk_create([v for _, v in pending], batch_size=500)
    for submission, version in pending:
        submission.current = version
        submission.approved = version if version.approved_at else None
    Submission.objects.bulk_update([s for s, _ in pending], ["current", "approved"], batch_size=500)
    _audit_trail(pending)
    # Bulk-created figures bypass the approval action, so progress is recomputed here directly.
    transaction.on_commit(lambda: progress_recompute_all(trigger="demo"))
    return len(pending)


def _audit_trail(pending: list[tuple[Submission, SubmissionVersion]]) -> None:
    """Give the bulk-created figures the audit trail the actions would have written — created and
    submitted by the unit's reporter, approved or returned by the reviewer — at their own times,
    in time order, so that their pages and the audit log tell who entered and who decided."""
    entries: list[AuditEntry] = []
    for submission, version in pending:
        author = version.created_by
        name = author.username if author else DEMO_AUTHOR
        common = {"object_type": "submission", "object_id": str(submission.pk), "object_repr": str(submission)[:200]}
        values = dict(version.values(), version=1)
        entries.append(AuditEntry(at=version.created_at, actor=author, actor_name=name, action=AuditEntry.Action.CREATE, after=values, **common))
        entries.append(AuditEntry(at=version.submitted_at, actor=author, actor_name=name, action=AuditEntry.Action.SUBMIT, after={"version": 1}, **common))
        reviewer = version.approved_by or version.returned_by
        if version.approved_at:
            entries.append(AuditEntry(at=version.approved_at, actor=reviewer, actor_name=reviewer.username, action=AuditEntry.Action.APPROVE, after=values, **common))
        elif version.returned_at:
            entries.append(AuditEntry(
                at=version.returned_at, actor=reviewer, actor_name=reviewer.username, action=AuditEntry.Action.RETURN,
                after={"version": 1, "reason": version.return_reason}, **common,
            ))
    entries.sort(key=lambda e: e.at)
    audit_record_many(entries)
