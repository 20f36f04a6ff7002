"""Restore a backup made by `manage.py backup` into an EMPTY database and check
every table's row count against the backup's manifest."""

import json
import subprocess
import tarfile
from pathlib import Path

import dj_database_url
import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from portal.management.commands.backup import pg_env, pg_tool


class Command(BaseCommand):
    help = (
        "Restore a backup (its .json manifest) into an empty PostgreSQL database, then verify it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "manifest", type=Path, help="The portal-<stamp>.json file of the backup."
        )
        parser.add_argument(
            "--database-url",
            default="",
            help="Where to restore (default: this installation's DATABASE_URL). It must be empty.",
        )
        parser.add_argument(
            "--media-root", type=Path, default=None, help="Where to unpack the media files."
        )

    def handle(
        self,
        *args,
        manifest: Path,
        database_url: str = "",
        media_root: Path | None = None,
        **options,
    ):
        info = json.loads(manifest.read_text())
        folder = manifest.parent
        db = dj_database_url.parse(database_url) if database_url else connection.settings_dict
        env = pg_env(db)
        conninfo = f"host={env['PGHOST']} port={env['PGPORT']} user={env['PGUSER']} dbname={env['PGDATABASE']}"
        if env.get("PGPASSWORD"):
            conninfo += f" password={env['PGPASSWORD']}"
        with psycopg.connect(conninfo) as target:
            existing = target.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()[0]
        if existing:
            raise CommandError(
                f"Database {env['PGDATABASE']} is not empty ({existing} tables): restore into a new one."
            )
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [
                pg_tool("pg_restore"),
                "--no-owner",
                "--exit-on-error",
                "--dbname",
                env["PGDATABASE"],
                str(folder / info["database"]),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
        target_media = media_root or settings.MEDIA_ROOT
        with tarfile.open(folder / info["media"], "r:gz") as archive:
            archive.extractall(target_media.parent, filter="data")
        with psycopg.connect(conninfo) as target:
            mismatched = {
                table: (expected, target.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])  # noqa: S608
                for table, expected in info["rows"].items()
            }
        mismatched = {table: pair for table, pair in mismatched.items() if pair[0] != pair[1]}
        if mismatched:
            raise CommandError(f"Restored, but row counts differ (expected, found): {mismatched}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {len(info['rows'])} tables into {env['PGDATABASE']}; row counts match."
            )
        )
