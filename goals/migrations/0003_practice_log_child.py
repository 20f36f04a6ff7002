"""Each practice log carries its strategy's child (filled in from the
strategy), so that a child's practice is one index range however many
strategies have been retired over the years."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_in_child(apps, schema_editor):
    PracticeLog = apps.get_model("goals", "PracticeLog")
    HomeStrategy = apps.get_model("goals", "HomeStrategy")
    PracticeLog.objects.update(
        child_id=Subquery(
            HomeStrategy.objects.filter(pk=OuterRef("strategy_id")).values("child_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0001_initial"),
        ("goals", "0002_win_child_newest_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="practicelog",
            name="child",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="practice_logs",
                to="families.child",
            ),
        ),
        migrations.RunPython(fill_in_child, migrations.RunPython.noop, elidable=False),
    ]
