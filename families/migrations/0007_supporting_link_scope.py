"""A supporting caregiver's link to a child gets a scope, chosen by the
family's primary caregiver: summaries of sessions, therapy messages and
photos, bookings (goals and home strategies come with every link).

The link table is the one Django made for Caregiver.children; it becomes
the model SupportingLink without being rebuilt. Existing links get what the
invitation page promised ("goals and home strategies, nothing else"), and
summaries of every session where a primary caregiver had ticked "Can read the
summaries of every session" on the page that changes access, the one thing
beyond goals and strategies the portal had offered to give."""

import django.db.models.deletion
from django.db import migrations, models


def sessions_from_the_old_choice(apps, schema_editor):
    SupportingLink = apps.get_model("families", "SupportingLink")
    SupportingLink.objects.filter(caregiver__sees_all_session_summaries=True).update(
        sees_sessions=True
    )


def old_choice_from_sessions(apps, schema_editor):
    Caregiver = apps.get_model("families", "Caregiver")
    Caregiver.objects.filter(links__sees_sessions=True).update(sees_all_session_summaries=True)


class Migration(migrations.Migration):
    dependencies = [("families", "0006_caregiver_text_and_push_choices")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SupportingLink",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "caregiver",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="links",
                                to="families.caregiver",
                            ),
                        ),
                        (
                            "child",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="supporting_links",
                                to="families.child",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "families_caregiver_children",
                        "unique_together": {("caregiver", "child")},
                    },
                ),
                migrations.AlterField(
                    model_name="caregiver",
                    name="children",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="supporting_caregivers",
                        through="families.SupportingLink",
                        to="families.child",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="supportinglink",
            name="sees_sessions",
            field=models.BooleanField(default=False, verbose_name="Summaries of therapy sessions"),
        ),
        migrations.AddField(
            model_name="supportinglink",
            name="sees_messages",
            field=models.BooleanField(
                default=False,
                verbose_name="Messages with the therapist, and photos and videos from home",
            ),
        ),
        migrations.AddField(
            model_name="supportinglink",
            name="sees_bookings",
            field=models.BooleanField(default=False, verbose_name="Appointments and bookings"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="sees_sessions",
            field=models.BooleanField(default=False, verbose_name="Summaries of therapy sessions"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="sees_messages",
            field=models.BooleanField(
                default=False,
                verbose_name="Messages with the therapist, and photos and videos from home",
            ),
        ),
        migrations.AddField(
            model_name="invitation",
            name="sees_bookings",
            field=models.BooleanField(default=False, verbose_name="Appointments and bookings"),
        ),
        migrations.RunPython(sessions_from_the_old_choice, old_choice_from_sessions),
        migrations.RemoveField(model_name="caregiver", name="sees_all_session_summaries"),
    ]
