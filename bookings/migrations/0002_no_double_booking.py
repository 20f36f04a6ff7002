"""No therapist and no room in two appointments at once, enforced by
PostgreSQL itself (an exclusion constraint over time ranges). Other databases
(SQLite in development) rely on the check made under a lock in
bookings.services; the constraints are added only where they can exist."""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINTS = {
    "appointment_no_therapist_overlap": (
        "therapist_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&",
        "status <> 'cancelled'",
    ),
    "appointment_no_room_overlap": (
        "room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&",
        "status <> 'cancelled' AND room_id IS NOT NULL",
    ),
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (expression, condition) in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE bookings_appointment ADD CONSTRAINT {name} "
            f"EXCLUDE USING gist ({expression}) WHERE ({condition})"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE bookings_appointment DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_diary")]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraints, drop_constraints),
    ]
