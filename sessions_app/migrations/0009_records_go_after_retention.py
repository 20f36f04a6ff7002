"""Signed notes, assessments, their parts and addenda stay frozen, with one
exception: on and after the child's retention date (families 0004) they may be
deleted, which is how families.services.child_purge destroys a record the law
no longer lets the practice keep. Before that day the triggers refuse, as
before, whoever asks (PostgreSQL only, like 0002)."""

from django.db import migrations

DESTROYABLE = """
CREATE OR REPLACE FUNCTION sessions_app_session_past_retention(session bigint)
RETURNS boolean AS $$
    SELECT COALESCE((
        SELECT families_child_past_retention(child_id)
        FROM sessions_app_therapysession WHERE id = session AND child_id IS NOT NULL
    ), false)
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION sessions_app_refuse_signed_change() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'signed' THEN
        IF TG_OP = 'DELETE' THEN
            IF TG_TABLE_NAME = 'sessions_app_assessment' THEN
                IF families_child_past_retention(OLD.child_id) THEN
                    RETURN OLD;
                END IF;
            ELSIF sessions_app_session_past_retention(OLD.session_id) THEN
                RETURN OLD;
            END IF;
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
    IF TG_OP = 'DELETE' AND EXISTS (
        SELECT 1 FROM sessions_app_assessment
        WHERE id = OLD.assessment_id AND families_child_past_retention(child_id)
    ) THEN
        RETURN OLD;
    END IF;
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
    IF TG_OP = 'DELETE' AND (
        EXISTS (
            SELECT 1 FROM sessions_app_sessionnote
            WHERE id = OLD.note_id AND sessions_app_session_past_retention(session_id)
        ) OR EXISTS (
            SELECT 1 FROM sessions_app_assessment
            WHERE id = OLD.assessment_id AND families_child_past_retention(child_id)
        )
    ) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'addenda are append-only'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION sessions_app_refuse_signed_note_part_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- The note's own child, or the child whose goal or strategy it names
        -- (a parents-only consultation can address a child's goals).
        IF EXISTS (
            SELECT 1 FROM sessions_app_sessionnote
            WHERE id = OLD.note_id AND sessions_app_session_past_retention(session_id)
        ) THEN
            RETURN OLD;
        END IF;
        IF TG_TABLE_NAME = 'sessions_app_goaladdressed' THEN
            IF EXISTS (
                SELECT 1 FROM goals_goal
                WHERE id = OLD.goal_id AND families_child_past_retention(child_id)
            ) THEN
                RETURN OLD;
            END IF;
        ELSIF EXISTS (
            SELECT 1 FROM goals_homestrategy
            WHERE id = OLD.strategy_id AND families_child_past_retention(child_id)
        ) OR EXISTS (
            SELECT 1 FROM goals_goal
            WHERE id = OLD.goal_id AND families_child_past_retention(child_id)
        ) THEN
            RETURN OLD;
        END IF;
    END IF;
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

CREATE OR REPLACE FUNCTION sessions_app_refuse_signed_assessment_goal_change()
RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND (
        EXISTS (
            SELECT 1 FROM sessions_app_assessment
            WHERE id = OLD.assessment_id AND families_child_past_retention(child_id)
        ) OR EXISTS (
            SELECT 1 FROM goals_goal
            WHERE id = OLD.goal_id AND families_child_past_retention(child_id)
        )
    ) THEN
        RETURN OLD;
    END IF;
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
"""

# Back to the functions of 0002, 0004 and 0006: nothing signed ever goes.
FROZEN_FOR_EVER = """
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

DROP FUNCTION IF EXISTS sessions_app_session_past_retention(bigint);
"""


def _on_postgres(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # No parameters: the % in the messages is plpgsql, not a placeholder.
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_app", "0008_session_note_signed"),
        ("families", "0004_child_retention_in_database"),
        ("goals", "0006_progress_rating_child_required"),
    ]

    operations = [
        migrations.RunPython(
            _on_postgres(DESTROYABLE), _on_postgres(FROZEN_FOR_EVER), elidable=False
        ),
    ]
