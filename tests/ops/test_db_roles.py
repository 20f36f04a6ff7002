"""Issue 19, finding 6: nobody can rewrite history, not even the portal's own
database role. The application role (manage.py db_roles) may read and write
rows, but cannot TRUNCATE, DISABLE TRIGGER, or touch an audit event; on
SQLite, the ORM refuses to delete a signed note in every way."""

import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.audit import audit_record
from accounts.models import AuditEvent
from sessions_app.models import Addendum, SessionNote, SignedRecordError
from tests import factories
from tests.sessions_app.factories import signed_note


def _connect_as(role: str, password: str) -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        dbname=db["NAME"],
        user=role,
        password=password,
        autocommit=True,
    )


@pytest.fixture
def app_role(monkeypatch):
    """The application role, made by the command as the owner would make it."""
    role = f"portal_app_test_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    monkeypatch.setenv("DB_APP_PASSWORD", password)
    call_command("db_roles", app_role=role)
    yield role, password
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


def _refused(conn: psycopg.Connection, statement: str, params=()) -> str:
    with pytest.raises(psycopg.Error) as error:
        conn.execute(statement, params)
    return str(error.value)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_application_role_cannot_rewrite_history(app_role):
    role, password = app_role
    user = factories.UserFactory()
    note = signed_note()
    event = audit_record(request=None, user=user, action=AuditEvent.Action.VIEW, record_id=1)

    with _connect_as(role, password) as conn:
        # What the portal does all day still works...
        assert conn.execute("SELECT count(*) FROM accounts_auditevent").fetchone()[0] >= 1
        conn.execute(
            "INSERT INTO accounts_auditevent (at, action, record_type, record_id, path, detail)"
            " VALUES (now(), 'view', 'note', '1', '', '')"
        )
        conn.execute("UPDATE accounts_user SET phone = '01632 960 000' WHERE id = %s", [user.pk])
        # ...and none of this does.
        for table in ("accounts_auditevent", "sessions_app_sessionnote", "goals_goal"):
            assert "permission denied" in _refused(conn, f"TRUNCATE {table}")
        for table in ("accounts_auditevent", "sessions_app_sessionnote"):
            assert "must be owner" in _refused(conn, f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        assert "permission denied" in _refused(
            conn, "UPDATE accounts_auditevent SET user_id = NULL WHERE id = %s", [event.pk]
        )
        assert "permission denied" in _refused(
            conn, "DELETE FROM accounts_auditevent WHERE id = %s", [event.pk]
        )
        assert "signed" in _refused(
            conn, "DELETE FROM sessions_app_sessionnote WHERE id = %s", [note.pk]
        )
        assert "permission denied" in _refused(conn, "CREATE TABLE sneaky (id int)")
    event.refresh_from_db()
    assert event.user_id == user.pk
    assert SessionNote.objects.filter(pk=note.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_deployment_check_refuses_an_owner_and_accepts_the_application_role(app_role, settings):
    role, password = app_role
    settings.REDIS_URL = ""
    settings.DATABASE_APP_ROLE_REQUIRED = True
    with pytest.raises(CommandError, match=r"connects as postgres, which .* db_roles"):
        call_command("check_deployment")

    # The same check, connected as the application role.
    connection.close()
    original = dict(connection.settings_dict)
    connection.settings_dict.update(USER=role, PASSWORD=password)
    try:
        call_command("check_deployment")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_command_will_not_make_the_owner_its_own_application_role():
    with pytest.raises(CommandError, match="not as postgres"):
        call_command("db_roles", app_role=connection.settings_dict["USER"] or "postgres")


@pytest.mark.django_db
def test_a_signed_note_cannot_be_deleted_through_the_orm_in_any_way():
    """On SQLite the ORM is the only guard; on PostgreSQL it refuses first too."""
    note = signed_note()
    with pytest.raises(SignedRecordError):
        note.delete()
    with pytest.raises(SignedRecordError):
        SessionNote.objects.filter(pk=note.pk).delete()
    with pytest.raises(SignedRecordError):
        SessionNote.objects.all().delete()
    assert SessionNote.objects.filter(pk=note.pk).exists()


@pytest.mark.django_db
def test_addenda_cannot_be_deleted_in_bulk_either():
    note = signed_note()
    Addendum.objects.create(note=note, author=note.session.therapist, reason="x", text="y")
    with pytest.raises(SignedRecordError):
        Addendum.objects.filter(note=note).delete()
    assert Addendum.objects.filter(note=note).count() == 1
