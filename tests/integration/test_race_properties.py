"""A property of the reporting cycle under real concurrency, driven by Hypothesis: whatever steps
several people take on one submission at the same moment (edit, submit, approve, return, amend —
each one the record's state allows, all sent against the same version), exactly one wins and the
others get 409 with the record as it now stands; nobody gets a server error, and no version is
lost: version numbers stay contiguous, the winner's audit entry is there (and only the winner's),
and the approved version changes only when an approval wins.

Each simultaneous step is 2–4 API requests in threads released together by a barrier, each with
its own PostgreSQL connection, against committed data (a transactional test), as in
test_races.py. Hypothesis picks the starting state, the number of rounds and threads, and each
thread's step; `derandomize` makes the run the same on every machine. The counts are printed on a
line starting "race properties:" (`pytest -s` shows it).
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter

import pytest
from django.db import connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from targets.actions.tokens import token_issue
from targets.models import AuditEntry, Indicator, Period, Submission, SubmissionVersion

from ..factories import approved, draft, submitted
from .proofs import show_counts

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/submissions/"
EXAMPLES = 15
RACES = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a race cannot be replayed exactly anyway
    suppress_health_check=list(HealthCheck),
)
# The steps a record's state allows, who takes them and what a win leaves behind.
STEPS_IN = {
    Submission.Status.DRAFT: ["edit", "submit"],
    Submission.Status.RETURNED: ["edit", "submit"],
    Submission.Status.SUBMITTED: ["approve", "return"],
    Submission.Status.APPROVED: ["amend"],
}
AUDITED_AS = {
    "edit": AuditEntry.Action.EDIT,
    "submit": AuditEntry.Action.SUBMIT,
    "approve": AuditEntry.Action.APPROVE,
    "return": AuditEntry.Action.RETURN,
    "amend": AuditEntry.Action.AMEND,
}
NEW_VERSION = {"edit", "amend"}
STATUS_AFTER = {
    "edit": Submission.Status.DRAFT,
    "submit": Submission.Status.SUBMITTED,
    "approve": Submission.Status.APPROVED,
    "return": Submission.Status.RETURNED,
    "amend": Submission.Status.SUBMITTED,
}


def _request(step: str, pk: int, version: int, thread: int) -> tuple[str, str, dict]:
    """Return (method, address, body) of one step, sent against `version`."""
    body = {"version": version}
    if step == "edit":
        return "patch", f"{URL}{pk}/", {**body, "note": f"edit by thread {thread}"}
    if step == "amend":
        body.update(reason=f"correction by thread {thread}", note=f"amended by thread {thread}")
    if step == "return":
        body.update(reason=f"returned by thread {thread}")
    return "post", f"{URL}{pk}/{step}/", body


def thread_of(note: str) -> int:
    """Return the thread whose values a version holds (its note ends with the thread's number)."""
    return int(note.rsplit(" ", 1)[-1])


def _at_once(calls: list) -> list:
    """Run each call in its own thread (own database connection), released together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except Exception as exc:  # a crash is a failure of the property, never a hang
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _snapshot(submission: Submission) -> dict:
    submission.refresh_from_db()
    return {
        "numbers": list(SubmissionVersion.objects.filter(submission=submission).order_by("number").values_list("number", flat=True)),
        "current": submission.current.number,
        "approved": submission.approved_id,
        "status": submission.status,
        "audit": Counter(AuditEntry.objects.filter(object_id=str(submission.pk), action__in=AUDITED_AS.values()).values_list("action", flat=True)),
    }


def test_simultaneous_steps_have_one_winner_and_lose_nothing(request, plan, reporter, reviewer):
    clients = {
        "reporter": Client(headers={"Authorization": f"Token {token_issue(user=reporter).key}"}, raise_request_exception=False),
        "reviewer": Client(headers={"Authorization": f"Token {token_issue(user=reviewer).key}"}, raise_request_exception=False),
    }
    # A fresh slot (indicator × period of the reporter's unit) for each example.
    codes = list(Indicator.objects.filter(reporting_units=reporter.unit, active=True).order_by("code").values_list("code", flat=True))
    periods = list(Period.objects.order_by("-start").values_list("code", flat=True)[:4])
    slots = itertools.product(periods, codes)
    tally = Counter()

    @RACES
    @given(start=st.sampled_from(["draft", "submitted", "approved"]), data=st.data())
    def property_holds(start, data):
        period, code = next(slots)
        make = {"draft": draft, "submitted": submitted, "approved": lambda r, c, p: approved(r, reviewer, c, p)}[start]
        submission = make(reporter, code, period)
        tally["examples"] += 1
        for _round in range(data.draw(st.integers(1, 4), label="rounds")):
            before = _snapshot(submission)
            allowed = STEPS_IN[before["status"]]
            # Drawn as choices among the allowed steps, so that what is drawn does not depend on who
            # won the round before (Hypothesis needs the same draws for the same choices).
            choices = data.draw(st.lists(st.integers(0, 1), min_size=2, max_size=4), label="steps")
            steps = [allowed[choice % len(allowed)] for choice in choices]
            calls = []
            for thread, step in enumerate(steps):
                method, address, body = _request(step, submission.pk, before["current"], thread)
                client = clients["reviewer" if step in ("approve", "return") else "reporter"]
                calls.append(lambda c=client, m=method, a=address, b=body: getattr(c, m)(a, b, content_type="application/json"))
            responses = _at_once(calls)
            codes_seen = [r.status_code if hasattr(r, "status_code") else repr(r) for r in responses]
            tally["rounds"] += 1
            tally["requests"] += len(responses)
            tally.update(f"{status}" for status in codes_seen)

            assert Counter(codes_seen)[200] == 1 and set(codes_seen) <= {200, 409}, (steps, codes_seen)
            winning_thread = codes_seen.index(200)
            winner = steps[winning_thread]
            tally[f"won by {winner}"] += 1
            after = _snapshot(submission)
            expected_current = before["current"] + (1 if winner in NEW_VERSION else 0)
            assert after["numbers"] == list(range(1, expected_current + 1)), (steps, after["numbers"])
            assert after["current"] == expected_current and after["status"] == STATUS_AFTER[winner]
            assert after["audit"] - before["audit"] == Counter({AUDITED_AS[winner]: 1}), (winner, after["audit"], before["audit"])
            if winner in NEW_VERSION:
                assert thread_of(submission.current.note) == winning_thread, "the new version holds the winner's values"
            if winner == "approve":
                assert after["approved"] == submission.current_id
            else:
                assert after["approved"] == before["approved"], "only an approval changes the approved version"
            for response in responses:
                if response.status_code == 409:
                    assert response.json()["current"]["version"] == expected_current, "the loser sees the winner's version"

    property_holds()
    won = ", ".join(f"{key.removeprefix('won by ')} {n}" for key, n in sorted(tally.items()) if key.startswith("won by"))
    summary = (
        f"race properties: {tally['examples']} examples, {tally['rounds']} simultaneous steps, {tally['requests']} requests, "
        f"winners {tally['200']} ({won}), "
        f"409s {tally['409']}, 5xx: {sum(n for k, n in tally.items() if k.isdigit() and int(k) >= 500)}"
    )
    show_counts(request, summary)
    assert tally["rounds"] == tally["200"]
