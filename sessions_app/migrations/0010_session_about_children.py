"""A parents-only consultation records the children it is about, so that only
their therapists read it. An existing consultation is taken to be about the
children of the family on the caseload of the therapist who held it; one with
none stays readable by the family and the office only."""

from django.db import migrations, models


def about_from_history(apps, schema_editor):
    TherapySession = apps.get_model("sessions_app", "TherapySession")
    CaseloadAssignment = apps.get_model("families", "CaseloadAssignment")
    for session in TherapySession.objects.filter(child__isnull=True).iterator():
        session.about_children.set(
            CaseloadAssignment.objects.filter(
                therapist_id=session.therapist_id, child__family_id=session.family_id
            )
            .values_list("child_id", flat=True)
            .distinct()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0001_initial"),
        ("sessions_app", "0009_records_go_after_retention"),
    ]

    operations = [
        migrations.AddField(
            model_name="therapysession",
            name="about_children",
            field=models.ManyToManyField(
                blank=True,
                related_name="consultations",
                to="families.child",
                verbose_name="the children it was about",
            ),
        ),
        migrations.RunPython(about_from_history, migrations.RunPython.noop),
    ]
