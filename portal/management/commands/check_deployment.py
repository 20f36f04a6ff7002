"""Is this installation healthy? Exits non-zero with the reasons when not."""

import smtplib
import time

from django.conf import settings
from django.core.mail import get_connection
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.health import check_database, check_redis
from portal.tasks import BEAT_HEARTBEAT_KEY

BEAT_STALE_SECONDS = 5 * 60
QUEUE_DEPTH_WARNING = 1000


class Command(BaseCommand):
    help = (
        "Check migrations, the database role, Redis, beat, queue depth and mail; non-zero exit "
        "on a problem."
    )

    def handle(self, *args, **options):
        problems: list[str] = []
        error = check_database()
        if error:
            problems.append(f"database does not answer ({error})")
        else:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if pending:
                problems.append(f"{len(pending)} migrations not applied: run `manage.py migrate`")
            problems.extend(self._role_problems())
        problems.extend(self._celery_problems())
        problems.extend(self._mail_problems())
        if problems:
            raise CommandError("Deployment check failed:\n- " + "\n- ".join(problems))
        self.stdout.write(self.style.SUCCESS("Deployment looks healthy."))

    def _role_problems(self) -> list[str]:
        """The portal must not connect as a role that could rewrite history:
        one that owns tables (ALTER TABLE … DISABLE TRIGGER) or may TRUNCATE."""
        if connection.vendor != "postgresql" or not settings.DATABASE_APP_ROLE_REQUIRED:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT current_user,
                       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
                       count(*) FILTER (WHERE tableowner = current_user),
                       count(*) FILTER (
                           WHERE has_table_privilege(
                               quote_ident(schemaname) || '.' || quote_ident(tablename),
                               'TRUNCATE'
                           )
                       )
                FROM pg_tables WHERE schemaname = current_schema()
                """
            )
            role, superuser, owned, truncatable = cursor.fetchone()
        if superuser or owned or truncatable:
            return [
                f"the portal connects as {role}, which "
                + ("is a superuser" if superuser else f"owns {owned} tables")
                + (f" and may TRUNCATE {truncatable}" if truncatable else "")
                + ": connect as the application role (`manage.py db_roles`, README)"
            ]
        return []

    def _celery_problems(self) -> list[str]:
        if not settings.REDIS_URL:
            self.stdout.write("No REDIS_URL: background tasks run inline (embedded mode).")
            return []
        error = check_redis()
        if error:
            return [f"Redis does not answer ({error})"]
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        problems = []
        beat = client.get(BEAT_HEARTBEAT_KEY)
        if beat is None or time.time() - float(beat) > BEAT_STALE_SECONDS:
            problems.append("Celery beat has not run in the last 5 minutes")
        depth = client.llen("celery")
        self.stdout.write(f"Queue depth: {depth}")
        if depth > QUEUE_DEPTH_WARNING:
            problems.append(f"{depth} tasks waiting: are the workers running?")
        return problems

    def _mail_problems(self) -> list[str]:
        if not settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
            self.stdout.write(
                f"E-mail goes to {settings.EMAIL_BACKEND.rsplit('.', 2)[-2]} (not SMTP)."
            )
            return []
        try:
            mail = get_connection(timeout=5)
            mail.open()
            mail.close()
        except (OSError, smtplib.SMTPException) as error:
            return [
                f"mail server {settings.EMAIL_HOST}:{settings.EMAIL_PORT} unreachable ({error})"
            ]
        return []
