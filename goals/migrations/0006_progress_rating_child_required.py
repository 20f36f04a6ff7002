"""The rating's child is required, indexed for a child's newest ratings, and
on PostgreSQL it must be the goal's child: a foreign key on (goal, child) to
the goal's (id, child)."""

import django.db.models.deletion
from django.db import migrations, models

SAME_CHILD_AS_GOAL = """
ALTER TABLE goals_progressrating ADD CONSTRAINT rating_child_is_goal_child
    FOREIGN KEY (goal_id, child_id) REFERENCES goals_goal (id, child_id)
    ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
"""
NOT_SAME_CHILD = (
    "ALTER TABLE goals_progressrating DROP CONSTRAINT IF EXISTS rating_child_is_goal_child"
)


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0001_initial"),
        ("goals", "0005_progress_rating_child"),
    ]

    operations = [
        migrations.AlterField(
            model_name="progressrating",
            name="child",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="progress_ratings",
                to="families.child",
            ),
        ),
        migrations.AddIndex(
            model_name="progressrating",
            index=models.Index(fields=["child", "-rated_on"], name="rating_child_newest_idx"),
        ),
        migrations.AddConstraint(
            model_name="goal",
            constraint=models.UniqueConstraint(fields=("id", "child"), name="goal_id_child_unique"),
        ),
        migrations.RunPython(
            _on_postgresql(SAME_CHILD_AS_GOAL), _on_postgresql(NOT_SAME_CHILD), elidable=False
        ),
    ]
