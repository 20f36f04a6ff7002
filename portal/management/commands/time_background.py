"""Time the background work at scale, on the current database.

    python manage.py time_background --reminders 10000 --families 2000

Seeds, with bulk inserts, that many due reminders (families booked into group
sessions starting within the hour, each with a primary caregiver who takes
reminders) and that many families with a week of news for their progress
summary; then times the reminder sweep and the summary sweep, sending to
Django's in-memory mail backend with tasks run inline. Everything runs in one
transaction that is rolled back at the end, so nothing is kept.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from bookings.emails import REMINDER, reminders_sweep
from bookings.models import Booking, GroupSession, Service
from families.models import (
    AccessLevel,
    Caregiver,
    Child,
    Consent,
    ConsentKind,
    Family,
    Relationship,
    SummaryFrequency,
)
from goals.models import Area, Goal, HomeStrategy, PracticeLog, ProgressRating, Routine, Win
from notifications.models import OutboxMessage
from portal.celery import app
from portal.summaries import SUMMARY, last_completed_period, summaries_sweep
from sessions_app.models import RecordStatus, SessionNote, SessionType, TherapySession

GROUP_SIZE = 100
UNUSABLE_PASSWORD = make_password(None)
BATCH = 2000


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the reminder sweep and the progress summaries at scale (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--reminders", type=int, default=10000)
        parser.add_argument("--families", type=int, default=2000)
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (it rolls back anyway)"
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Refusing to run with DEBUG off; add --force if you mean it.")
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        mail.outbox = []
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = True
        self.stdout.write(f"Database: {connection.vendor}")
        try:
            with transaction.atomic():
                self._run(options["reminders"], options["families"])
                raise Rollback
        except Rollback:
            self.stdout.write("Rolled back: nothing was kept.")
        finally:
            app.conf.task_always_eager = eager

    def _timed(self, label: str, count_kind: str, work) -> None:
        mail.outbox = []
        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            work()
            seconds = time.perf_counter() - started
        sent = OutboxMessage.objects.filter(kind=count_kind, status="sent").count()
        self.stdout.write(
            f"{label}: {len(mail.outbox)} e-mails ({sent} outbox rows sent) in {seconds:.1f} s, "
            f"{len(mail.outbox) / seconds if seconds else 0:.0f} e-mails/s, "
            f"{queries} queries"
        )

    def _run(self, reminders: int, families: int) -> None:
        started = time.perf_counter()
        therapist = User.objects.create(
            email="timing.therapist@example.invalid",
            full_name="Timing Therapist",
            role=Role.THERAPIST,
        )
        service = Service.objects.create(
            name="Timing group",
            kind=Service.Kind.GROUP,
            capacity=GROUP_SIZE,
            location=Service.Location.VIDEO,
            video_link="https://meet.example.invalid/group",
            what_to_bring="A snack",
            reminder_offsets_hours=[48, 2],
        )
        now = timezone.now()
        long_ago = now - timedelta(days=5)
        reminder_families = self._families(reminders, "r", frequency=SummaryFrequency.OFF)
        groups = GroupSession.objects.bulk_create(
            GroupSession(
                service=service,
                therapist=therapist,
                starts_at=now + timedelta(minutes=30 + index % 60),
                ends_at=now + timedelta(minutes=120 + index % 60),
                capacity=GROUP_SIZE,
                topic=f"Timing group {index}",
            )
            for index in range((reminders + GROUP_SIZE - 1) // GROUP_SIZE)
        )
        Booking.objects.bulk_create(
            (
                Booking(
                    family_id=family_id,
                    group_session=groups[index // GROUP_SIZE],
                    status=Booking.Status.CONFIRMED,
                    created_at=long_ago,
                )
                for index, (family_id, _) in enumerate(reminder_families)
            ),
            batch_size=BATCH,
        )
        summary_families = self._families(families, "s", frequency=SummaryFrequency.WEEKLY)
        self._news(summary_families, therapist)
        self.stdout.write(
            f"Seeded {reminders} due reminders and {families} families with news "
            f"in {time.perf_counter() - started:.1f} s"
        )
        self._timed("Reminder sweep", REMINDER, reminders_sweep)
        self._timed("Progress summaries", SUMMARY, summaries_sweep)

    def _families(self, count: int, tag: str, *, frequency: str) -> list[tuple[int, int]]:
        """(family id, child id) for `count` new families, each with a primary caregiver."""
        stamp = int(time.time())
        users = User.objects.bulk_create(
            (
                User(
                    email=f"timing-{tag}{stamp}-{index}@example.invalid",
                    full_name=f"Parent {index}",
                    password=UNUSABLE_PASSWORD,  # nobody logs in as these
                )
                for index in range(count)
            ),
            batch_size=BATCH,
        )
        families = Family.objects.bulk_create(
            (Family(name=f"Timing family {tag}{index}") for index in range(count)),
            batch_size=BATCH,
        )
        # Each agreed to e-mails about therapy: the timing includes reading it.
        Consent.objects.bulk_create(
            (Consent(family=family, kind=ConsentKind.EMAIL_CONTACT) for family in families),
            batch_size=BATCH,
        )
        Caregiver.objects.bulk_create(
            (
                Caregiver(
                    user=user,
                    family=family,
                    relationship=Relationship.PARENT,
                    access_level=AccessLevel.PRIMARY,
                    summary_frequency=frequency,
                )
                for user, family in zip(users, families, strict=True)
            ),
            batch_size=BATCH,
        )
        children = Child.objects.bulk_create(
            (
                Child(
                    family=family,
                    first_name=f"Child{index}",
                    last_name="Timing",
                    date_of_birth=timezone.localdate() - timedelta(days=6 * 365),
                )
                for index, family in enumerate(families)
            ),
            batch_size=BATCH,
        )
        return [(family.pk, child.pk) for family, child in zip(families, children, strict=True)]

    def _news(self, families: list[tuple[int, int]], therapist: User) -> None:
        """A week of news per family, inside last week's summary period."""
        period = last_completed_period(SummaryFrequency.WEEKLY, timezone.localdate())
        when = period.start + timedelta(days=2, hours=10)
        goals = Goal.objects.bulk_create(
            (
                Goal(
                    child_id=child_id,
                    title="Puts on shoes alone",
                    area=Area.SELF_CARE,
                    level_minus_2="Needs help",
                    level_minus_1="Some prompts",
                    level_0="Alone",
                    level_plus_1="Alone and fastens",
                    level_plus_2="Alone every day",
                    created_at=when,
                )
                for _, child_id in families
            ),
            batch_size=BATCH,
        )
        ProgressRating.objects.bulk_create(
            (
                ProgressRating(
                    goal=goal, child_id=goal.child_id, level=-1, source="therapist", created_at=when
                )
                for goal in goals
            ),
            batch_size=BATCH,
        )
        strategies = HomeStrategy.objects.bulk_create(
            (
                HomeStrategy(
                    child_id=child_id,
                    title="Shoes on the bottom stair",
                    routine=Routine.DRESSING,
                    what_to_do="Sit down first.",
                    created_at=when,
                )
                for _, child_id in families
            ),
            batch_size=BATCH,
        )
        PracticeLog.objects.bulk_create(
            (
                PracticeLog(
                    strategy=strategy,
                    child_id=strategy.child_id,
                    outcome="well",
                    created_at=when + timedelta(hours=n),
                )
                for strategy in strategies
                for n in range(3)
            ),
            batch_size=BATCH,
        )
        Win.objects.bulk_create(
            (Win(child_id=child_id, text="Shoes on!", created_at=when) for _, child_id in families),
            batch_size=BATCH,
        )
        sessions = TherapySession.objects.bulk_create(
            (
                TherapySession(
                    family_id=family_id,
                    child_id=child_id,
                    therapist=therapist,
                    session_type=SessionType.THERAPY,
                    starts_at=when,
                )
                for family_id, child_id in families
            ),
            batch_size=BATCH,
        )
        SessionNote.objects.bulk_create(
            (
                SessionNote(
                    session=session,
                    family_summary="We practised shoes with a stair to sit on.",
                    status=RecordStatus.SIGNED,
                    signed_by=therapist,
                    signed_at=when + timedelta(hours=1),
                )
                for session in sessions
            ),
            batch_size=BATCH,
        )
