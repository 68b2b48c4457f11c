"""The auditors' audit log page: filters, readable changes, chain check, CSV export."""

import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from targets.actions import audit_record, submission_save
from targets.exports.audit_csv import CSV_KEYS
from targets.models import AuditEntry, Indicator

from ..conftest import PASSWORD, client_for
from ..factories import approved, draft, open_period, submitted


def rows(body: str) -> list[str]:
    """Return the table's body rows as HTML snippets, in page order."""
    tbody = re.search(r"<tbody[^>]*>(.*?)</tbody>", body, re.DOTALL).group(1)
    return re.findall(r"<tr[^>]*>(.*?)</tr>", tbody, re.DOTALL)


def hashes(body: str) -> list[str]:
    return re.findall(r'<code class="hash" title="([0-9a-f]{64})">', body)


@pytest.fixture
def as_auditor(auditor) -> Client:
    return client_for(auditor)


def get(client, /, **params) -> str:
    response = client.get("/audit/", params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_it_lists_entries_newest_first_with_a_short_hash(reporter, reviewer, as_auditor):
    approved(reporter, reviewer, "M01-STD")
    body = get(as_auditor)
    expected = list(AuditEntry.objects.order_by("-id").values_list("hash", flat=True))
    assert hashes(body) == expected
    newest = AuditEntry.objects.order_by("-id").first()
    assert f'title="{newest.hash}">{newest.hash[:10]}…</code>' in body
    # The time is local (Beijing) time.
    assert timezone.localtime(newest.at).strftime("%Y-%m-%d %H:%M:%S") in body


@pytest.mark.django_db
def test_it_pages_by_fifty(auditor, as_auditor):
    for n in range(60):
        audit_record(action=AuditEntry.Action.EXPORT, actor=auditor, object_type="plan", object_repr=f"test {n}")
    total = AuditEntry.objects.count()
    assert len(hashes(get(as_auditor))) == 50
    assert len(hashes(get(as_auditor, page=2))) == total - 50


@pytest.mark.django_db
def test_it_filters_by_user_action_object_and_address(reporter, other_reporter, reviewer, as_auditor):
    lucheng = submitted(reporter, "M01-STD")
    approved(other_reporter, reviewer, "M01-COV")
    Client().post("/accounts/login/", {"username": "reviewer", "password": PASSWORD}, REMOTE_ADDR="10.2.3.4")

    def shown(**params) -> set[int]:
        found = hashes(get(as_auditor, **params))
        return set(AuditEntry.objects.filter(hash__in=found).values_list("pk", flat=True))

    assert shown(user="LUCH") == set(AuditEntry.objects.filter(actor_name="reporter_lucheng").values_list("pk", flat=True))
    assert shown(action="approve") == set(AuditEntry.objects.filter(action="approve").values_list("pk", flat=True))
    assert len(shown(action="approve")) == 1
    submissions = set(AuditEntry.objects.filter(object_type="submission").values_list("pk", flat=True))
    assert shown(object_type="submission") == submissions
    assert shown(object_type="submission", object_id=str(lucheng.pk)) == set(
        AuditEntry.objects.filter(object_type="submission", object_id=str(lucheng.pk)).values_list("pk", flat=True)
    )
    login = AuditEntry.objects.get(action="login", ip="10.2.3.4")
    assert shown(address="10.2.") == {login.pk}
    assert shown(address="10.9.") == set()
    # Filters combine.
    assert shown(user="reviewer", action="login") == {login.pk}


@pytest.mark.django_db
def test_it_filters_by_date(reporter, as_auditor):
    submitted(reporter, "M01-STD")
    today = timezone.localdate()
    everything = AuditEntry.objects.count()
    assert len(hashes(get(as_auditor, date_from=today.isoformat(), date_to=today.isoformat()))) == everything
    assert hashes(get(as_auditor, date_from=(today + dt.timedelta(days=1)).isoformat())) == []
    assert hashes(get(as_auditor, date_to=(today - dt.timedelta(days=1)).isoformat())) == []


@pytest.mark.django_db
def test_a_bad_date_is_explained_next_to_the_field_and_kept(reporter, as_auditor):
    submitted(reporter, "M01-STD")
    body = get(as_auditor, date_from="2026-13-45", user="lucheng")
    assert hashes(body) == []  # nothing rather than a silently wider list
    field = re.search(r'<div class="field has-error">(.*?)</div>', body, re.DOTALL).group(1)
    assert 'name="date_from"' in field and 'class="field-error"' in field
    assert 'value="lucheng"' in body and 'value="2026-13-45"' in body


@pytest.mark.django_db
def test_it_shows_only_the_changed_values(reporter, as_auditor):
    indicator = Indicator.objects.get(code="M01-STD")
    saved = draft(reporter, "M01-STD", increment="2")
    values = {"increment": "3", "items": "标准装置甲 | CERT-001\n标准装置乙 | CERT-002\n标准装置丙 | CERT-003"}
    submission_save(
        user=reporter, indicator=indicator, unit=reporter.unit, period=open_period("2026Q3"),
        values=values, expected_version=1,
    )
    body = get(as_auditor, action="edit")
    (row,) = rows(body)
    changes = re.search(r'<ul class="changes">(.*?)</ul>', row, re.DOTALL).group(1)
    assert re.search(r'<span class="key" data-key="increment">[^<]+</span>：<del>2</del>', changes) and "<ins>3</ins>" in changes
    assert "CERT-003" in changes
    assert "note" not in changes and "explanation" not in changes  # unchanged (empty) values are left out
    # The object links to the submission when that page exists.
    try:
        url = reverse("targets:submission_detail", args=[saved.pk])
    except NoReverseMatch:
        assert "<a href" not in row
    else:
        assert f'<a href="{url}"' in row


@pytest.mark.django_db
def test_the_banner_says_the_chain_verifies(reporter, as_auditor):
    submitted(reporter, "M01-STD")
    body = get(as_auditor)
    assert 'class="chain-banner chain-ok"' in body and "chain-broken" not in body


@pytest.mark.django_db
def test_the_banner_names_the_first_entry_that_breaks_the_chain(reporter, auditor, as_auditor):
    submitted(reporter, "M01-STD")
    # A forged entry appended straight into the table (the trigger stops edits, not inserts).
    forged = AuditEntry.objects.create(
        at=timezone.now(), actor_name="intruder", action=AuditEntry.Action.APPROVE,
        prev_hash="f" * 64, hash="e" * 64,
    )
    audit_record(action=AuditEntry.Action.EXPORT, actor=auditor, object_type="plan")
    body = get(as_auditor)
    banner = re.search(r'<div class="chain-banner chain-broken"[^>]*>(.*?)</div>', body, re.DOTALL).group(1)
    assert str(forged.pk) in banner and "intruder" in banner


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["reporter", "reviewer", "leader", "admin_user"])
def test_only_auditors_may_read_it(request, role):
    user = request.getfixturevalue(role)
    client = client_for(user)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/", {"format": "csv"}).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


@pytest.mark.django_db
def test_it_needs_a_login(plan):
    response = Client().get("/audit/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def read_csv(response) -> list[dict]:
    """Return the rows keyed by column (the headers are in the user's language: checked apart)."""
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode("utf-8"))  # Excel needs the BOM to read UTF-8
    header, *body = csv.reader(io.StringIO(raw.decode("utf-8-sig")))
    assert len(header) == len(CSV_KEYS)
    return [dict(zip(CSV_KEYS, row)) for row in body]


@pytest.mark.django_db
def test_it_exports_the_filtered_entries_as_csv_and_records_the_export(reporter, other_reporter, reviewer, auditor):
    approved(reporter, reviewer, "M01-STD", note="按期报送")
    approved(other_reporter, reviewer, "M01-COV")
    submitted(reporter, "M02-ITEM")
    before = AuditEntry.objects.count()

    response = client_for(auditor).get("/audit/", {"action": "approve", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    exported = read_csv(response)
    approvals = list(AuditEntry.objects.filter(action="approve").order_by("-id"))
    assert [row["hash"] for row in exported] == [e.hash for e in approvals]
    first = next(row for row in exported if row["object_id"] == approvals[-1].object_id)
    assert first["user"] == "reviewer" and first["action"] == "approve"
    assert "按期报送" in first["after"]  # Chinese survives the round trip
    # The export is itself in the log, with who, which filters and how many rows.
    export = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 2  # the auditor's login, then the export
    assert export.action == AuditEntry.Action.EXPORT and export.actor == auditor
    assert export.after["filters"] == {"action": "approve"} and export.after["rows"] == 2
    assert export.hash not in {row["hash"] for row in exported}


@pytest.mark.django_db
def test_the_csv_cannot_smuggle_a_spreadsheet_formula(auditor):
    Client().post("/accounts/login/", {"username": "=HYPERLINK(\"x\")", "password": "nope"})
    exported = read_csv(client_for(auditor).get("/audit/", {"action": "login_failed", "format": "csv"}))
    assert [row["user"] for row in exported] == ["'=HYPERLINK(\"x\")"]


@pytest.mark.django_db
def test_a_bad_filter_exports_nothing(auditor):
    response = client_for(auditor).get("/audit/", {"date_to": "not a date", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()
