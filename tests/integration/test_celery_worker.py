"""A real Celery worker executes a task through the real Redis broker, against the test database."""

import pytest
from django.conf import settings
from django.db import connection

from tasks.maintenance import plan_summary

from .conftest import needs_redis

pytestmark = [pytest.mark.worker, needs_redis]


def test_a_worker_runs_a_task_through_redis(plan, celery_worker):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert connection.vendor == "postgresql"
    result = plan_summary.delay(plan.code)
    summary = result.get(timeout=60)
    assert summary == {"plan": "wenzhou-metrology", "areas": 4, "measures": 16, "indicators": 41, "targets": 24}
    assert result.successful()
