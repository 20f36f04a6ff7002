"""The page cache (portal.pages) is gone, and with it the revision every
table kept for it. Its triggers were installed outside the migrations (after
each `migrate`), so they are found in the database's catalogue here rather
than named: a trigger, sequence or table that is not there is skipped."""

from django.db import migrations

TRIGGER = "portal_revision"
FUNCTION = "portal_revision_bump"
SEQUENCE_PREFIX = "portal_rev_"
SQLITE_TABLE = "portal_revision"


def drop_revisions(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname = %s AND c.relnamespace = current_schema()::regnamespace",
                [TRIGGER],
            )
            for (table,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER IF EXISTS {quote(TRIGGER)} ON {quote(table)}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
            cursor.execute(
                "SELECT c.relname FROM pg_class c WHERE c.relkind = 'S'"
                " AND c.relname LIKE %s AND c.relnamespace = current_schema()::regnamespace",
                [SEQUENCE_PREFIX.replace("_", r"\_") + "%"],
            )
            for (sequence,) in cursor.fetchall():
                cursor.execute(f"DROP SEQUENCE IF EXISTS {quote(sequence)}")
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{TRIGGER}_%"],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER IF EXISTS {quote(name)}")
            cursor.execute(f"DROP TABLE IF EXISTS {quote(SQLITE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = []

    operations = [
        # Nothing to put back going backwards: the page cache's code is gone.
        migrations.RunPython(drop_revisions, migrations.RunPython.noop, elidable=True),
    ]
