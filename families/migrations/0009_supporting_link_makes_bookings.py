# A supporting caregiver the family lets book for a child (and cancel its
# bookings); booking is given with seeing the bookings.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0008_caregiver_email_question_postponed_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="makes_bookings",
            field=models.BooleanField(
                default=False, verbose_name="Booking and cancelling appointments"
            ),
        ),
        migrations.AddField(
            model_name="supportinglink",
            name="makes_bookings",
            field=models.BooleanField(
                default=False, verbose_name="Booking and cancelling appointments"
            ),
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("makes_bookings", False), ("sees_bookings", True), _connector="OR"
                ),
                name="invitation_books_only_if_sees_bookings",
            ),
        ),
        migrations.AddConstraint(
            model_name="supportinglink",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("makes_bookings", False), ("sees_bookings", True), _connector="OR"
                ),
                name="supporting_link_books_only_if_sees_bookings",
            ),
        ),
    ]
