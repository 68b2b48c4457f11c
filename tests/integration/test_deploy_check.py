"""Production settings proven: Django's deployment checklist (`manage.py check --deploy`) passes
without a warning in the environment docker-compose.yml gives the portal's services."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml
from django.core.checks import WARNING, run_checks

ROOT = Path(__file__).resolve().parents[2]
# What an operator's .env holds (docker compose refuses to start without them).
DOT_ENV = {"SECRET_KEY": secrets.token_urlsafe(50), "POSTGRES_PASSWORD": secrets.token_urlsafe(16)}
VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def compose_environment(service: str = "web", dot_env: dict[str, str] | None = None) -> dict[str, str]:
    """Return the environment docker compose passes to `service`, `${NAME:-default}` and
    `${NAME:?message}` interpolated as compose does from `dot_env` (the .env file)."""
    values = DOT_ENV if dot_env is None else dot_env

    def interpolate(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        value = values.get(name)
        if op and op.startswith(":") and not value:
            value = None
        if value is None:
            if op and op.endswith("?"):
                raise AssertionError(f"compose needs {name}: {arg}")
            return arg or ""
        return value

    environment = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"][service]["environment"]
    return {name: VARIABLE.sub(interpolate, str(value)) for name, value in environment.items()}


def check_deploy(environment: dict[str, str]) -> subprocess.Popen:
    """Start `manage.py check --deploy` (warnings fail it) in `environment` alone."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **environment}
    return subprocess.Popen(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_the_compose_environment_passes_the_deployment_checklist_without_a_warning():
    """`manage.py check --deploy` in a process given docker-compose.yml's environment alone: no issue."""
    production = compose_environment()
    assert production["DEBUG"] == "0" and production["SECURE_SSL_REDIRECT"] == "1"
    out, err = check_deploy(production).communicate(timeout=120)
    assert "System check identified no issues (0 silenced)." in out, out + err


def test_the_checklist_names_what_a_plain_http_trial_lacks(settings):
    """The check above can fail: with the redirect and HSTS off (a plain-HTTP trial, as the README
    describes it) the checklist warns about both, by name."""
    settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS = False, 0
    found = {message.id for message in run_checks(include_deployment_checks=True) if message.level >= WARNING}
    assert {"security.W004", "security.W008"} <= found
