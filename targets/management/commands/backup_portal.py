"""`manage.py backup_portal OUT`: the database and the media directory in one archive with a manifest.

The archive is a plain tar (the dump is compressed already, the media are PDFs, images and Office
files): `database.dump` (pg_dump's custom format), `media/…` (evidence and export files, as under
MEDIA_ROOT) and, last, `manifest.json` with the size and SHA-256 of every other member, the
schema's latest migrations and what the restore must find again (audit log entries and head,
evidence rows). `restore_portal` checks all of it before writing anything.

The dump and the figures of the manifest come from one database snapshot (pg_dump --snapshot): a
portal in use is backed up consistently. The media are copied after the dump, so every evidence
row of the dump has its file (evidence is written before its row commits and never deleted).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
# pg_dump and pg_restore, called with argument lists (never a shell).
import subprocess  # nosec B404
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from targets.models import AuditEntry, Evidence

ARCHIVE_FORMAT = "metrology-portal-backup"
ARCHIVE_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"
CHUNK = 1024 * 1024


def sha256_stream(stream, size: int, sink=None) -> str:
    """Return the SHA-256 of the next `size` bytes of `stream` (copied to `sink` when given)."""
    digest = hashlib.sha256()
    remaining = size
    while remaining:
        block = stream.read(min(CHUNK, remaining))
        if not block:
            raise EOFError("unexpected end of data")
        digest.update(block)
        if sink is not None:
            sink.write(block)
        remaining -= len(block)
    return digest.hexdigest()


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise CommandError(
            _("Backup and restore need PostgreSQL (DATABASE_URL); this portal runs on %s.") % connection.vendor
        )


def pg_tool(name: str) -> str:
    """Return the path of PostgreSQL client `name` (pg_dump, pg_restore) for the server's version:
    the same major version when installed (Debian: /usr/lib/postgresql/N/bin), else the nearest
    newer one, else the one on PATH (pg_dump refuses a server newer than itself)."""
    connection.ensure_connection()
    server_major = connection.pg_version // 10000
    installed = {}
    for path in Path("/usr/lib/postgresql").glob(f"*/bin/{name}"):
        if path.parent.parent.name.isdigit():
            installed[int(path.parent.parent.name)] = str(path)
    usable = sorted(major for major in installed if major >= server_major)
    if usable:
        return installed[usable[0]]
    found = shutil.which(name)
    if found is None:
        raise CommandError(
            _("%(tool)s is not installed: install the PostgreSQL %(major)d client (Debian: postgresql-client-%(major)d).")
            % {"tool": name, "major": server_major}
        )
    return found


def pg_environment() -> dict[str, str]:
    """Return the environment that points libpq (pg_dump, pg_restore) at Django's database; the
    password goes through the environment, never the command line."""
    db = connection.settings_dict
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD"), ("PGDATABASE", "NAME")):
        if db.get(key):
            env[variable] = str(db[key])
        else:
            env.pop(variable, None)
    return env


def run_pg(arguments: list[str], what: str) -> subprocess.CompletedProcess:
    # `arguments` are a PostgreSQL client's path and options built here, the file names given to the command.
    result = subprocess.run(arguments, env=pg_environment(), capture_output=True, text=True)  # nosec B603
    if result.returncode != 0:
        raise CommandError(f"{what}: {result.stderr.strip() or result.stdout.strip()}")
    return result


def latest_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).migration_qs.order_by("app", "name").values_list("app", "name"):
        latest[app] = name
    return latest


def media_files(root: Path) -> list[Path]:
    """Return the regular files under `root` (relative, sorted); links and the like are left out."""
    if not root.is_dir():
        return []
    found = []
    for folder, folders, names in os.walk(root):
        folders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root))
    return found


class Command(BaseCommand):
    help = (
        "Write the database (pg_dump, custom format) and the media directory (evidence and export files) "
        "into one tar archive with a manifest of SHA-256 hashes; restore it with restore_portal."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, help="The archive to write (e.g. backups/portal-20261202.tar)")

    def handle(self, *args, out: Path, **options):
        require_postgresql()
        if out.exists():
            raise CommandError(_("%s exists already: a backup never overwrites a file.") % out)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        started = dt.datetime.now(dt.timezone.utc)
        try:
            partial.unlink(missing_ok=True)  # left by a backup that was killed
            # Readable by its owner only from the first byte: the dump holds password hashes and tokens.
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as stream, tarfile.open(fileobj=stream, mode="w", format=tarfile.PAX_FORMAT) as archive:
                files, figures = self._write(archive, partial)
                manifest = {
                    "format": ARCHIVE_FORMAT,
                    "version": ARCHIVE_VERSION,
                    "created_at": started.isoformat(),
                    **figures,
                    "files": files,
                }
                body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(body), int(started.timestamp()), 0o600
                archive.addfile(info, io.BytesIO(body))
            os.replace(partial, out)  # a half-written archive never carries the final name
        finally:
            partial.unlink(missing_ok=True)
        media = sum(1 for name in files if name.startswith(MEDIA + "/"))
        self.stdout.write(self.style.SUCCESS(
            _("backup written: %(file)s (%(size).1f MB; database dump, %(media)d media files, %(entries)d audit entries)")
            % {"file": out, "size": out.stat().st_size / 1024 / 1024, "media": media, "entries": figures["audit"]["entries"]}
        ))

    def _write(self, archive: tarfile.TarFile, partial: Path) -> tuple[dict, dict]:
        files: dict[str, dict] = {}
        dump = partial.parent / f".{DUMP}.{os.getpid()}"
        os.close(os.open(dump, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # pg_dump writes into it, mode kept
        try:
            figures = self._dump(dump)
            files[DUMP] = self._add(archive, dump, DUMP)
        finally:
            dump.unlink(missing_ok=True)
        root = Path(settings.MEDIA_ROOT)
        ours = {partial.resolve(), dump.resolve()}  # an archive written under MEDIA_ROOT leaves itself out
        for relative in media_files(root):
            if (root / relative).resolve() in ours:
                continue
            name = f"{MEDIA}/{relative.as_posix()}"
            try:
                files[name] = self._add(archive, root / relative, name)
            except FileNotFoundError:
                continue  # deleted since listed (an expired export, a finished job's temporary file)
        return files, figures

    def _dump(self, path: Path) -> dict:
        """Dump the database to `path` and return the manifest's figures, read from the same snapshot."""
        pg_dump = pg_tool("pg_dump")
        version = run_pg([pg_dump, "--version"], "pg_dump").stdout.strip()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            if not re.fullmatch(r"[0-9A-F-]+", snapshot):
                raise CommandError(f"unexpected snapshot id {snapshot!r}")
            run_pg([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                    f"--file={path}"], "pg_dump")
            head = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
            return {
                "database": {"server_version": connection.pg_version, "pg_dump": version, "migrations": latest_migrations()},
                "audit": {"entries": AuditEntry.objects.count(), "head": head or AuditEntry.GENESIS},
                "evidence": {"rows": Evidence.objects.count()},
            }

    @staticmethod
    def _add(archive: tarfile.TarFile, path: Path, name: str) -> dict:
        """Add `path` as member `name`, hashing exactly the bytes written (size fixed when opened)."""
        with path.open("rb") as stream:
            stat = os.fstat(stream.fileno())
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600

            hashing = HashingReader(stream)
            archive.addfile(info, hashing)
            return {"size": stat.st_size, "sha256": hashing.digest.hexdigest()}


class HashingReader:
    """A file object for tarfile that hashes exactly the bytes tarfile reads through it."""

    def __init__(self, stream):
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        block = self.stream.read(size)
        self.digest.update(block)
        return block
