"""Backup and restore (`make backup`, `make restore`): the demo with evidence files is backed up,
restored into a fresh database on the same PostgreSQL server, and found identical — every table's
rows, the progress snapshots row for row, the dashboards and the API as served, the evidence files
with their hashes, the audit chain. A damaged archive is refused and the target left untouched.
"""

import copy
import hashlib
import io
import json
import re
import tarfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation

from targets.actions import evidence_attach
from targets.models import Evidence

from ..conftest import client_for
from ..factories import draft

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" + b"\x00" * 32
PAGES = ["/progress/", "/api/v1/progress/"]


@contextmanager
def serving(database: str):
    """Point the portal's connection at `database` (as a process started with its DATABASE_URL would)."""
    original = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = database
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


@pytest.fixture
def fresh_database():
    """An empty database on the suite's PostgreSQL server, dropped after the test."""
    name = f"restore_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def portal(demo, reporter, reviewer, leader, settings, tmp_path):
    """The demo with its progress computed and three evidence files (two submissions), committed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("recompute_progress", stdout=io.StringIO())
    first = draft(reporter, "M01-STD", "2026Q4")
    evidence_attach(user=reporter, submission=first, uploaded_file=SimpleUploadedFile("检定证书.pdf", PDF))
    evidence_attach(user=reporter, submission=first, uploaded_file=SimpleUploadedFile("现场照片.png", PNG))
    second = draft(reporter, "M14-RATE", "2026Q4")
    evidence_attach(user=reporter, submission=second, uploaded_file=SimpleUploadedFile("统计表.pdf", PDF + b"% 2\n"))
    # Logged in before the backup: the session is in the dump, so the same client reads both portals.
    return {"leader": client_for(leader), "media": settings.MEDIA_ROOT}


def table_digests(database: str) -> dict[str, tuple[int, str]]:
    """Return (rows, MD5 of the rows in order) for every table of `database`'s public schema."""
    with serving(database), connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        digests = {}
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT count(*), md5(coalesce(string_agg(t::text, E\'\\n\' ORDER BY t::text), \'\')) FROM "{table}" t')
            digests[table] = cursor.fetchone()
        return digests


def snapshot_rows(database: str) -> list[tuple]:
    with serving(database), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM targets_progresssnapshot ORDER BY indicator_id, unit_id, period_id")
        return cursor.fetchall()


def as_served(client, database: str) -> dict[str, str]:
    """Return each page of PAGES as served from `database`, rendered afresh (no cached body), with
    the per-request CSRF token taken out."""
    with serving(database):
        served = {}
        for path in PAGES:
            cache.clear()
            response = client.get(path)
            assert response.status_code == 200, path
            served[path] = re.sub(r'(csrfmiddlewaretoken" value=|csrf-token" content=)"[^"]+"', r"\1", response.content.decode())
        return served


def test_a_restored_backup_serves_the_same_dashboards_files_and_audit_chain(portal, fresh_database, tmp_path, settings):
    archive = tmp_path / "backups" / "portal.tar"
    call_command("backup_portal", str(archive), stdout=io.StringIO())
    assert archive.stat().st_mode & 0o077 == 0  # password hashes inside: the owner's alone
    source = connection.settings_dict["NAME"]
    tables, snapshots = table_digests(source), snapshot_rows(source)

    # As `make restore` on a new server: the portal configured with the new database and data folder.
    settings.MEDIA_ROOT = tmp_path / "restored" / "media"
    with serving(fresh_database), translation.override("en"):
        out = io.StringIO()
        call_command("restore_portal", str(archive), stdout=out)
    assert "audit log OK" in out.getvalue() and "3 evidence files present" in out.getvalue(), out.getvalue()

    # Every table, row for row (the snapshot table is UNLOGGED: its rows are in the dump too).
    assert table_digests(fresh_database) == tables
    assert snapshot_rows(fresh_database) == snapshots and len(snapshots) > 1000
    # The dashboards and the API as the leader is served them.
    assert as_served(portal["leader"], fresh_database) == as_served(portal["leader"], source)
    # The evidence files, each where its row says, with its SHA-256.
    restored_media = tmp_path / "restored" / "media"
    evidence = list(Evidence.objects.values_list("file", "sha256"))
    assert len(evidence) == 3
    for name, sha256 in evidence:
        assert hashlib.sha256((restored_media / name).read_bytes()).hexdigest() == sha256
    # The audit chain verifies on the restored database.
    with serving(fresh_database):
        out = io.StringIO()
        call_command("verify_audit", stdout=out)
        assert out.getvalue().startswith("OK")
    print(f"restore check: {len(tables)} tables, {sum(rows for rows, _ in tables.values())} rows identical; "
          f"{len(snapshots)} snapshot rows equal row for row; {len(PAGES)} pages identical; "
          f"{len(evidence)} evidence files with their SHA-256; verify_audit {out.getvalue().strip()}")


def damaged_copies(archive: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    """Return damaged copies of `archive`, each with (a pattern of) the reason the restore must give."""
    data = archive.read_bytes()
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        evidence = next(m for m in members if m.name.startswith("media/evidence/"))
        manifest = tar.extractfile("manifest.json").read()
        contents = {m.name: tar.extractfile(m).read() for m in members}
    # One byte of an evidence file changed in place (the tar itself stays well formed).
    flipped = bytearray(data)
    flipped[evidence.offset_data] ^= 0xFF
    # An evidence file left out, the manifest still listing it.
    incomplete = io.BytesIO()
    with tarfile.open(fileobj=incomplete, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member in members:
            if member.name != evidence.name:
                tar.addfile(member, io.BytesIO(contents[member.name]))
    # A manifest that lists a file the archive does not hold.
    listed = json.loads(manifest)
    listed["files"]["media/evidence/00/missing"] = {"size": 1, "sha256": "0" * 64}
    extra = io.BytesIO()
    with tarfile.open(fileobj=extra, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member in members:
            body = json.dumps(listed).encode() if member.name == "manifest.json" else contents[member.name]
            rewritten = copy.copy(member)
            rewritten.size = len(body)
            tar.addfile(rewritten, io.BytesIO(body))
    # A member that would land outside the staging folder (path traversal).
    escaping = io.BytesIO()
    with tarfile.open(fileobj=escaping, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for member in members:
            tar.addfile(member, io.BytesIO(contents[member.name]))
        intruder = tarfile.TarInfo("media/../../escaped")
        intruder.size = 1
        tar.addfile(intruder, io.BytesIO(b"x"))
    copies = {
        "changed byte": (bytes(flipped), re.escape(evidence.name) + ".*SHA-256"),
        "truncated": (data[: len(data) * 2 // 3], "damaged or truncated|manifest.json"),
        "member left out": (incomplete.getvalue(), re.escape(evidence.name)),
        "manifest lists a missing file": (extra.getvalue(), "media/evidence/00/missing"),
        "not a tar": (b"\x00garbage" * 100, "damaged or truncated|manifest.json"),
        "member outside media": (escaping.getvalue(), re.escape("unexpected member “media/../../escaped”")),
    }
    paths = {}
    for name, (body, reason) in copies.items():
        path = folder / f"{name.replace(' ', '-')}.tar"
        path.write_bytes(body)
        paths[name] = (path, reason)
    return paths


def test_a_damaged_archive_is_refused_with_its_reason_and_the_target_is_left_untouched(
    portal, fresh_database, tmp_path, settings
):
    archive = tmp_path / "portal.tar"
    call_command("backup_portal", str(archive), stdout=io.StringIO())
    target_media = tmp_path / "target" / "media"
    settings.MEDIA_ROOT = target_media
    for name, (path, reason) in damaged_copies(archive, tmp_path).items():
        with serving(fresh_database), translation.override("en"), pytest.raises(CommandError) as refusal:
            call_command("restore_portal", str(path), "--no-color", stdout=io.StringIO())
        message = str(refusal.value)
        assert "refused, nothing was written" in message, (name, message)
        assert re.search(reason, message), (name, message)
        with serving(fresh_database), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            assert cursor.fetchone()[0] == 0, name
        assert not target_media.exists() and list(tmp_path.glob("**/.restore-*")) == [], name
        assert not list(tmp_path.parent.glob("**/escaped")), name

    # The intact archive goes in; a second restore into the now filled database is refused.
    with serving(fresh_database), translation.override("en"):
        call_command("restore_portal", str(archive), stdout=io.StringIO())
        with pytest.raises(CommandError, match="is not empty"):
            call_command("restore_portal", str(archive), stdout=io.StringIO())
    assert len(list(target_media.rglob("*"))) > 3
