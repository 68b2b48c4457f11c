"""The shape of docker-compose.yml on the development machine: gunicorn with the web service's
command line, a Celery worker and beat with theirs, all with the compose file's environment, on the
throwaway PostgreSQL and Redis of scripts/with-services.sh. A reviewer logs in through gunicorn
(behind the TLS proxy the compose environment expects), approves a submitted figure, and the
overview changes once the worker has recomputed it.
"""

import io
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from targets.models import Indicator, Submission

from ..conftest import PASSWORD, ROOT
from .test_deploy_check import compose_environment

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# The settings the suite changes for every test (tests/conftest.py: test_settings), as a module the
# processes load: static files from the source tree (production's manifest needs `collectstatic`,
# minutes), and the fast password hasher the fixtures' users were saved with.
SMOKE_SETTINGS = """\
from metrology_portal.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def service_command(service: str, data_dir: Path, port: int) -> list[str]:
    """Return `service`'s command from docker-compose.yml, run by this interpreter: the web service's
    gunicorn part (bound to a loopback port), the worker's and beat's (beat's schedule file under
    `data_dir` in place of /data)."""
    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"][service]["command"]
    if isinstance(command, str):  # web: sh -c "migrate && load_plan && gunicorn …": the server part
        command = shlex.split(next(part for part in shlex.split(command)[-1].split("&&") if "gunicorn" in part))
    command = [argument.replace("/data/", f"{data_dir}/").replace("0.0.0.0:8000", f"127.0.0.1:{port}") for argument in command]
    assert command[0] in ("gunicorn", "celery"), command
    return [sys.executable, "-m", *command]


class ThroughTheProxy(requests.Session):
    """A browser behind the TLS-terminating proxy: each request carries the X-Forwarded-Proto the
    proxy sets and an https Referer, and the Secure cookies the https leg would carry."""

    def __init__(self, base: str):
        super().__init__()
        self.base = base

    def request(self, method, path, **kwargs):
        headers = {"X-Forwarded-Proto": "https", "Referer": f"https://{self.base.split('://')[1]}{path}", **kwargs.pop("headers", {})}
        response = super().request(method, self.base + path, headers=headers, timeout=30, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False  # the proxy speaks plain HTTP to gunicorn
        return response


def hidden_inputs(html: str, action: str) -> dict[str, str]:
    form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', html, re.S)
    assert form, action
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))


def card_actual(html: str, code: str) -> Decimal:
    card = re.search(rf'id="card-{re.escape(code)}".*?data-actual="([^"]*)"', html, re.S)
    assert card, code
    return Decimal(card.group(1))


def wait_for(predicate, timeout: float, what: str, processes: dict) -> float:
    started = time.monotonic()
    while not predicate():
        for name, (process, log) in processes.items():
            assert process.poll() is None, f"{name} exited:\n{log.read_text()[-3000:]}"
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        time.sleep(0.1)
    return time.monotonic() - started


@pytest.fixture
def compose_services(plan, tmp_path):
    """Start web (gunicorn), worker and beat as docker-compose.yml runs them, on the suite's database
    and Redis; stop them after the test: gunicorn's quick shutdown (SIGINT), Celery's warm one
    (SIGTERM), then SIGKILL to each process group (its workers with it) after a grace period."""
    (tmp_path / "smoke_settings.py").write_text(SMOKE_SETTINGS)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = connection.settings_dict
    port = free_port()
    processes = {}
    try:
        for service in ("web", "worker", "beat"):
            env = {
                **compose_environment(service),
                # The test services in place of the compose ones; paths of this checkout in place of the image's.
                "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
                "REDIS_URL": settings.REDIS_URL,
                "DATA_DIR": str(data_dir),
                "PLAN_FILE": str(ROOT / "plans" / "wenzhou.yaml"),
                "DJANGO_SETTINGS_MODULE": "smoke_settings",
                "PYTHONPATH": f"{tmp_path}:{ROOT}",
                "PATH": "/usr/bin:/bin",
                # gunicorn's control socket goes here, not in the home folder other test runs share.
                "XDG_RUNTIME_DIR": str(tmp_path),
                "LANG": "C.UTF-8",
            }
            log = tmp_path / f"{service}.log"
            process = subprocess.Popen(
                service_command(service, data_dir, port), cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            processes[service] = (process, log)
        yield f"http://127.0.0.1:{port}", processes
    finally:
        for name, (process, _log) in processes.items():
            if process.poll() is None:
                process.send_signal(signal.SIGINT if name == "web" else signal.SIGTERM)
        for process, _log in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the group started for it: its own children only
            except ProcessLookupError:
                pass
            process.wait()


def test_compose_services_serve_a_login_an_approval_and_the_changed_overview(demo, reviewer, compose_services):
    """Started: gunicorn (compose's arguments), a worker and beat, compose's environment. Found: the
    reviewer logs in through gunicorn over the proxy's HTTPS, approves a submitted figure with the
    review form, and the overview's card for it shows the new city-wide value once the worker has
    recomputed; plain HTTP is redirected to HTTPS and HSTS is sent."""
    call_command("recompute_progress", stdout=io.StringIO())
    base, processes = compose_services
    # The demo's figure in review for the headline card G27-DEMO: a count, its increment adds to the city's value.
    submission = (
        Submission.objects.filter(status=Submission.Status.SUBMITTED, indicator__code="G27-DEMO")
        .select_related("indicator", "current").order_by("pk").first()
    )
    assert submission.indicator.kind == Indicator.Kind.CUMULATIVE and submission.current.increment > 0
    started = time.monotonic()
    wait_for(lambda: healthy(base), 60, "gunicorn", processes)
    wait_for(lambda: "ready." in processes["worker"][1].read_text(), 60, "the worker", processes)
    wait_for(lambda: "beat: Starting..." in processes["beat"][1].read_text(), 60, "beat", processes)
    startup = time.monotonic() - started

    plain = requests.get(base + "/accounts/login/", allow_redirects=False, timeout=30)
    assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")

    browser = ThroughTheProxy(base)
    login = browser.get("/accounts/login/")
    assert login.status_code == 200 and "max-age=31536000" in login.headers["Strict-Transport-Security"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    answer = browser.post("/accounts/login/", data={"username": reviewer.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
                          allow_redirects=False)
    assert answer.status_code == 302, answer.text[-2000:]

    code = submission.indicator.code
    before = card_actual(browser.get("/progress/").text, code)
    detail = browser.get(f"/submissions/{submission.pk}/")
    approve = f"/submissions/{submission.pk}/approve/"
    answer = browser.post(approve, data=hidden_inputs(detail.text, approve), allow_redirects=False)
    assert answer.status_code == 302, answer.text[-2000:]
    approved_at = time.monotonic()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED

    expected = before + submission.current.increment
    seen = wait_for(lambda: card_actual(browser.get("/progress/").text, code) == expected, 15, "the overview to change", processes)
    print(f"compose smoke: services ready in {startup:.1f} s; overview changed {seen:.1f} s after the approval "
          f"({code}: {before} → {expected})")
    assert time.monotonic() - approved_at < 15


def healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz/", timeout=2, allow_redirects=False).status_code == 200
    except requests.RequestException:  # not listening yet, or its workers still booting
        return False
