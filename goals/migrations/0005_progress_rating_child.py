"""Each progress rating carries its goal's child (filled in from the goal), so
that a child's newest ratings are one index range however many goals have
been closed over the years."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_in_child(apps, schema_editor):
    ProgressRating = apps.get_model("goals", "ProgressRating")
    Goal = apps.get_model("goals", "Goal")
    ProgressRating.objects.update(
        child_id=Subquery(Goal.objects.filter(pk=OuterRef("goal_id")).values("child_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0001_initial"),
        ("goals", "0004_practice_log_child_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="progressrating",
            name="child",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="progress_ratings",
                to="families.child",
            ),
        ),
        migrations.RunPython(fill_in_child, migrations.RunPython.noop, elidable=False),
    ]
