"""A revision per table, changed by the database itself on every write.

portal.pages remembers a rendered page under the revisions of the tables it
read; the page is served again only while none of them has changed. The
database keeps the revisions, so every write counts: a form, a queryset's
update(), a bulk insert, a Celery task, a raw statement, psql.

- PostgreSQL: a sequence per table, advanced by a statement trigger on every
  INSERT, UPDATE, DELETE and TRUNCATE. A sequence takes no lock, so writers
  never wait on each other for it and cannot deadlock over it. It moves
  before the writer commits, which `quiet()` answers: a page rendered while a
  write is still open in this database is not kept. (PostgreSQL shows the
  transactions of the portal's own database role, or of every role to a role
  with pg_read_all_stats; a write by another role, psql say, is covered by
  the page cache's short lifetime instead.)
- SQLite (the embedded default): a row per table, set to a random number by
  row triggers in the writer's own transaction. One writer at a time, and
  readers see the new revision only with the data.

Sequences start at a random value and the random numbers never repeat, so a
new database (a test run's, a reseeded benchmark's) never meets the
revisions of an old one in a shared cache.

The triggers are installed after every `migrate` (portal.apps), on every
table of every installed model except those in UNTRACKED: a new app or model
is covered without anyone remembering to.
"""

import hashlib
import re
import secrets
from collections.abc import Iterable
from functools import cache

from django.apps import apps
from django.db import connection

# Written on every request or log-in attempt and never shown on a page that
# portal.pages remembers. A page that reads one of them is not remembered.
UNTRACKED = frozenset(
    {
        "django_session",
        "django_migrations",
        "axes_accessattempt",
        "axes_accessattemptexpiration",
        "axes_accessfailurelog",
        "axes_accesslog",
    }
)
SQLITE_TABLE = "portal_revision"
FUNCTION = "portal_revision_bump"
TRIGGER = "portal_revision"
_WORD = re.compile(r"[a-z0-9_]+")


def _models():
    return [m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy]


@cache
def model_tables() -> frozenset[str]:
    """Every table of every installed model, many-to-many tables included:
    what a statement is searched for."""
    return frozenset(model._meta.db_table for model in _models())


@cache
def tracked_tables() -> tuple[str, ...]:
    """The tables with a revision: those Django creates (an unmanaged model's
    table, like an UNTRACKED one, is read without one, and a page that reads
    it is not kept)."""
    managed = {model._meta.db_table for model in _models() if model._meta.managed}
    return tuple(sorted(managed - UNTRACKED))


def tables_in(sql: str) -> set[str]:
    """The model tables a statement names (quoted or not)."""
    return set(_WORD.findall(sql.lower())) & model_tables()


def sequence_name(table: str) -> str:
    # Within PostgreSQL's 63 characters whatever the table is called.
    digest = hashlib.blake2b(table.encode(), digest_size=4).hexdigest()
    return f"portal_rev_{table[:40]}_{digest}"


def install(using_connection=None) -> None:
    """Create or refresh the revisions and their triggers: idempotent."""
    conn = using_connection or connection
    existing = set(conn.introspection.table_names())
    tables = [table for table in tracked_tables() if table in existing]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            _install_postgresql(cursor, conn, tables)
        else:
            _install_sqlite(cursor, conn, tables)


def _install_postgresql(cursor, conn, tables: Iterable[str]) -> None:
    quote = conn.ops.quote_name
    cursor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM nextval(TG_ARGV[0]);
            RETURN NULL;
        END $$
        """
    )
    for table in tables:
        sequence = sequence_name(table)
        # A random start: see the module's docstring.
        start = secrets.randbelow(2**52) + 1
        cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {quote(sequence)} START WITH {start}")
        # Until its first nextval() a sequence's last_value is its start,
        # which the first write would hand out again: spend it now.
        cursor.execute("SELECT nextval(%s)", [sequence])
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER {TRIGGER} "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {quote(table)} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}('{sequence}')"
        )


def _install_sqlite(cursor, conn, tables: Iterable[str]) -> None:
    quote = conn.ops.quote_name
    cursor.execute(
        f'CREATE TABLE IF NOT EXISTS {SQLITE_TABLE} ("table" text PRIMARY KEY, n integer)'
    )
    for table in tables:
        for event in ("INSERT", "UPDATE", "DELETE"):
            name = quote(f"{TRIGGER}_{event.lower()}_{table}")
            # Names from the models' _meta; SQLite takes no parameters in a trigger's body.
            body = (
                f"INSERT INTO {SQLITE_TABLE} (\"table\", n) VALUES ('{table}', random()) "  # noqa: S608
                'ON CONFLICT ("table") DO UPDATE SET n = excluded.n'
            )
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {quote(table)} "
                f"BEGIN {body}; END"
            )


def installed() -> set[str]:
    """The tables that have the trigger keeping their revision."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname = %s AND c.relnamespace = 'public'::regnamespace",
                [TRIGGER],
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                [f"{TRIGGER}_%"],
            )
        return {row[0] for row in cursor.fetchall()}


def missing() -> list[str]:
    """Tracked tables without their trigger: pages reading them would be
    served stale (`migrate` installs them)."""
    return sorted(set(tracked_tables()) - installed())


@cache
def _postgresql_read_sql() -> str:
    values = ", ".join(
        f"(SELECT last_value FROM {connection.ops.quote_name(sequence_name(table))})"  # noqa: S608 - names from the models
        for table in tracked_tables()
    )
    return f"SELECT ARRAY[{values}]"


def current() -> dict[str, int | None]:
    """Every tracked table's revision now (None: never written here)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_postgresql_read_sql())
            return dict(zip(tracked_tables(), cursor.fetchone()[0], strict=True))
        cursor.execute(f'SELECT "table", n FROM {SQLITE_TABLE}')  # noqa: S608 - a constant
        found = dict(cursor.fetchall())
    return {table: found.get(table) for table in tracked_tables()}


def quiet() -> bool:
    """Whether a page rendered from here on may be kept under revisions read
    just before: no write is open that has moved a revision but not yet
    committed its rows (PostgreSQL's sequences move at once), and this
    connection has written nothing that could still be rolled back."""
    if connection.vendor != "postgresql":
        # SQLite's revisions commit or roll back with the data; one rolled
        # back takes its random revisions with it, never to come again.
        return True
    with connection.cursor() as cursor:
        # A transaction that has written holds an id from its first write,
        # before its trigger moves a revision. The live list of backends
        # shows it (a snapshot would not: it leaves out ids newer than its own).
        cursor.execute(
            "SELECT pg_current_xact_id_if_assigned() IS NULL AND NOT EXISTS ("
            " SELECT 1 FROM pg_stat_activity WHERE backend_xid IS NOT NULL"
            " AND pid <> pg_backend_pid() AND datname = current_database())"
        )
        return cursor.fetchone()[0]
