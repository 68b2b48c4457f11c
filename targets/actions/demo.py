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
from django.db.models import Prefetch
from django.utils import timezone

from ..identifiers import USCC, name_key, normalised, uscc_check_character
from ..kinds import kind_of
from ..models import AuditEntry, Indicator, ItemClaim, Period, Plan, Submission, SubmissionVersion, Unit, User
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


# What a measure's or goal's narrative reports on: its qualitative parts the text gives no number,
# so that the demo's texts read as reports on that part of the plan (others get the common texts).
NARRATIVE_TOPICS = {
    "M01-NAR": "强制检定能力全覆盖、填补计量服务和监管技术空白",
    "M02-NAR": "智能计量管理系统和智慧计量实验室建设",
    "M06-NAR": "能源资源计量、碳排放计量标准研究",
    "M09-NAR": "质量基础“一站式”服务平台和电工仪表产业计量难题攻关",
    "M10-NAR": "“优化计量、提质增效”企业帮扶和企业计量能力自我声明",
    "M11-NAR": "医疗器械、建筑施工和交通安全领域计量服务",
    "M12-NAR": "居民生活领域“双碳”工作高质量实施方案及能效、水效领跑者活动",
    "M13-NAR": "民生计量智慧监管平台建设应用及“二检合一”、检定新模式试点的持续推进",
    "M14-NAR": "放心计量专项检查及涉农计量器具、农资定量包装商品监管",
    "M15-NAR": "市场主体计量信用记录和计量信用分级分类监管",
    "G27-NAR": "关键领域计量技术攻关",
}


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
        text = NARRATIVE_TEXTS[(i + len(unit_code)) % len(NARRATIVE_TEXTS)]
        topic = NARRATIVE_TOPICS.get(indicator.code)
        rows.append({"narrative": f"{topic}：{text}" if topic else text, "self_status": status})
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


# --- Counted items: names and identifiers, unique per indicator (nothing counted twice) -----------

# Words of the demo's enterprise names; with the unit's name in front, every name is its unit's own.
NAME_WORDS = ["瑞丰", "华锐", "东瓯", "永安", "信和", "海川", "恒通", "金诚", "立信", "中科", "宏达", "正泰", "联创", "博远", "卓越"]
NAME_TRADES = ["电气", "阀门", "鞋业", "眼镜", "汽摩配件", "仪器仪表", "塑胶", "印刷包装", "食品", "制药", "建材", "服饰"]
# What the certificate-numbered items of each indicator are called, and their numbers' prefix.
CERTIFICATE_ITEMS = {
    "M01-STD": (["电子天平", "压力表", "电能表", "燃油加油机", "出租车计价器", "血压计", "水表", "燃气表", "温度计", "声级计"], "检定装置", "浙量标温证字"),
    "M02-ITEM": (["电动汽车充电桩", "眼镜片顶焦度计", "医用注射泵", "呼出气体酒精含量检测仪", "超声多普勒胎儿监护仪", "测汞仪"], "强制检定项目", "浙量授温证字"),
    "M06-ACH": (["在线称重", "流量在线校准", "智能电表远程", "工业CT测量", "激光测距", "环境监测"], "计量测试技术成果", "温计科成登字"),
    "M06-SPEC": (["电动汽车充电桩", "智能水表", "数字压力计", "工业内窥镜", "红外测温仪", "鞋类成品尺寸"], "校准规范", "JJF(浙)"),
    "M09-PROV": (["泵阀", "电气", "鞋业", "汽摩配", "眼镜"], "产业计量测试中心", "浙市监量函"),
    "M09-NATL": (["电气", "泵阀"], "国家产业计量测试中心（筹）", "国市监计量函"),
}
GENERIC_CERTIFICATE_ITEMS = (["计量器具"], "项目", "温计证字")


def _org_code_check(body8: str) -> str:
    """Return the check character of an organisation code's first 8 characters (GB 11714), the
    credit code's characters 9–17 being the organisation code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    value = 11 - sum(int(ch, 36) * w for ch, w in zip(body8, weights)) % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def demo_uscc(division: str, serial: int, department: int = 0) -> str:
    """Return a well-formed unified social credit code of an enterprise (9 1: registered by market
    regulation, an enterprise) in `division`, with both check characters right; distinct for
    distinct (division, department, serial)."""
    # 7919 is prime to 10^6: a one-to-one shuffle of the serials, so codes do not look sequential.
    body8 = f"{department:02d}{(serial * 7919 + 104729) % 1_000_000:06d}"
    first17 = f"91{division}{body8}{_org_code_check(body8)}"
    return first17 + uscc_check_character(first17)


def _division(unit: Unit) -> str:
    """Return the administrative division code in a unit's identifiers: a county's own, a
    department's parent's (the city's)."""
    return unit.code if unit.kind == Unit.Kind.COUNTY else unit.parent.code


def _short_name(unit: Unit) -> str:
    return unit.name_zh if unit.kind == Unit.Kind.COUNTY else "温州"


def _demo_item(indicator: Indicator, unit: Unit, year: int, serial: int, department: int) -> dict:
    """Return the `serial`-th demo item of the unit for the indicator (its name and identifier)."""
    if indicator.item_identifier == USCC:
        word, trade = NAME_WORDS[serial % len(NAME_WORDS)], NAME_TRADES[serial // len(NAME_WORDS) % len(NAME_TRADES)]
        round_ = serial // (len(NAME_WORDS) * len(NAME_TRADES))
        name = f"温州{_short_name(unit)}{word}{trade}{'第' + str(round_ + 1) + '分' if round_ else ''}有限公司"
        return {"name": name, "number": demo_uscc(_division(unit), serial, department)}
    subjects, what, prefix = CERTIFICATE_ITEMS.get(indicator.code, GENERIC_CERTIFICATE_ITEMS)
    round_ = serial // len(subjects)
    name = f"{_short_name(unit)}{subjects[serial % len(subjects)]}{what}{'（第' + str(round_ + 1) + '套）' if round_ else ''}"
    issuer = unit.code if unit.kind == Unit.Kind.COUNTY else f"{_division(unit)}-{department:02d}"
    return {"name": name, "number": f"[{year}]{prefix}{issuer}第{serial + 1:04d}号"}


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
    indicators = plan.indicators.filter(active=True).prefetch_related(
        Prefetch("reporting_units", queryset=Unit.objects.select_related("parent")), "targets"
    )
    departments = {code: i for i, code in enumerate(sorted(Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).values_list("code", flat=True)), start=1)}
    for indicator in indicators:
        units = list(indicator.reporting_units.all())
        lists_items = kind_of(indicator).items_sheet
        for unit in units:
            rows = _values(indicator, unit.code, periods, len(units))
            serial = 0  # the unit's items of this indicator, numbered on: each counted once
            timing = _rng("timing", indicator.code, unit.code)
            slow = SLOW_REPORTERS.get(unit.code, 0.03)
            for period, values in zip(periods, rows):
                roll = timing.random()
                if roll < slow / 3:
                    continue  # never reported: a gap the completeness matrix shows
                if lists_items:
                    count = int(values["increment"])
                    department = departments.get(unit.code, 0)
                    values = dict(values, items=[
                        _demo_item(indicator, unit, period.year, serial + i, department) for i in range(count)
                    ])
                    serial += count
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
    _claims(pending)
    _audit_trail(pending)
    # Bulk-created figures bypass the approval action, so progress is recomputed here directly.
    transaction.on_commit(lambda: progress_recompute_all(trigger="demo"))
    return len(pending)


def _claims(pending: list[tuple[Submission, SubmissionVersion]]) -> None:
    """Claim the items of the submitted and approved demo figures, as the actions would
    (actions/item_claims.py): returned ones count nothing."""
    claims = [
        ItemClaim(
            indicator_id=submission.indicator_id, identifier=normalised(item["number"]), submission=submission,
            name=item["name"], name_key=name_key(item["name"])[:200],
        )
        for submission, version in pending
        if submission.status != Submission.Status.RETURNED
        for item in version.items or []
    ]
    ItemClaim.objects.bulk_create(claims, batch_size=1000)


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
