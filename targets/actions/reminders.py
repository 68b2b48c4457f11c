"""Reminder emails to reporters whose unit still has reports missing for an open period."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import ngettext

from ..models import Period, Unit, User
from ..selectors.completeness import completeness_missing

logger = logging.getLogger(__name__)

# Reminders go out this many days before the due date, and on the day after it.
DAYS_BEFORE_DUE = 5
DAYS_AFTER_DUE = 1
# Long enough to cover the day a reminder was sent whatever the time zone of the cache's clock.
SENT_MARK_SECONDS = 2 * 24 * 3600


def _report_path(period: Period) -> str:
    try:
        return reverse("targets:report_period", kwargs={"period_code": period.code})
    except NoReverseMatch:
        return f"/report/{period.code}/"


def _sent_key(user: User, period: Period, today: dt.date) -> str:
    return f"report-reminder:{today.isoformat()}:{period.code}:{user.pk}"


def _message(*, user: User, unit: Unit, period: Period, indicators: list, overdue: bool, today: dt.date):
    context = {
        "user": user,
        "unit": unit,
        "period": period,
        "indicators": indicators,
        "overdue": overdue,
        "days_left": (period.due - today).days,
        "report_path": _report_path(period),
    }
    # Reminders are always Chinese, whatever language the sender's process runs in.
    with translation.override("zh-hans"):
        values = {"n": len(indicators), "period": period.code, "due": period.due.isoformat()}
        if overdue:
            subject = ngettext(
                "Overdue: %(n)d report for %(period)s was due on %(due)s",
                "Overdue: %(n)d reports for %(period)s were due on %(due)s",
                len(indicators),
            ) % values
        else:
            subject = ngettext(
                "Reminder: %(n)d report for %(period)s is due on %(due)s",
                "Reminder: %(n)d reports for %(period)s are due on %(due)s",
                len(indicators),
            ) % values
        text = render_to_string("emails/report_reminder.txt", context)
        html = render_to_string("emails/report_reminder.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
    )
    message.attach_alternative(html, "text/html")
    return message


def reminders_send(*, today: dt.date) -> int:
    """Email reporters of units with missing reports, 5 days before an open period's due date and the day after.

    One email per reporter and period, listing that unit's assigned indicators that have no
    submitted or approved report yet. A reminder already sent for the same user, period and day
    (a re-run of the job) is not sent again. Return the number of emails sent.
    """
    periods = list(
        Period.objects.filter(
            is_open=True,
            due__in=[today + dt.timedelta(days=DAYS_BEFORE_DUE), today - dt.timedelta(days=DAYS_AFTER_DUE)],
        ).order_by("start")
    )
    if not periods:
        return 0
    sent = 0
    connection = get_connection()
    for period in periods:
        overdue = period.due < today
        missing = completeness_missing(period=period)
        if not missing:
            logger.info("report reminders %s: every unit has reported", period.code)
            continue
        reporters = (
            User.objects.filter(role=User.Role.REPORTER, is_active=True, unit_id__in=missing.keys(), unit__active=True)
            .exclude(email="")
            .select_related("unit")
            .order_by("unit__code", "username")
        )
        for user in reporters:
            key = _sent_key(user, period, today)
            if not cache.add(key, True, SENT_MARK_SECONDS):
                logger.info("report reminder %s to %s: already sent today", period.code, user.username)
                continue
            indicators = missing[user.unit_id]
            message = _message(
                user=user, unit=user.unit, period=period, indicators=indicators, overdue=overdue, today=today
            )
            try:
                connection.send_messages([message])
            except Exception:
                cache.delete(key)  # not sent: the next run may try again
                logger.exception("report reminder %s to %s failed", period.code, user.username)
                continue
            sent += 1
            logger.info(
                "report reminder %s sent to %s (%s): %d missing",
                period.code, user.username, user.unit.code, len(indicators),
            )
    return sent
