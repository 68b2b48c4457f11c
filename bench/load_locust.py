"""The locust scenario of `make load` (run by bench/load.py, which prepares the logins and slots).

80 % leaders and reviewers reading dashboards and queues, 20 % reporters saving and submitting
figures through the web form; every user comes with a session logged in beforehand. Request names are
the page kinds (not the URLs) so that the results give one line per page.
"""

from __future__ import annotations

import json
import os
import random
import re

from locust import HttpUser, between, task

SETUP = json.loads(open(os.environ["LOAD_SETUP"], encoding="utf-8").read())
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
SLOTS = list(SETUP["slots"])  # (reporter, period, indicator, values): one user takes each once
random.Random(7).shuffle(SLOTS)


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    return match.group(1) if match else ""


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)
    username = ""
    logged_in = False

    def log_in(self, username: str) -> None:
        """Take one of the user's sessions prepared by bench/load.py (logged in earlier today)."""
        pool = SETUP["sessions"][username]
        self.client.cookies.set("sessionid", pool.pop() if len(pool) > 1 else pool[0])
        self.logged_in = True

    @task(1)
    def trivial_page(self) -> None:
        """The yardstick of the goals: the portal's layout around one small form."""
        if self.logged_in:
                self.client.get("/accounts/password/", name="trivial page (password form)")


class Leader(PortalUser):
    weight = 40

    def on_start(self) -> None:
        self.log_in("leader")

    @task(4)
    def overview(self) -> None:
        self.client.get("/progress/", name="dashboard: overview")

    @task(2)
    def area(self) -> None:
        self.client.get(f"/progress/areas/{random.choice(SETUP['areas'])}/", name="dashboard: area")

    @task(2)
    def measure(self) -> None:
        self.client.get(f"/progress/measures/{random.choice(SETUP['measures'])}/", name="dashboard: measure")


class Reviewer(PortalUser):
    weight = 40

    def on_start(self) -> None:
        self.log_in("reviewer")

    @task(3)
    def queue(self) -> None:
        self.client.get("/review/", name="review queue")

    @task(2)
    def submission(self) -> None:
        self.client.get(f"/submissions/{random.choice(SETUP['submissions'])}/", name="submission page")

    @task(2)
    def overview(self) -> None:
        self.client.get("/progress/", name="dashboard: overview")


class Reporter(PortalUser):
    weight = 20

    @task(4)
    def save_and_submit(self) -> None:
        """Open an empty form, save a draft, then submit it (one slot per round)."""
        if not SLOTS:
            return
        reporter, period, indicator, values = SLOTS.pop()
        if reporter != self.username:
            self.client.cookies.clear()
            self.username = reporter
            self.log_in(reporter)
        url = f"/report/{period}/{indicator}/"
        form = self.client.get(url, name="report form")
        # A saved form redirects to itself: the page followed to carries the new version.
        saved = self.client.post(url, {**values, "action": "draft", "csrfmiddlewaretoken": csrf_of(form.text)},
                                 headers={"Referer": self.host + url}, name="report form: save draft")
        version = VERSION.search(saved.text)
        with self.client.post(url, {**values, "action": "submit", "version": version.group(1) if version else "",
                                    "csrfmiddlewaretoken": csrf_of(saved.text)},
                              headers={"Referer": self.host + url}, name="report form: submit", catch_response=True) as sent:
            if not sent.history:  # refused: the form came back with a message instead of a redirect
                sent.failure("the figures were not submitted")

    @task(1)
    def period_page(self) -> None:
        if self.username:
            self.client.get("/report/", name="reporting home")
