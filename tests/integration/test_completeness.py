"""The completeness page: one cell per unit and indicator, percentages, period choice, access."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from targets.actions import submission_return
from targets.models import Period
from targets.selectors.completeness import (
    completeness_default_period,
    completeness_matrix,
)

from ..conftest import CITY, client_for
from ..factories import approved, draft, open_period, submitted

# Lucheng (330302) reports these 13 indicators; the tests below use the first five.
LUCHENG_INDICATORS = 13


def due_in(code: str, days: int) -> Period:
    """Move the due date of `code` relative to today: tests must not depend on the calendar."""
    period = open_period(code)
    period.due = timezone.localdate() + dt.timedelta(days=days)
    period.save(update_fields=["due"])
    return period


def cells(body: str) -> dict[tuple[str, str], str]:
    """Return {(unit code, indicator code): state} read from the rendered matrix."""
    found = re.findall(r'data-unit="([^"]+)" data-indicator="([^"]+)" data-state="([^"]+)"', body)
    return {(unit, indicator): state for unit, indicator, state in found}


def late_marks(body: str) -> set[tuple[str, str]]:
    found = re.findall(r'data-unit="([^"]+)" data-indicator="([^"]+)" data-state="[^"]+" data-submitted-late', body)
    return set(found)


def row_of(body: str, unit: str) -> str:
    return re.search(rf'<tr data-unit="{unit}">(.*?)</tr>', body, re.DOTALL).group(1)


def page(user, period: str = "2026Q3") -> str:
    response = client_for(user).get("/completeness/", {"period": period})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_it_shows_each_state_before_the_due_date(reporter, reviewer):
    due_in("2026Q3", 10)
    approved(reporter, reviewer, "M01-STD")
    submitted(reporter, "M01-COV")
    draft(reporter, "M02-ITEM")
    submission_return(user=reviewer, submission=submitted(reporter, "M02-GRB"), reason="证书编号有误")

    state = cells(page(reviewer))

    assert state[("330302", "M01-STD")] == "approved"
    assert state[("330302", "M01-COV")] == "submitted"
    assert state[("330302", "M02-ITEM")] == "draft"
    assert state[("330302", "M02-GRB")] == "returned"
    assert state[("330302", "M02-GRA")] == "missing"
    # An indicator Lucheng does not report (M03-NAR is for departments) is a blank cell.
    assert state[("330302", "M03-NAR")] == "none"
    assert state[("D-MTI", "M03-NAR")] == "missing"


@pytest.mark.django_db
def test_it_shows_late_once_the_due_date_has_passed(reporter, reviewer):
    due_in("2026Q3", -1)
    draft(reporter, "M02-ITEM")
    submission_return(user=reviewer, submission=submitted(reporter, "M02-GRB"), reason="证书编号有误")
    approved(reporter, reviewer, "M01-STD")
    submitted(reporter, "M01-COV")

    body = page(reviewer)
    state = cells(body)

    # Nothing submitted by now, a saved draft and a returned report are all late.
    assert state[("330302", "M02-GRA")] == "late"
    assert state[("330302", "M02-ITEM")] == "late"
    assert state[("330302", "M02-GRB")] == "late"
    # Reports first submitted after the due date keep their state, with a late mark.
    assert state[("330302", "M01-STD")] == "approved"
    assert state[("330302", "M01-COV")] == "submitted"
    assert late_marks(body) == {("330302", "M01-STD"), ("330302", "M01-COV")}
    assert state[("330302", "M03-NAR")] == "none"


@pytest.mark.django_db
def test_a_report_submitted_on_time_has_no_late_mark(reporter, reviewer):
    due_in("2026Q3", 3)
    approved(reporter, reviewer, "M01-STD")
    period = Period.objects.get(code="2026Q3")

    # Seen after the due date, the report sent before it is neither late nor marked.
    later = period.due + dt.timedelta(days=5)
    matrix = completeness_matrix(period=period, today=later)
    row = next(r for r in matrix.rows if r.unit.code == "330302")
    cell = next(c for c in row.cells if c.indicator.code == "M01-STD")
    assert (cell.state, cell.submitted_late) == ("approved", False)
    assert row.counts["late"] == LUCHENG_INDICATORS - 1


@pytest.mark.django_db
def test_it_counts_submitted_and_approved_reports_in_the_percentage(reporter, other_reporter, reviewer):
    due_in("2026Q3", 10)
    approved(reporter, reviewer, "M01-STD")
    approved(reporter, reviewer, "M01-COV")
    submitted(reporter, "M02-ITEM")
    draft(reporter, "M02-GRB")  # a draft does not count
    approved(other_reporter, reviewer, "M01-STD")

    body = page(reviewer)

    lucheng = row_of(body, "330302")
    assert 'data-percent="23"' in lucheng  # 3 of 13, rounded down
    assert re.search(r"data-reports>3/13<", lucheng)
    ruian = row_of(body, "330381")
    assert 'data-percent="7"' in ruian and re.search(r"data-reports>1/13<", ruian)
    assert 'data-percent="0"' in row_of(body, "330303")
    # The totals row: per indicator, the units with a submitted or approved report.
    assert 'data-indicator="M01-STD" data-total="2/13"' in body
    assert 'data-indicator="M02-ITEM" data-total="1/13"' in body
    assert 'data-indicator="M03-NAR" data-total="0/3"' in body


@pytest.mark.django_db
def test_the_matrix_counts_each_state_and_the_whole(reporter, reviewer):
    period = due_in("2026Q3", 10)
    approved(reporter, reviewer, "M01-STD")
    submitted(reporter, "M01-COV")
    draft(reporter, "M02-ITEM")

    matrix = completeness_matrix(period=period, today=timezone.localdate())

    lucheng = next(r for r in matrix.rows if r.unit.code == "330302")
    assert lucheng.counts == {"approved": 1, "submitted": 1, "draft": 1, "returned": 0, "missing": 10, "late": 0}
    assert (lucheng.complete, lucheng.assigned, lucheng.percent) == (2, 13, 15)
    assert matrix.complete == 2
    assert matrix.assigned == sum(r.assigned for r in matrix.rows) > 100
    # Only units that report something are rows; the city (an aggregate) is not one.
    assert CITY not in {r.unit.code for r in matrix.rows}
    # Columns follow the plan: measure 1's indicators first, safeguards after the measures.
    codes = [i.code for i in matrix.indicators]
    assert codes[:2] == ["M01-STD", "M01-COV"]
    assert codes.index("M16-NAR") < codes.index("S01-NAR")


@pytest.mark.django_db
def test_it_shows_the_period_asked_for_and_says_so_when_it_does_not_exist(reporter, reviewer):
    due_in("2026Q4", 30)
    submitted(reporter, "M01-STD", "2026Q4")

    body = page(reviewer, "2026Q4")
    assert 'value="2026Q4" selected' in body and "· 2026Q4</h1>" in body
    assert cells(body)[("330302", "M01-STD")] == "submitted"

    response = client_for(reviewer).get("/completeness/", {"period": "1999Q1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="period-error"' in body and "1999Q1" in body


@pytest.mark.django_db
def test_the_default_period_is_the_latest_one_past_its_due_date(plan):
    periods = list(Period.objects.all())
    assert completeness_default_period(periods, today=dt.date(2026, 11, 26)).code == "2026Q3"
    # On the due date itself the period is not yet past due.
    assert completeness_default_period(periods, today=dt.date(2026, 10, 10)).code == "2026Q2"
    # Before any due date has passed: the latest open period.
    first = [Period(code="2023Q1", start=dt.date(2023, 1, 1), due=dt.date(2023, 4, 10), is_open=True),
             Period(code="2023Q2", start=dt.date(2023, 4, 1), due=dt.date(2023, 7, 10), is_open=False)]
    assert completeness_default_period(first, today=dt.date(2023, 3, 1)).code == "2023Q1"


@pytest.mark.django_db
def test_without_a_period_it_shows_the_default_one(reviewer):
    periods = list(Period.objects.all())
    expected = completeness_default_period(periods, today=timezone.localdate())
    body = client_for(reviewer).get("/completeness/").content.decode()
    assert f"· {expected.code}</h1>" in body


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reviewer", "leader", "auditor", "admin_user"])
def test_reviewers_leaders_auditors_and_admins_see_it(request, role):
    user = request.getfixturevalue(role)
    assert client_for(user).get("/completeness/").status_code == 200


@pytest.mark.django_db
def test_reporters_may_not_see_it(reporter):
    assert client_for(reporter).get("/completeness/").status_code == 403


@pytest.mark.django_db
def test_it_needs_a_login(plan):
    response = Client().get("/completeness/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_the_data(reporter, reviewer, django_assert_num_queries):
    approved(reporter, reviewer, "M01-STD", "2026Q4")  # elsewhere: the demo data fills 2026Q3
    client = client_for(reviewer)
    client.get("/completeness/", {"period": "2026Q3"})  # the session is warm from here on
    connection.queries_log.clear()  # a full log (9000 entries, loading the plan) would capture nothing
    with CaptureQueriesContext(connection) as few:
        assert client.get("/completeness/", {"period": "2026Q3"}).status_code == 200
    few_queries = len(few)

    call_command("seed_demo", stdout=io.StringIO())  # ~200 reports for 2026Q3 alone
    reviewer.refresh_from_db()  # the demo logins get the demo password: log in again
    client.force_login(reviewer)
    client.get("/completeness/", {"period": "2026Q3"})
    assert completeness_matrix(period=Period.objects.get(code="2026Q3"), today=timezone.localdate()).complete > 150
    connection.queries_log.clear()
    with django_assert_num_queries(few_queries):
        response = client.get("/completeness/", {"period": "2026Q3"})
    assert response.status_code == 200
    assert response.content.decode().count('data-state="approved"') > 150


@pytest.mark.django_db
def test_cells_link_to_the_submissions_the_reader_may_open(reporter, reviewer, leader):
    due_in("2026Q3", 10)
    done = approved(reporter, reviewer, "M01-STD")
    waiting = submitted(reporter, "M01-COV")
    try:
        url = reverse("targets:submission_detail", args=[done.pk]).replace(str(done.pk), "{}")
    except NoReverseMatch:
        pytest.fail("the submission page (targets:submission_detail) is gone: cells would not link")
    reviewer_page, leader_page = page(reviewer), page(leader)
    assert f'href="{url.format(done.pk)}"' in reviewer_page and f'href="{url.format(waiting.pk)}"' in reviewer_page
    # Leaders read approved figures only, so only approved cells link for them.
    assert f'href="{url.format(done.pk)}"' in leader_page
    assert f'href="{url.format(waiting.pk)}"' not in leader_page
