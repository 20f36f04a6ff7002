import importlib
import importlib.util

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import demo as accounts_demo
from families import demo as families_demo

# Each app seeds its own part in `<app>/demo.py` (a `seed(practice)` function),
# in the order the apps depend on each other.
SEED_ORDER = [
    "families",
    "accounts",
    "intake",
    "goals",
    "sessions_app",
    "bookings",
    "messaging",
    "reports",
    "library",
]


def seeders():
    for app in SEED_ORDER:
        if importlib.util.find_spec(f"{app}.demo") is not None:
            yield importlib.import_module(f"{app}.demo").seed


LOGINS = [
    ("admin@demo.example", "practice admin"),
    ("therapist1@demo.example", "therapist (Ollie and Zara)"),
    ("therapist2@demo.example", "therapist (Lily and Arjun)"),
    ("parent1@demo.example", "parent, the Bennett family"),
    ("parent2@demo.example", "parent, the Okafor family"),
    ("parent3@demo.example", "parent, the Patel family"),
    ("grandparent1@demo.example", "grandparent, supporting (Ollie only)"),
    ("nanny2@demo.example", "nanny, supporting (Zara)"),
]


class Command(BaseCommand):
    help = (
        "Fill the database with a small believable practice to try the portal. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (never on a real practice's data).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a real installation. Use --force to add demo data anyway."
            )
        practice = families_demo.DemoPractice()
        with transaction.atomic():
            for seeder in seeders():
                seeder(practice)
        self.stdout.write(
            self.style.SUCCESS("Demo practice ready. Log in at /accounts/login/ with:")
        )
        for email, who in LOGINS:
            self.stdout.write(f"  {email:<28} {who}")
        self.stdout.write(f"Password for all: {families_demo.DEMO_PASSWORD}")
        self.stdout.write(
            "Two-step log-in (staff and parent3): add this secret to an authenticator app: "
            f"{accounts_demo.DEMO_TOTP_SECRET}"
        )
        for email, codes in accounts_demo.recovery_codes().items():
            self.stdout.write(f"  recovery codes for {email}: {' '.join(codes)}")
