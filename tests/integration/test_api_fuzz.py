"""Schemathesis against /api/schema/: every operation of the API, as a reporter and as a reviewer,
with inputs that fit the schema and inputs that break it — never a server error, and every answer
is one the schema documents (status code, content type, body).

The requests go through the WSGI application itself (no server), on PostgreSQL with the demo
loaded. Path ids are often those of real records in each state (schemathesis alone would mostly
guess ids that do not exist), so that edits, steps and exports run on real data too. The counts are
printed on a line starting "schemathesis:" (`pytest -s` shows it; a failure repeats it).
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from targets.actions.tokens import token_issue
from targets.models import Period, Submission

from .proofs import show_counts

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Cases per operation, role and mode (valid / invalid input): 16 operations × 2 roles × ~1.7 × this.
EXAMPLES = 8
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same cases on every run: a failure in CI replays locally
    database=None,  # no .hypothesis/ directory in the work tree
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def wsgi_app():
    """The portal's WSGI application, inside the test's transaction.

    Django closes "old" connections at the start and end of each request; the test client stops
    that, and so must a raw WSGI call, or the test's transaction would be closed under it.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _real_values(reporter) -> dict[str, list[str]]:
    """Return path values worth trying besides generated ones: submissions of the demo in each
    state (the reporter's unit's and another unit's) and the latest periods."""
    ids: list[int] = []
    for status in Submission.Status.values:
        ids += Submission.objects.filter(status=status, unit=reporter.unit).order_by("-pk").values_list("pk", flat=True)[:3]
        ids += Submission.objects.filter(status=status).exclude(unit=reporter.unit).values_list("pk", flat=True)[:1]
    return {
        "/api/v1/submissions/{id}": [str(pk) for pk in ids],
        "/api/v1/periods/{code}": list(Period.objects.order_by("-start").values_list("code", flat=True)[:4]),
    }


def _breakable(raw_operation: dict) -> bool:
    """Whether the operation has any input that a value can break (a body, a typed or constrained
    parameter): for one that takes only free text, there is no invalid input to generate."""
    if "requestBody" in raw_operation:
        return True
    return any(
        set(p.get("schema", {})) - {"type", "description"} or p.get("schema", {}).get("type", "string") != "string"
        for p in raw_operation.get("parameters", [])
    )


def test_every_operation_answers_as_documented_and_never_500(request, demo, reporter, reviewer, wsgi_app):
    headers_of = {
        "reporter": {"Authorization": f"Token {token_issue(user=reporter).key}"},
        "reviewer": {"Authorization": f"Token {token_issue(user=reviewer).key}"},
    }
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers=headers_of["reviewer"])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 16, [op.label for op in operations]
    real = _real_values(reporter)
    statuses: Counter = Counter()
    failures: list[str] = []
    runs = cases = 0

    for operation in operations:
        raw = schema.raw_schema["paths"][operation.path][operation.method.lower()]
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if _breakable(raw) else [])
        known = next((values for prefix, values in real.items() if operation.path.startswith(prefix)), [])
        for role, headers in headers_of.items():
            for mode in modes:

                @FUZZ
                @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
                def run(case, data):
                    nonlocal cases
                    for name in case.path_parameters or {}:
                        if known and data.draw(st.booleans(), label="a real record"):
                            case.path_parameters[name] = data.draw(st.sampled_from(known), label=name)
                    response = case.call(headers=headers)
                    cases += 1
                    statuses[response.status_code] += 1
                    case.validate_response(response, checks=CHECKS, headers=headers)

                runs += 1
                try:
                    run()
                except Unsatisfiable:
                    failures.append(f"{operation.label} ({mode.value}): no case could be generated")
                except (Exception, FailureGroup) as exc:  # a check failed: note it, go on with the rest
                    failures.append(f"{operation.label} as {role} ({mode.value}):\n{exc}")

    summary = (
        f"schemathesis: {len(operations)} operations, {runs} runs (operation × role × valid/invalid input), "
        f"{cases} cases, statuses {dict(sorted(statuses.items()))}, 5xx: {sum(n for s, n in statuses.items() if s >= 500)}"
    )
    show_counts(request, summary)
    assert not failures, summary + "\n\n" + "\n\n".join(failures)
