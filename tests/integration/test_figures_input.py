"""Values as people type them, through the web form and the API alike (figures.py is the one door):
thousands separators and full-width digits, strict dates, items with “|” or line breaks, and
numbers in messages without exponent (issue 11, defects 7, 9, 11 and 12).
"""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from targets.actions import user_create_or_update
from targets.actions.tokens import token_issue
from targets.models import Submission, SubmissionVersion, User

from ..conftest import PASSWORD, client_for
from ..factories import approved, open_period

Q3 = "2026Q3"
API = "/api/v1/submissions/"


def url(indicator: str, period: str = Q3) -> str:
    return f"/report/{period}/{indicator}/"


def api(user: User) -> Client:
    return Client(headers={"Authorization": f"Token {token_issue(user=user).key}"})


def zh(msgid: str, params=None) -> str:
    """Return a message as the Chinese page shows it (translated, formatted, HTML-escaped)."""
    with translation.override("zh-hans"):
        text = gettext(msgid)
        if params is not None:
            text = text % params
    return escape(text)


def versions() -> int:
    return SubmissionVersion.objects.count()


@pytest.fixture
def mti_reporter(plan) -> User:
    """A reporter of the department that reports the milestone M11-ECG."""
    user, _ = user_create_or_update(username="reporter_mti", role=User.Role.REPORTER, unit_code="D-MTI", password=PASSWORD)
    return user


# --- 7: commas only between thousands; full-width digits read as typed ---------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["1,5", "1,2,3", "12,34"])
def test_the_form_refuses_a_comma_that_separates_no_thousands(reporter, typed):
    open_period(Q3)
    before = versions()
    response = client_for(reporter).post(url("M14-RATE"), {"numerator": typed, "denominator": "1000", "action": "draft"})
    assert response.status_code == 400
    body = response.content.decode()
    assert zh("“%s” is not a number: a comma may only separate thousands (1,234).", typed) in body
    assert f'value="{typed}"' in body, "what was typed is kept"
    assert versions() == before


@pytest.mark.django_db
def test_the_form_reads_thousands_and_full_width_digits(reporter):
    open_period(Q3)
    response = client_for(reporter).post(
        url("M14-RATE"), {"numerator": "１，２３４", "denominator": "12,345", "action": "draft"}
    )
    assert response.status_code == 302
    version = Submission.objects.get().current
    assert (version.numerator, version.denominator) == (1234, 12345)


@pytest.mark.django_db
def test_the_api_refuses_a_comma_that_separates_no_thousands(reporter):
    open_period(Q3)
    response = api(reporter).post(
        API, {"indicator": "M14-RATE", "unit": "330302", "period": Q3, "numerator": "1,5", "denominator": "1,000"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"numerator"}
    assert not Submission.objects.exists()


# --- 12: ISO dates only ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["2026-08-15garbage", "2026-08-15T99:99", "20260815", "2026-W33"])
def test_the_form_and_the_api_refuse_a_date_that_is_not_yyyy_mm_dd(mti_reporter, typed):
    open_period(Q3)
    response = client_for(mti_reporter).post(url("M11-ECG"), {"done": "true", "completed_on": typed, "action": "draft"})
    assert response.status_code == 400
    assert zh("“%s” is not a date (YYYY-MM-DD).", typed) in response.content.decode()
    response = api(mti_reporter).post(
        API, {"indicator": "M11-ECG", "unit": "D-MTI", "period": Q3, "done": True, "completed_on": typed},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"completed_on"}
    assert not Submission.objects.exists()


@pytest.mark.django_db
def test_an_iso_date_is_stored(mti_reporter):
    open_period(Q3)
    response = client_for(mti_reporter).post(url("M11-ECG"), {"done": "true", "completed_on": "2026-08-15", "action": "draft"})
    assert response.status_code == 302
    assert Submission.objects.get().current.completed_on.isoformat() == "2026-08-15"


# --- 9: any item the API takes round-trips through the form ----------------------------------------

ODD_ITEMS = [
    {"name": "Balance A|B", "number": "CERT-1"},
    {"name": "line1\nline2", "number": "CERT-2"},
    {"name": "天平｜甲 C:\\new", "number": "C|3"},
]


def textarea(body: str, name: str) -> str:
    """Return a text box's value as a browser submits it (its lines joined by CRLF)."""
    match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', body, re.S)
    assert match, f"no text box {name}"
    value = html.unescape(match.group(1))
    if value.startswith("\n"):  # the HTML parser drops the newline right after <textarea>
        value = value[1:]
    return value.replace("\r\n", "\n").replace("\n", "\r\n")


@pytest.mark.django_db
def test_items_with_bars_and_line_breaks_survive_an_unchanged_save_of_the_form(reporter):
    open_period(Q3)
    created = api(reporter).post(
        API, {"indicator": "M01-STD", "unit": "330302", "period": Q3, "increment": 3, "items": ODD_ITEMS},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert Submission.objects.get().current.items == ODD_ITEMS

    client = client_for(reporter)
    body = client.get(url("M01-STD")).content.decode()
    shown = textarea(body, "items")
    assert len(shown.split("\r\n")) == 3, "one line per item"
    response = client.post(
        url("M01-STD"), {"increment": "3", "items": shown, "note": "", "explanation": "", "version": "1", "action": "submit"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.current.items == ODD_ITEMS


@pytest.mark.django_db
def test_ordinary_items_are_shown_and_read_as_before(reporter):
    open_period(Q3)
    client = client_for(reporter)
    response = client.post(url("M01-STD"), {"increment": "2", "items": "标准装置甲 | CERT-001\r\n标准装置乙｜CERT-002", "action": "draft"})
    assert response.status_code == 302
    assert Submission.objects.get().current.items == [
        {"name": "标准装置甲", "number": "CERT-001"}, {"name": "标准装置乙", "number": "CERT-002"},
    ]
    assert textarea(client.get(url("M01-STD")).content.decode(), "items") == "标准装置甲 | CERT-001\r\n标准装置乙 | CERT-002"


# --- 11: numbers in messages never in exponent notation -------------------------------------------


@pytest.mark.django_db
def test_unusual_value_warnings_write_plain_numbers(reporter, reviewer):
    # Stored figures read back as 10.0000 and 60.0000, whose normal forms are 1E+1 and 6E+1.
    approved(reporter, reviewer, "M01-STD", "2026Q2", increment="10", items="\n".join(f"甲{i} | C{i}" for i in range(10)))
    approved(reporter, reviewer, "M14-RATE", "2026Q2", numerator="54", denominator="60")
    open_period(Q3)
    client = client_for(reporter)
    sixty = "\n".join(f"乙{i} | D{i}" for i in range(60))
    body = client.post(url("M01-STD"), {"increment": "60", "items": sixty, "action": "submit"}).content.decode()
    assert zh(
        "The increment %(value)s is more than 3× the unit's largest earlier quarter (%(largest)s).",
        {"value": "60", "largest": "10"},
    ) in body
    body = client.post(url("M14-RATE"), {"numerator": "2", "denominator": "2", "action": "submit"}).content.decode()
    assert zh("The denominator moved more than 50%% from last quarter (%(last)s → %(value)s).", {"last": "60", "value": "2"}) in body
    assert "E+" not in body
