"""Without Redis (make run), tasks run eagerly through an in-memory broker that names its host:
kombu otherwise warns "No hostname was supplied" on every task sent (load_plan printed it)."""

import logging
import os
import subprocess
import sys
from pathlib import Path

from kombu import Connection

ROOT = Path(__file__).resolve().parents[2]
PRINT_BROKER = (
    "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'metrology_portal.settings'); "
    "django.setup(); from django.conf import settings; print(settings.CELERY_BROKER_URL)"
)


def test_the_broker_without_redis_sends_without_a_hostname_warning(caplog):
    environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    environment.update(DEBUG="1")
    url = subprocess.run(
        [sys.executable, "-c", PRINT_BROKER], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    ).stdout.strip().splitlines()[-1]
    assert url.startswith("memory://")
    with caplog.at_level(logging.WARNING, logger="kombu.connection"):
        Connection(url).as_uri()
        Connection(url)._info()
    assert "No hostname" not in caplog.text
