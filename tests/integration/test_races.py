"""Several people acting on one record at the same moment: exactly one wins, the others are told
(409, with the winner's version), nobody gets a server error and no version is lost.

Real concurrency: each request runs in its own thread with its own database connection, released
together by a barrier, against committed data (transactional tests) on PostgreSQL — and, for
`make run`, on SQLite in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter

import pytest
from django.db import connections
from django.test import Client

from targets.actions.tokens import token_issue
from targets.models import AuditEntry, Submission, SubmissionVersion, User

from ..conftest import ROOT
from ..factories import approved, draft, open_period

URL = "/api/v1/submissions/"
pytestmark = pytest.mark.django_db(transaction=True)


def api(user: User) -> Client:
    return Client(headers={"Authorization": f"Token {token_issue(user=user).key}"})


def at_once(n: int, request) -> list:
    """Run `request(i)` in `n` threads released together; return the responses in order."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = request(i)
        except Exception as exc:  # a crash must show up as a failure, not hang the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def statuses(responses) -> Counter:
    return Counter(r.status_code if hasattr(r, "status_code") else repr(r) for r in responses)


@pytest.mark.parametrize("n", [5, 20])
def test_simultaneous_patches_of_one_version_give_one_winner_and_409s(plan, reporter, n):
    submission = draft(reporter, "M14-RATE", "2026Q3")
    client = api(reporter)
    responses = at_once(n, lambda i: client.patch(
        f"{URL}{submission.pk}/", {"version": 1, "numerator": 900 + i}, content_type="application/json"
    ))
    assert statuses(responses) == {200: 1, 409: n - 1}, statuses(responses)
    winner = next(r for r in responses if r.status_code == 200).json()
    for loser in (r for r in responses if r.status_code == 409):
        assert loser.json()["current"]["version"] == 2, "the loser is shown the winner's version"
    versions = SubmissionVersion.objects.filter(submission=submission).order_by("number")
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].numerator == winner["numerator"], "the stored version is the winner's"


def test_simultaneous_first_saves_of_one_slot_create_it_once(plan, reporter):
    open_period("2026Q3")
    client = api(reporter)
    body = {"indicator": "M14-RATE", "unit": reporter.unit.code, "period": "2026Q3", "numerator": 990, "denominator": 1000}
    responses = at_once(6, lambda i: client.post(URL, body, content_type="application/json"))
    counts = statuses(responses)
    assert counts[201] == 1 and counts[500] == 0 and set(counts) <= {201, 400, 409}, counts
    assert Submission.objects.filter(indicator__code="M14-RATE", unit=reporter.unit).count() == 1
    assert SubmissionVersion.objects.filter(submission__indicator__code="M14-RATE", submission__unit=reporter.unit).count() == 1


def test_simultaneous_amendments_give_one_new_version(plan, reporter, reviewer):
    submission = approved(reporter, reviewer, "M14-RATE", "2026Q3")
    client = api(reporter)
    responses = at_once(8, lambda i: client.post(
        f"{URL}{submission.pk}/amend/", {"reason": f"更正 {i}", "version": 1, "numerator": 980 + i}, content_type="application/json"
    ))
    assert statuses(responses) == {200: 1, 409: 7}, statuses(responses)
    assert SubmissionVersion.objects.filter(submission=submission).count() == 2
    assert AuditEntry.objects.filter(action=AuditEntry.Action.AMEND, object_id=str(submission.pk)).count() == 1


def test_simultaneous_web_saves_of_one_draft_give_one_winner(plan, reporter):
    submission = draft(reporter, "M14-RATE", "2026Q3")
    client = Client()
    client.force_login(reporter)
    form = "/report/2026Q3/M14-RATE/"
    responses = at_once(6, lambda i: client.post(form, {"version": "1", "numerator": str(900 + i), "denominator": "1000", "action": "draft"}))
    assert statuses(responses) == {302: 1, 409: 5}, statuses(responses)
    assert SubmissionVersion.objects.filter(submission=submission).count() == 2, "one save won, the others were refused"
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.context["stale"].current.number == 2, "the other person's version is shown"
        assert 'name="version" value="2"' in refused.content.decode(), "a deliberate second save goes against it"


SQLITE_RACE = r"""
import json, os, sys, threading
import django
os.environ["DJANGO_SETTINGS_MODULE"] = "metrology_portal.settings"
django.setup()
from django.core.management import call_command
from django.db import connections
from django.test import Client
call_command("migrate", verbosity=0)
call_command("load_plan", stdout=open(os.devnull, "w"))
from targets.actions import user_create_or_update
from targets.models import Period, SubmissionVersion
from targets.actions.tokens import token_issue
from tests.factories import draft
Period.objects.filter(code="2026Q3").update(is_open=True)
reporter, _ = user_create_or_update(username="r", role="reporter", unit_code="330302", password="x-Long-password-1")
submission = draft(reporter, "M14-RATE", "2026Q3")
barrier = threading.Barrier(8)
codes = []
token = token_issue(user=reporter).key
def run(i):
    client = Client(headers={"Authorization": f"Token {token}"})
    barrier.wait()
    try:
        response = client.post(f"/api/v1/submissions/{submission.pk}/submit/", {"version": 1}, content_type="application/json")
        codes.append(response.status_code if response.status_code in (200, 409) else f"{response.status_code} {response.content[:300]!r}")
    except Exception as exc:
        codes.append(repr(exc))
    finally:
        connections.close_all()
threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
[t.start() for t in threads]; [t.join() for t in threads]
print(json.dumps({"codes": codes, "versions": SubmissionVersion.objects.filter(submission=submission).count()}))
"""


def test_on_sqlite_a_double_submit_queues_instead_of_failing(tmp_path):
    """`make run` uses SQLite: eight simultaneous submits of one draft — one 200, the rest 409,
    never "database is locked"."""
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'race.sqlite3'}", DEBUG="1", DATA_DIR=str(tmp_path), ALLOWED_HOSTS="testserver")
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "-c", SQLITE_RACE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert Counter(outcome["codes"]) == {200: 1, 409: 7}, outcome
    assert outcome["versions"] == 1
