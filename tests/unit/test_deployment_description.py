"""docker-compose.yml, the README and the settings module describe the same knobs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PORTAL_SERVICES = ("web", "worker", "beat")


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_runs_postgres_redis_web_worker_and_beat_with_health_checks_and_volumes():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert "gunicorn" in str(services["web"]["command"])
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]
    assert set(compose()["volumes"]) >= {"pgdata", "redisdata"}
    assert all(services[name]["build"] == "." for name in PORTAL_SERVICES)
    assert (ROOT / "Dockerfile").exists()


def test_every_variable_passed_to_the_portal_is_a_setting():
    known = set(settings.ENVIRONMENT_VARIABLES)
    for name in PORTAL_SERVICES:
        passed = set(compose()["services"][name]["environment"])
        assert passed, name
        assert passed <= known, f"{name}: {sorted(passed - known)} are not read by settings.py"
    # The variables production cannot do without are passed.
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS", "DEBUG"} <= set(compose()["services"]["web"]["environment"])


def test_the_readme_documents_every_environment_variable():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|\s*`([A-Z_]+)`\s*\|", readme, flags=re.M))
    assert documented == set(settings.ENVIRONMENT_VARIABLES)


def test_the_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_commands = re.findall(r"^make \w+", readme, flags=re.M)[:2]
    assert first_commands == ["make run", "make test"]


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='metrology_portal.settings'; django.setup()"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_defaults_run_locally_on_sqlite_with_eager_tasks():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DEBUG"] = "1"
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='metrology_portal.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.LANGUAGE_CODE)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "zh-hans"], result.stderr
