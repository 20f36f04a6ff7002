"""A session knows whether its note is signed, set by the database itself when
the note is signed (whatever code signs it), so that the notes still to sign
are read from small partial indexes however long a child's history."""

from django.db import migrations, models

MARK_SIGNED_POSTGRESQL = """
CREATE OR REPLACE FUNCTION sessions_app_mark_session_signed() RETURNS trigger AS $$
BEGIN
    UPDATE sessions_app_therapysession SET note_signed = true
        WHERE id = NEW.session_id AND NOT note_signed;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER sessionnote_marks_session_signed
    AFTER INSERT OR UPDATE OF status ON sessions_app_sessionnote
    FOR EACH ROW WHEN (NEW.status = 'signed')
    EXECUTE FUNCTION sessions_app_mark_session_signed();
"""
UNMARK_POSTGRESQL = """
DROP TRIGGER IF EXISTS sessionnote_marks_session_signed ON sessions_app_sessionnote;
DROP FUNCTION IF EXISTS sessions_app_mark_session_signed();
"""
# SQLite: one trigger per event. (A later migration that rebuilds the note's
# table on SQLite must create these again: tests/sessions_app sign a note and
# read the flag on both databases.)
SQLITE_BODY = """
    WHEN NEW.status = 'signed'
    BEGIN
        UPDATE sessions_app_therapysession SET note_signed = 1
            WHERE id = NEW.session_id AND NOT note_signed;
    END
"""
MARK_SIGNED_SQLITE = [
    "CREATE TRIGGER sessionnote_marks_session_signed_insert"
    " AFTER INSERT ON sessions_app_sessionnote" + SQLITE_BODY,
    "CREATE TRIGGER sessionnote_marks_session_signed_update"
    " AFTER UPDATE OF status ON sessions_app_sessionnote" + SQLITE_BODY,
]
UNMARK_SQLITE = [
    f"DROP TRIGGER IF EXISTS sessionnote_marks_session_signed_{event}"
    for event in ("insert", "update")
]


def _statements(vendor: str, *, forwards: bool) -> list[str]:
    if vendor == "postgresql":
        return [MARK_SIGNED_POSTGRESQL if forwards else UNMARK_POSTGRESQL]
    if vendor == "sqlite":
        return MARK_SIGNED_SQLITE if forwards else UNMARK_SQLITE
    raise NotImplementedError(f"no trigger for {vendor}")


def add_trigger(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, forwards=True):
        schema_editor.execute(statement)


def drop_trigger(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor, forwards=False):
        schema_editor.execute(statement)


def mark_signed_sessions(apps, schema_editor):
    TherapySession = apps.get_model("sessions_app", "TherapySession")
    TherapySession.objects.filter(note__status="signed").update(note_signed=True)


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_app", "0007_session_per_booking_child"),
    ]

    operations = [
        migrations.AddField(
            model_name="therapysession",
            name="note_signed",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(add_trigger, drop_trigger, elidable=False),
        migrations.RunPython(mark_signed_sessions, migrations.RunPython.noop, elidable=False),
        migrations.AddIndex(
            model_name="therapysession",
            index=models.Index(
                condition=models.Q(("note_signed", False)),
                fields=["child", "starts_at"],
                name="session_child_unsigned_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="therapysession",
            index=models.Index(
                condition=models.Q(("note_signed", False)),
                fields=["therapist", "starts_at"],
                name="session_therapist_unsigned_idx",
            ),
        ),
    ]
