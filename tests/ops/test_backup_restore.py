"""A backup of a seeded database restores into a fresh one with every table's
row count and a sample of records intact."""

import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fresh_database():
    name = f"portal_restore_{uuid.uuid4().hex[:10]}"
    db = connection.settings_dict
    params = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"] or "postgres",
        "dbname": "postgres",
        "autocommit": True,
    }
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    url = f"postgres://{params['user']}{password}@{params['host']}:{params['port']}/{name}"
    yield url
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sample(cursor_or_conn, sql):
    return cursor_or_conn.execute(sql).fetchall()


def test_backup_restores_into_a_fresh_database(tmp_path, settings, fresh_database):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "reports").mkdir(parents=True)
    (settings.MEDIA_ROOT / "reports" / "report.pdf").write_bytes(b"%PDF-1.4 sample")
    call_command("seed_demo")

    manifest = call_command("backup", output=tmp_path / "backups")
    restored_media = tmp_path / "restored" / "media"
    call_command("restore", manifest, database_url=fresh_database, media_root=restored_media)

    assert (restored_media / "reports" / "report.pdf").read_bytes() == b"%PDF-1.4 sample"
    queries = [
        "SELECT email, full_name, role, password FROM accounts_user ORDER BY email",
        "SELECT first_name, last_name, date_of_birth FROM families_child ORDER BY id",
        "SELECT user_id, family_id, access_level FROM families_caregiver ORDER BY id",
    ]
    with connection.cursor() as cursor:
        original = []
        for sql in queries:
            cursor.execute(sql)
            original.append(cursor.fetchall())
        tables = connection.introspection.table_names(cursor)
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    with psycopg.connect(fresh_database) as restored:
        assert [_sample(restored, sql) for sql in queries] == original
        for table, count in counts.items():
            assert restored.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] == count, table
    assert counts["accounts_user"] >= 8


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, settings):
    from django.core.management import CommandError

    settings.MEDIA_ROOT = tmp_path / "media"
    manifest = call_command("backup", output=tmp_path / "backups")
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", manifest)
