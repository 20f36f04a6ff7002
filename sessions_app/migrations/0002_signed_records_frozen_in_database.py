"""Signed notes and assessments are frozen by the database itself on
PostgreSQL, whatever code runs against it (the model layer refuses too, and is
what protects SQLite in development)."""

from django.db import migrations

FROZEN_ROW = """
CREATE OR REPLACE FUNCTION sessions_app_refuse_signed_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'signed' THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'a signed % cannot be deleted', TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF NEW IS DISTINCT FROM OLD THEN
            RAISE EXCEPTION 'a signed % cannot be changed: add an addendum', TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sessions_app_refuse_signed_test_change() RETURNS trigger AS $$
DECLARE
    parent_id bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        parent_id := NEW.assessment_id;
    ELSE
        parent_id := OLD.assessment_id;
    END IF;
    IF EXISTS (
        SELECT 1 FROM sessions_app_assessment WHERE id = parent_id AND status = 'signed'
    ) OR (TG_OP = 'UPDATE' AND EXISTS (
        SELECT 1 FROM sessions_app_assessment WHERE id = NEW.assessment_id AND status = 'signed'
    )) THEN
        RAISE EXCEPTION 'the assessment is signed: its test results cannot change'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sessions_app_refuse_addendum_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'addenda are append-only'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER sessionnote_signed_frozen
    BEFORE UPDATE OR DELETE ON sessions_app_sessionnote
    FOR EACH ROW EXECUTE FUNCTION sessions_app_refuse_signed_change();
CREATE TRIGGER assessment_signed_frozen
    BEFORE UPDATE OR DELETE ON sessions_app_assessment
    FOR EACH ROW EXECUTE FUNCTION sessions_app_refuse_signed_change();
CREATE TRIGGER standardisedtest_signed_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON sessions_app_standardisedtest
    FOR EACH ROW EXECUTE FUNCTION sessions_app_refuse_signed_test_change();
CREATE TRIGGER addendum_append_only
    BEFORE UPDATE OR DELETE ON sessions_app_addendum
    FOR EACH ROW EXECUTE FUNCTION sessions_app_refuse_addendum_change();
"""

UNFROZEN = """
DROP TRIGGER IF EXISTS addendum_append_only ON sessions_app_addendum;
DROP TRIGGER IF EXISTS standardisedtest_signed_frozen ON sessions_app_standardisedtest;
DROP TRIGGER IF EXISTS assessment_signed_frozen ON sessions_app_assessment;
DROP TRIGGER IF EXISTS sessionnote_signed_frozen ON sessions_app_sessionnote;
DROP FUNCTION IF EXISTS sessions_app_refuse_addendum_change();
DROP FUNCTION IF EXISTS sessions_app_refuse_signed_test_change();
DROP FUNCTION IF EXISTS sessions_app_refuse_signed_change();
"""


def _on_postgres(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the % in the messages is plpgsql, not a placeholder.
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_app", "0001_sessions_notes_assessments"),
    ]

    operations = [
        migrations.RunPython(_on_postgres(FROZEN_ROW), _on_postgres(UNFROZEN), elidable=False),
    ]
