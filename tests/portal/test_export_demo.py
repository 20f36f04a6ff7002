"""The demo family's download, opened as the family would open it: one
record of every kind the portal holds about them, and every file."""

import io
import json
import zipfile

import pytest
import time_machine
from django.core.management import call_command

from accounts.models import User
from bookings.models import Booking, WaitlistEntry
from families.models import Caregiver, CaseloadAssignment, Child, Consent, Family, Invitation
from goals.models import FamilyRating, Goal, HomeStrategy, PracticeLog, ProgressRating, Win
from intake.models import IntakeQuestionnaire
from library.models import ArticleShare, StrategyArticle
from messaging.models import MediaFile, Message
from notifications.models import OutboxMessage
from portal import export
from reports.models import ReportShare, SharedDocument
from sessions_app.models import (
    Addendum,
    Assessment,
    GoalAddressed,
    SessionNote,
    StandardisedTest,
    StrategyChange,
    TherapySession,
)

# Each record type of the practice's copy, and how many records of it the
# family has. The access log, the family row and the e-mail choices are
# derived rather than counted, and are checked apart.
DERIVED = {"family", "email_choices", "access_log"}


def _held(family: Family) -> dict[str, int]:
    emails = list(Caregiver.objects.filter(family=family).values_list("user__email", flat=True))
    return {
        "caregivers": Caregiver.objects.filter(family=family).count(),
        "children": Child.objects.filter(family=family).count(),
        "therapists": CaseloadAssignment.objects.filter(child__family=family).count(),
        "consents": Consent.objects.filter(family=family).count(),
        "invitations": Invitation.objects.filter(family=family).count(),
        "intake": IntakeQuestionnaire.objects.filter(child__family=family).count(),
        "goals": Goal.objects.filter(child__family=family).count(),
        "progress_ratings": ProgressRating.objects.filter(child__family=family).count(),
        "family_ratings": FamilyRating.objects.filter(goal__child__family=family).count(),
        "strategies": HomeStrategy.objects.filter(child__family=family).count(),
        "practice_logs": PracticeLog.objects.filter(child__family=family).count(),
        "wins": Win.objects.filter(child__family=family).count(),
        "sessions": TherapySession.objects.filter(family=family).count(),
        "session_notes": SessionNote.objects.filter(session__family=family).count(),
        "goals_addressed": GoalAddressed.objects.filter(note__session__family=family).count(),
        "strategy_changes": StrategyChange.objects.filter(note__session__family=family).count(),
        "assessments": Assessment.objects.filter(child__family=family).count(),
        "standardised_tests": StandardisedTest.objects.filter(
            assessment__child__family=family
        ).count(),
        "addenda": Addendum.objects.filter(note__session__family=family).count()
        + Addendum.objects.filter(assessment__child__family=family).count(),
        "bookings": Booking.objects.filter(family=family).count(),
        "waitlist": WaitlistEntry.objects.filter(family=family).count(),
        "messages": Message.objects.filter(conversation__child__family=family).count(),
        "photos_and_videos": MediaFile.objects.filter(child__family=family).count(),
        "reports": SharedDocument.objects.filter(child__family=family).count(),
        "reports_sent": ReportShare.objects.filter(child__family=family).count(),
        "articles": ArticleShare.objects.filter(family=family).count()
        + StrategyArticle.objects.filter(strategy__child__family=family).count(),
        "emails_sent": OutboxMessage.objects.filter(recipient_email__in=emails).count(),
    }


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    with time_machine.travel("2026-12-06 10:30:00+00:00", tick=False):
        call_command("seed_demo")
        yield User.objects.get(email="parent1@demo.example").memberships.get().family


def _open(scope) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(export.export_zip(scope)))


def test_demo_family_copy_holds_every_kind_of_record_and_every_file(demo):
    admin = User.objects.get(email="admin@demo.example")
    archive = _open(export.export_scope(family=demo, requester=admin))
    held = _held(demo)
    keys = {
        entry["record_type"] for entry in json.loads(archive.read("manifest.json"))["record_types"]
    }
    # Every record type is counted here, so a new one cannot go unchecked.
    assert keys - DERIVED == set(held)
    for key, count in held.items():
        records = json.loads(archive.read(f"json/{key}.json"))["records"]
        assert len(records) == count, key
    # The demo family has something of the kinds families meet most.
    has = {key for key, count in held.items() if count}
    assert {
        "goals",
        "progress_ratings",
        "strategies",
        "practice_logs",
        "wins",
        "sessions",
        "bookings",
        "messages",
        "photos_and_videos",
        "reports",
    } <= has, sorted(set(held) - has)
    # Every photo, video and report, byte for byte.
    stored = [m.file for m in MediaFile.objects.filter(child__family=demo)] + [
        d.file for d in SharedDocument.objects.filter(child__family=demo)
    ]
    in_zip = [name for name in archive.namelist() if name.startswith("files/")]
    assert len(in_zip) == len(stored) > 0
    contents = sorted(archive.read(name) for name in in_zip)
    expected = []
    for field in stored:
        with field.open("rb") as source:
            expected.append(source.read())
    assert contents == sorted(expected)


def test_demo_parent_copy_holds_what_the_parent_sees(demo):
    parent = User.objects.get(email="parent1@demo.example")
    archive = _open(export.export_scope(family=demo, requester=parent))
    held = _held(demo)
    for key in ("goals", "strategies", "practice_logs", "wins", "bookings", "messages", "reports"):
        records = json.loads(archive.read(f"json/{key}.json"))["records"]
        assert len(records) == held[key], key
    files = [name for name in archive.namelist() if name.startswith("files/")]
    assert any(name.startswith("files/reports/") for name in files)
    assert any(name.startswith("files/photos/") for name in files)
    for key in ("session_notes", "assessments", "addenda", "standardised_tests"):
        assert f"json/{key}.json" not in archive.namelist(), key
