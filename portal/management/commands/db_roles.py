"""Set up the application's own PostgreSQL role, with no more rights than it
needs (issue 19: "nobody can rewrite history").

Production runs with two roles. The owner (the role in DATABASE_URL when this
command runs) owns every table and runs the migrations. The application role,
which gunicorn, the Celery worker and beat connect as, may only
SELECT/INSERT/UPDATE/DELETE rows, and on the audit trail only SELECT and
INSERT: it cannot TRUNCATE a table, ALTER it (so cannot DISABLE TRIGGER the
guards on signed notes and the audit trail), create anything, or rewrite or
delete an audit event, not even to blank the user it names.

Run it as the owner after every `migrate` (bin/up does): it grants on the
tables that exist, and is harmless to run again.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

from accounts.models import AuditEvent

# Tables the application only reads and appends to.
APPEND_ONLY_TABLES = (AuditEvent._meta.db_table,)
# Tables the application only reads (migrate, as the owner, writes them).
READ_ONLY_TABLES = ("django_migrations",)
PASSWORD_VARIABLE = "DB_APP_PASSWORD"  # noqa: S105 (the name of a variable, not a password)


class Command(BaseCommand):
    help = (
        "Create or update the application's PostgreSQL role: rows only (no TRUNCATE, no "
        "ownership), and the audit trail insert-only. Run as the tables' owner after migrate; "
        f"the role's password comes from ${PASSWORD_VARIABLE} when set."
    )

    def add_arguments(self, parser):
        parser.add_argument("--app-role", required=True, help="name of the application role")

    def handle(self, *args, app_role: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Database roles exist on PostgreSQL only (DATABASE_URL).")
        role = sql.Identifier(app_role)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database(), current_schema()")
            owner, database, schema = cursor.fetchone()
            if app_role == owner:
                raise CommandError(
                    f"Run this as the tables' owner, not as {app_role}: the application role "
                    "must be a different one."
                )
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [app_role])
            existing = cursor.fetchone()
            if existing and existing[0]:
                raise CommandError(f"{app_role} is a superuser: choose another name.")
        password = os.environ.get(PASSWORD_VARIABLE) or None
        attributes = sql.SQL(
            "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT"
        )
        if password is not None:
            attributes = sql.SQL("{} PASSWORD {}").format(attributes, sql.Literal(password))
        schema_id, database_id = sql.Identifier(schema), sql.Identifier(database)
        statements = [
            sql.SQL("{} ROLE {} WITH {}").format(
                sql.SQL("ALTER" if existing else "CREATE"), role, attributes
            ),
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(database_id, role),
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_id, role),
            sql.SQL("REVOKE CREATE ON SCHEMA {} FROM {}").format(schema_id, role),
            # Start from nothing, so a right given by hand earlier does not linger.
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema_id, role),
            sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(schema_id, role),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
                schema_id, role
            ),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                schema_id, role
            ),
        ]
        for table in APPEND_ONLY_TABLES:
            statements.append(
                sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(
                    sql.Identifier(schema, table), role
                )
            )
        for table in READ_ONLY_TABLES:
            statements.append(
                sql.SQL("REVOKE INSERT, UPDATE, DELETE ON {} FROM {}").format(
                    sql.Identifier(schema, table), role
                )
            )
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement.as_string(cursor.connection))
        self.stdout.write(
            f"{app_role} may read and write rows in {database} (the audit trail: read and "
            f"append only); {owner} keeps the tables and runs the migrations."
        )
