"""Reminder emails: 5 days before an open period's due date and the day after, to the reporters of
units whose reports are missing, in Chinese, once per day."""

import datetime as dt
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone, translation

from targets.actions import period_set_open, submission_return, user_create_or_update
from targets.actions.reminders import reminders_send
from targets.models import Indicator, Period, User

from ..conftest import ROOT
from ..factories import approved, draft, open_period, submitted

DUE = dt.date(2026, 10, 10)  # 2026Q3: the quarter ends 2026-09-30, reports are due 10 days later
FIVE_BEFORE = DUE - dt.timedelta(days=5)
DAY_AFTER = DUE + dt.timedelta(days=1)


def with_email(user: User, email: str, *, active: bool = True) -> User:
    User.objects.filter(pk=user.pk).update(email=email, is_active=active)
    user.refresh_from_db()
    return user


def reporter_of(unit_code: str, username: str, email: str = "", *, active: bool = True) -> User:
    user, _ = user_create_or_update(username=username, role=User.Role.REPORTER, unit_code=unit_code)
    return with_email(user, email, active=active)


@pytest.fixture
def period(plan) -> Period:
    period = open_period("2026Q3")
    assert period.due == DUE
    return period


@pytest.fixture
def lucheng(reporter, reviewer, period):
    """Lucheng: one report approved, one submitted, one draft, one returned, nine not started."""
    with_email(reporter, "lucheng@example.test")
    approved(reporter, reviewer, "M01-STD")
    submitted(reporter, "M01-COV")
    draft(reporter, "M02-ITEM")
    submission_return(user=reviewer, submission=submitted(reporter, "M02-GRB"), reason="证书编号有误")
    return reporter


@pytest.fixture
def ruian_complete(other_reporter, period):
    """Rui'an has submitted every one of its reports."""
    with_email(other_reporter, "ruian@example.test")
    for indicator in Indicator.objects.filter(reporting_units=other_reporter.unit, active=True):
        submitted(other_reporter, indicator.code)
    return other_reporter


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.mark.django_db
@pytest.mark.parametrize("today", [FIVE_BEFORE, DAY_AFTER])
def test_it_emails_the_reporters_of_units_with_missing_reports(lucheng, ruian_complete, today):
    colleague = reporter_of("330302", "lucheng_2", "lucheng2@example.test")
    reporter_of("330302", "lucheng_gone", "gone@example.test", active=False)  # inactive: no mail
    reporter_of("330302", "lucheng_nomail", "")  # no address: no mail
    reporter_of("330329", "taishun", "taishun@example.test")  # Taishun has reported nothing

    sent = reminders_send(today=today)

    assert sent == 3
    assert recipients() == sorted(["lucheng@example.test", colleague.email, "taishun@example.test"])
    assert all(len(message.to) == 1 for message in mail.outbox)  # one email per person


@pytest.mark.django_db
@pytest.mark.parametrize("days", [-6, -4, -1, 0, 2, 5])
def test_it_sends_nothing_on_other_days(lucheng, days):
    assert reminders_send(today=DUE + dt.timedelta(days=days)) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_it_sends_nothing_to_a_unit_that_has_reported_everything(ruian_complete):
    assert reminders_send(today=FIVE_BEFORE) == 0
    assert reminders_send(today=DAY_AFTER) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_it_sends_nothing_for_a_closed_period(lucheng, admin_user, period):
    period_set_open(user=admin_user, period=period, is_open=False)
    assert reminders_send(today=FIVE_BEFORE) == 0
    assert reminders_send(today=DAY_AFTER) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_email_lists_the_missing_indicators_in_chinese(lucheng):
    with translation.override("en"):  # whatever the sender's language, reminders are Chinese
        reminders_send(today=FIVE_BEFORE)

    (message,) = mail.outbox
    body = message.body
    assigned = list(Indicator.objects.filter(reporting_units=lucheng.unit).order_by("position"))
    missing = [i for i in assigned if i.code not in ("M01-STD", "M01-COV")]
    assert len(missing) == 11
    for indicator in missing:  # drafts and returned reports are still missing
        assert f"{indicator.code} {indicator.name_zh}" in body
    assert "M01-STD" not in body and "M01-COV" not in body  # approved and submitted ones are not
    assert "鹿城区" in body and "2026Q3" in body and "2026-10-10" in body
    assert "/report/2026Q3/" in body
    assert "2026Q3" in message.subject and "2026-10-10" in message.subject
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "M02-GRA" in html and 'lang="zh-hans"' in html


@pytest.mark.django_db
def test_the_day_after_the_reminder_says_the_reports_are_overdue(lucheng):
    reminders_send(today=FIVE_BEFORE)
    reminders_send(today=DAY_AFTER)
    before, after = mail.outbox
    assert before.subject != after.subject
    assert before.body != after.body
    assert "M02-GRA" in after.body


@pytest.mark.django_db
def test_it_sends_one_email_per_user_and_period_a_day(lucheng):
    assert reminders_send(today=FIVE_BEFORE) == 1
    assert reminders_send(today=FIVE_BEFORE) == 0  # the job ran twice that day
    assert len(mail.outbox) == 1
    assert reminders_send(today=DAY_AFTER) == 1


@pytest.mark.django_db
def test_the_task_sends_todays_reminders(lucheng, period):
    from tasks.reminders import send_report_reminders

    period.due = timezone.localdate() + dt.timedelta(days=5)
    period.save(update_fields=["due"])

    assert send_report_reminders() == 1
    assert recipients() == ["lucheng@example.test"]


@pytest.mark.django_db
def test_the_task_does_nothing_when_no_period_is_due_soon(lucheng, period):
    from tasks.reminders import send_report_reminders

    period.due = timezone.localdate() + dt.timedelta(days=30)
    period.save(update_fields=["due"])

    assert send_report_reminders() == 0
    assert mail.outbox == []


def test_every_task_in_the_beat_schedule_is_registered_in_the_celery_app():
    """In a fresh process, as `celery worker` and `celery beat` start: importing a task in a test
    would register it and hide a task module the app never imports."""
    script = (
        "import json, django; from metrology_portal.celery import app; django.setup();"
        "from django.conf import settings;"
        "app.loader.import_default_modules();"
        "print(json.dumps({n: e['task'] in app.tasks for n, e in settings.CELERY_BEAT_SCHEDULE.items()}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    registered = json.loads(result.stdout.strip().splitlines()[-1])
    assert "report-reminders" in registered
    assert registered == dict.fromkeys(registered, True)
