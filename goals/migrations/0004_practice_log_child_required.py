"""The practice log's child is required, indexed for a child's newest
practice, and on PostgreSQL it must be the strategy's child: a foreign key on
(strategy, child) to the strategy's (id, child)."""

import django.db.models.deletion
from django.db import migrations, models

SAME_CHILD_AS_STRATEGY = """
ALTER TABLE goals_practicelog ADD CONSTRAINT practice_child_is_strategy_child
    FOREIGN KEY (strategy_id, child_id) REFERENCES goals_homestrategy (id, child_id)
    ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
"""
NOT_SAME_CHILD = (
    "ALTER TABLE goals_practicelog DROP CONSTRAINT IF EXISTS practice_child_is_strategy_child"
)


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0001_initial"),
        ("goals", "0003_practice_log_child"),
    ]

    operations = [
        migrations.AlterField(
            model_name="practicelog",
            name="child",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="practice_logs",
                to="families.child",
            ),
        ),
        migrations.AddIndex(
            model_name="practicelog",
            index=models.Index(fields=["child", "-practised_on"], name="practice_child_newest_idx"),
        ),
        migrations.AddConstraint(
            model_name="homestrategy",
            constraint=models.UniqueConstraint(
                fields=("id", "child"), name="strategy_id_child_unique"
            ),
        ),
        migrations.RunPython(
            _on_postgresql(SAME_CHILD_AS_STRATEGY), _on_postgresql(NOT_SAME_CHILD), elidable=False
        ),
    ]
