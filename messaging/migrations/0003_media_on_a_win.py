"""A photo shared with a win (goals.Win)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0007_practice_log_client_id"),
        ("messaging", "0002_strategy_media"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="mediafile",
            name="media_attached_to_something",
        ),
        migrations.AddField(
            model_name="mediafile",
            name="win",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="photos",
                to="goals.win",
            ),
        ),
        migrations.AddConstraint(
            model_name="mediafile",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("message__isnull", False),
                    ("practice_log__isnull", False),
                    ("strategy__isnull", False),
                    ("template__isnull", False),
                    ("win__isnull", False),
                    _connector="OR",
                ),
                name="media_attached_to_something",
            ),
        ),
    ]
