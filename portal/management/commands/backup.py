"""Back up the database (pg_dump, custom format) and the uploaded files.

Writes three files with one time stamp into BACKUP_DIR (or --output):
  portal-<stamp>.dump        the database, for pg_restore
  portal-<stamp>-media.tar.gz the uploaded files
  portal-<stamp>.json        row counts per table, to check a restore against
"""

import json
import os
import shutil
import subprocess
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def pg_env(db: dict) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": str(db.get("HOST") or "127.0.0.1"),
            "PGPORT": str(db.get("PORT") or 5432),
            "PGUSER": str(db.get("USER") or "postgres"),
            "PGDATABASE": str(db["NAME"]),
        }
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def table_counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from introspection
        counts[table] = cursor.fetchone()[0]
    return counts


class Command(BaseCommand):
    help = "Back up the PostgreSQL database and the media files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=None, help="Folder for the backup files."
        )

    def handle(self, *args, output: Path | None = None, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "Backups are for PostgreSQL. On SQLite, copy db.sqlite3 while the portal is stopped."
            )
        folder = output or settings.BACKUP_DIR
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        dump = folder / f"portal-{stamp}.dump"
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(dump)],
            env=pg_env(connection.settings_dict),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        media = folder / f"portal-{stamp}-media.tar.gz"
        with tarfile.open(media, "w:gz") as archive:
            if settings.MEDIA_ROOT.exists():
                archive.add(settings.MEDIA_ROOT, arcname="media")
        with connection.cursor() as cursor:
            counts = table_counts(cursor, connection.introspection.table_names(cursor))
        manifest = folder / f"portal-{stamp}.json"
        manifest.write_text(
            json.dumps(
                {"created": stamp, "database": dump.name, "media": media.name, "rows": counts},
                indent=1,
            )
        )
        self.stdout.write(self.style.SUCCESS(f"Backup written: {dump}, {media}, {manifest}"))
        return str(manifest)
