"""Loaded first (pytest.ini: `-p tests.parallel_services`), before Django reads its settings.

Under pytest-xdist each worker process gets its own test database (pytest-django adds `_gw0`, `_gw1`
… to its name) but all share the one throwaway Redis server of scripts/with-services.sh. Each
worker therefore uses its own Redis database number, so that one worker's `cache.clear()` never
empties another's cache or Celery queue, and a Celery worker started by a test consumes only the
tasks of its own test database. Tests that stop Redis are marked `serial` and run one at a time
beside the parallel phase, on a Redis server of their own (scripts/run-tests.sh).
"""

import os
import re

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1" … under xdist, else unset
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    # Workers take databases 1, 2 …; Redis has 16 databases by default.
    os.environ["REDIS_URL"] = re.sub(r"(/\d+)?$", f"/{int(_worker[2:]) + 1}", os.environ["REDIS_URL"], count=1)
