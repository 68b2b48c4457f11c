"""`manage.py restore_portal ARCHIVE`: put back a backup of `backup_portal` into an EMPTY database.

Everything is checked before anything is written: the archive is read to its end into a staging
folder, every member hashed against the manifest (a damaged, truncated or incomplete archive, an
unexpected or unsafe member is refused), the dump listed by pg_restore; the database must have no
table and MEDIA_ROOT no file. Only then is the dump restored in one transaction (all or nothing)
and the media moved into place. Afterwards the restored portal is checked: the audit log's chain
verifies and ends where the manifest says, every evidence row has its file with its SHA-256.

A restore never replaces data: to restore over a portal, drop and create its database (and move
its media directory aside) first — a deliberate act, not an option of this command.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
import time
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from targets.models import AuditEntry, Evidence
from targets.selectors.audit import audit_verify

from .backup_portal import ARCHIVE_FORMAT, ARCHIVE_VERSION, DUMP, MANIFEST, MEDIA, pg_tool, require_postgresql, run_pg, sha256_stream


class Refused(Exception):
    """The archive cannot be restored; the message says why."""


def member_path(name: str) -> PurePosixPath:
    """Return the staging path of member `name`, refusing anything but the manifest, the dump and
    plain relative paths under media/ (no absolute path, no `..`)."""
    path = PurePosixPath(name)
    if name in (MANIFEST, DUMP):
        return path
    if (
        path.is_absolute() or len(path.parts) < 2 or path.parts[0] != MEDIA
        or any(part in ("", ".", "..") for part in path.parts) or "\\" in name or "\x00" in name
    ):
        raise Refused(_("unexpected member “%s” in the archive") % name)
    return path


def unpack_and_verify(archive: Path, staging: Path) -> dict:
    """Unpack `archive` into `staging`, check it against its manifest and return the manifest."""
    hashes: dict[str, tuple[int, str]] = {}
    manifest_bytes = None
    try:
        with tarfile.open(archive, "r:") as tar:
            for member in tar:
                if member.isdir():
                    continue
                if not member.isreg():
                    raise Refused(_("unexpected member “%s” in the archive (not a regular file)") % member.name)
                target = staging / member_path(member.name)
                if member.name in hashes or target.exists():
                    raise Refused(_("member “%s” appears twice in the archive") % member.name)
                stream = tar.extractfile(member)
                if member.name == MANIFEST:
                    manifest_bytes = stream.read(member.size)
                    if len(manifest_bytes) != member.size:
                        raise EOFError("unexpected end of data")
                    hashes[member.name] = (member.size, hashlib.sha256(manifest_bytes).hexdigest())
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("xb") as sink:
                    hashes[member.name] = (member.size, sha256_stream(stream, member.size, sink))
    except (tarfile.TarError, EOFError) as error:
        raise Refused(_("the archive is damaged or truncated (%s)") % error)
    if manifest_bytes is None:
        raise Refused(_("the archive has no %s: it is incomplete or not a portal backup") % MANIFEST)
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        manifest = None
    listed = manifest.get("files") if isinstance(manifest, dict) else None
    if (
        not isinstance(listed, dict) or manifest.get("format") != ARCHIVE_FORMAT
        or not all(isinstance(entry, dict) for entry in listed.values())
        or not isinstance(manifest.get("audit"), dict) or not isinstance(manifest.get("evidence"), dict)
        or not {"entries", "head"} <= set(manifest["audit"]) or "rows" not in manifest["evidence"]
    ):
        raise Refused(_("%s is not the manifest of a portal backup") % MANIFEST)
    if manifest.get("version") != ARCHIVE_VERSION:
        raise Refused(_("backup format version %s is not supported by this portal") % manifest.get("version"))
    problems = []
    for name, expected in sorted(listed.items()):
        if name not in hashes:
            problems.append(_("“%s” is missing") % name)
        elif hashes[name] != (expected.get("size"), expected.get("sha256")):
            problems.append(_("“%s” does not match its SHA-256 in the manifest") % name)
    problems += [_("“%s” is not in the manifest") % name for name in sorted(set(hashes) - set(listed) - {MANIFEST})]
    if DUMP not in listed:
        problems.append(_("“%s” is missing") % DUMP)
    if problems:
        raise Refused("; ".join(problems))
    return manifest


def database_tables() -> int:
    """Return how many tables, views and sequences the database has outside PostgreSQL's own schemas."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname <> 'information_schema' "
            "AND n.nspname NOT LIKE 'pg\\_%'"
        )
        return cursor.fetchone()[0]


class Command(BaseCommand):
    help = (
        "Restore a backup of backup_portal into an empty database and an empty media directory; the archive "
        "is verified whole (manifest, SHA-256 of every member) before anything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The archive written by backup_portal")

    def handle(self, *args, archive: Path, **options):
        started = time.monotonic()
        require_postgresql()
        if not archive.is_file():
            raise CommandError(_("%s: no such file.") % archive)
        media_root = Path(settings.MEDIA_ROOT)
        database = connection.settings_dict["NAME"]
        # The target first: refusing a non-empty one must not wait for a large archive to be read.
        if database_tables():
            raise CommandError(
                _("database “%s” is not empty: a restore only goes into an empty database (drop and create it first).")
                % database
            )
        if media_root.exists() and any(media_root.iterdir()):
            raise CommandError(
                _("%s is not empty: a restore only goes into an empty media directory (move it aside first).") % media_root
            )
        pg_restore = pg_tool("pg_restore")
        # Staged beside MEDIA_ROOT when possible: moving the media into place is then a rename.
        staging_parent = media_root.parent if media_root.parent.is_dir() else None
        with tempfile.TemporaryDirectory(prefix=".restore-", dir=staging_parent) as folder:
            staging = Path(folder)
            try:
                manifest = unpack_and_verify(archive, staging)
            except Refused as refusal:
                raise CommandError(_("%(file)s refused, nothing was written: %(why)s") % {"file": archive, "why": refusal})
            run_pg([pg_restore, "--list", str(staging / DUMP)], _("%s refused, nothing was written: pg_restore cannot read its dump") % archive)
            files = len(manifest["files"]) - 1
            self.stdout.write(_("archive verified: %(n)d files match the manifest's SHA-256") % {"n": files + 1})

            run_pg([pg_restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                    f"--dbname={database}", str(staging / DUMP)], _("pg_restore failed (the database is left as it was)"))
            if (staging / MEDIA).is_dir():
                if media_root.exists():
                    media_root.rmdir()  # empty, checked above
                media_root.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(staging / MEDIA), str(media_root))
        connection.close()  # the next query sees the restored schema
        self._check(manifest, media_root)
        self.stdout.write(self.style.SUCCESS(
            _("restored %(file)s into database “%(db)s” and %(media)s: %(files)d media files in %(seconds).1f s")
            % {"file": archive, "db": database, "media": media_root, "files": files, "seconds": time.monotonic() - started}
        ))

    def _check(self, manifest: dict, media_root: Path) -> None:
        """Check the restored portal against the manifest: the audit chain and every evidence file."""
        broken = audit_verify()
        entries = AuditEntry.objects.count()
        head = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or AuditEntry.GENESIS
        if broken is not None:
            raise CommandError(_("restored, but the audit log does not verify from entry #%d") % broken.pk)
        if (entries, head) != (manifest["audit"]["entries"], manifest["audit"]["head"]):
            raise CommandError(_("restored, but the audit log does not end where the manifest says"))
        missing = []
        evidence = list(Evidence.objects.values_list("file", "sha256"))
        for name, sha256 in evidence:
            path = media_root / name
            if not path.is_file():
                missing.append(name)
                continue
            with path.open("rb") as stream:
                if sha256_stream(stream, path.stat().st_size) != sha256:
                    missing.append(name)
        if missing or len(evidence) != manifest["evidence"]["rows"]:
            raise CommandError(
                _("restored, but %(n)d evidence file(s) are missing or differ from their SHA-256: %(files)s")
                % {"n": len(missing), "files": ", ".join(missing[:10])}
            )
        self.stdout.write(
            _("audit log OK (%(entries)d entries, chain head as in the manifest); %(evidence)d evidence files present with their SHA-256")
            % {"entries": entries, "evidence": len(evidence)}
        )
