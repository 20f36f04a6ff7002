"""The goals addressed and the strategy changes of a note freeze with it, in
the database too (PostgreSQL only, like 0002)."""

from django.db import migrations

FROZEN = """
CREATE OR REPLACE FUNCTION sessions_app_refuse_signed_note_part_change() RETURNS trigger AS $$
BEGIN
    IF (TG_OP <> 'INSERT' AND EXISTS (
            SELECT 1 FROM sessions_app_sessionnote WHERE id = OLD.note_id AND status = 'signed'))
       OR (TG_OP <> 'DELETE' AND EXISTS (
            SELECT 1 FROM sessions_app_sessionnote WHERE id = NEW.note_id AND status = 'signed'))
    THEN
        RAISE EXCEPTION 'the note is signed: what it records cannot change'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER goaladdressed_signed_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON sessions_app_goaladdressed
    FOR EACH ROW EXECUTE FUNCTION sessions_app_refuse_signed_note_part_change();
CREATE TRIGGER strategychange_signed_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON sessions_app_strategychange
    FOR EACH ROW EXECUTE FUNCTION sessions_app_refuse_signed_note_part_change();
"""

UNFROZEN = """
DROP TRIGGER IF EXISTS strategychange_signed_frozen ON sessions_app_strategychange;
DROP TRIGGER IF EXISTS goaladdressed_signed_frozen ON sessions_app_goaladdressed;
DROP FUNCTION IF EXISTS sessions_app_refuse_signed_note_part_change();
"""


def _on_postgres(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_app", "0003_goals_addressed_and_strategy_changes"),
    ]

    operations = [
        migrations.RunPython(_on_postgres(FROZEN), _on_postgres(UNFROZEN), elidable=False),
    ]
