"""The goals that came of an assessment freeze with it, in the database too
(PostgreSQL only, like 0002)."""

from django.db import migrations

FROZEN = """
CREATE OR REPLACE FUNCTION sessions_app_refuse_signed_assessment_goal_change()
RETURNS trigger AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND EXISTS (
            SELECT 1 FROM sessions_app_assessment WHERE id = OLD.assessment_id AND status = 'signed'))
       OR (TG_OP <> 'DELETE' AND EXISTS (
            SELECT 1 FROM sessions_app_assessment WHERE id = NEW.assessment_id AND status = 'signed'))
    THEN
        RAISE EXCEPTION 'the assessment is signed: its goals cannot change'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER assessmentgoal_signed_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON sessions_app_assessmentgoal
    FOR EACH ROW EXECUTE FUNCTION sessions_app_refuse_signed_assessment_goal_change();
"""

UNFROZEN = """
DROP TRIGGER IF EXISTS assessmentgoal_signed_frozen ON sessions_app_assessmentgoal;
DROP FUNCTION IF EXISTS sessions_app_refuse_signed_assessment_goal_change();
"""


def _on_postgres(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_app", "0005_assessment_goals"),
    ]

    operations = [
        migrations.RunPython(_on_postgres(FROZEN), _on_postgres(UNFROZEN), elidable=False),
    ]
