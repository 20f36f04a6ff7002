from django.core.management.base import BaseCommand

from families.retention import children_past_retention, retention_until


class Command(BaseCommand):
    help = (
        "List children whose records are past their retention date (25th birthday, or 26th "
        "if 17 when care ended), for an admin to destroy from Records past retention. "
        "Changes nothing, so it is safe to run on a schedule."
    )

    def handle(self, *args, **options):
        due = children_past_retention()
        if not due:
            self.stdout.write("No child's record is past its retention date.")
            return
        self.stdout.write(f"{len(due)} records past their retention date:")
        for child in due:
            self.stdout.write(
                f"  child {child.pk}: {child.full_name} (born {child.date_of_birth:%Y-%m-%d}, "
                f"keep until {retention_until(child):%Y-%m-%d})"
            )
