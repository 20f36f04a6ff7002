"""Issue 19, finding 10: a record past its retention date can be destroyed
even when other records point at the child. The purge removes everything the
retention rule covers, in every app, and audits it; before the date nothing
goes, by the purge or around it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import connection

from accounts.models import AuditEvent
from bookings.models import Booking
from families import services
from families.models import CaseloadAssignment, Child
from goals.models import FamilyRating, Goal, HomeStrategy, PracticeLog, ProgressRating, Win
from messaging.models import Conversation, MediaFile, Message
from sessions_app.models import (
    Addendum,
    Assessment,
    AssessmentGoal,
    GoalAddressed,
    SessionNote,
    SessionType,
    StandardisedTest,
    StrategyChange,
    TherapySession,
)
from sessions_app.retention import child_records_destroy
from tests import factories
from tests.bookings.factories import BookingFactory
from tests.messaging.factories import MediaFileFactory, MessageFactory
from tests.sessions_app.factories import AssessmentFactory, NoteFactory, SessionFactory, sign

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=ZoneInfo("Europe/London"))


def _a_full_record(child, family, therapist, parent):
    """Everything the portal keeps about a child, signed where it can be."""
    goal = factories.GoalFactory(child=child)
    rating = factories.ProgressRatingFactory(goal=goal)
    factories.FamilyRatingFactory(goal=goal)
    strategy = factories.HomeStrategyFactory(child=child, goals=[goal])
    log = factories.PracticeLogFactory(strategy=strategy)
    factories.WinFactory(child=child, goal=goal)
    factories.CaseloadFactory(therapist=therapist, child=child)

    note = NoteFactory(session=SessionFactory(child=child, family=family, therapist=therapist))
    GoalAddressed.objects.create(note=note, goal=goal, level=0, progress_rating=rating)
    StrategyChange.objects.create(note=note, action="changed", strategy=strategy, detail="x")
    sign(note)
    Addendum.objects.create(note=note, author=therapist, reason="Correction", text="Left shoe.")

    # A parents-only consultation that talked about this child's goal.
    consultation = NoteFactory(
        session=SessionFactory(
            child=None,
            family=family,
            therapist=therapist,
            session_type=SessionType.PARENT_COACHING,
            child_attended=False,
        )
    )
    GoalAddressed.objects.create(note=consultation, goal=goal, level=-1)
    sign(consultation)

    assessment = AssessmentFactory(child=child, therapist=therapist)
    StandardisedTest.objects.create(
        assessment=assessment, name="Movement ABC-3", administered_on=date(2001, 1, 5), scores="7"
    )
    AssessmentGoal.objects.create(assessment=assessment, goal=goal)
    sign(assessment)
    Addendum.objects.create(assessment=assessment, author=therapist, reason="r", text="t")

    message = MessageFactory(conversation__child=child, author=parent)
    photo = MediaFileFactory(message=message)
    practice_photo = MediaFileFactory(
        message=None, practice_log=log, child=child, uploaded_by=parent
    )
    booking = BookingFactory(family=family, children=[child])
    return {
        "consultation": consultation,
        "booking": booking,
        "files": [photo.file.name, practice_photo.file.name],
    }


@time_machine.travel(NOW, tick=False)
def test_a_record_past_its_date_is_destroyed_with_everything_pointing_at_it(
    world, django_capture_on_commit_callbacks
):
    grown_up = factories.ChildFactory(family=world.family, date_of_birth=date(1995, 3, 1))
    kept = _a_full_record(grown_up, world.family, world.therapist, world.parent)
    for name in kept["files"]:
        assert default_storage.exists(name)
    sibling_goal = factories.GoalFactory(child=world.child)
    child_id = grown_up.pk

    with django_capture_on_commit_callbacks(execute=True):
        destroyed = services.child_purge(child=grown_up, by=world.admin)

    assert not Child.objects.filter(pk=child_id).exists()
    for model, where in [
        (Goal, {"child": child_id}),
        (ProgressRating, {"child": child_id}),
        (FamilyRating, {"goal__child": child_id}),
        (HomeStrategy, {"child": child_id}),
        (PracticeLog, {"child": child_id}),
        (Win, {"child": child_id}),
        (CaseloadAssignment, {"child": child_id}),
        (TherapySession, {"child": child_id}),
        (SessionNote, {"session__child": child_id}),
        (Assessment, {"child": child_id}),
        (StandardisedTest, {}),
        (AssessmentGoal, {}),
        (Addendum, {}),
        (StrategyChange, {}),
        (Conversation, {"child": child_id}),
        (Message, {}),
        (MediaFile, {}),
    ]:
        assert not model.objects.filter(**where).exists(), model.__name__
    for name in kept["files"]:
        assert not default_storage.exists(name)
    # The family's consultation stays, without the line about this child's goal;
    # the booking stays in the family's diary, no longer naming the child.
    consultation = SessionNote.objects.get(pk=kept["consultation"].pk)
    assert consultation.is_signed and not consultation.goals_addressed.exists()
    assert list(Booking.objects.get(pk=kept["booking"].pk).children.all()) == []
    # Nothing of anyone else's.
    assert Goal.objects.filter(pk=sibling_goal.pk).exists()
    assert Child.objects.filter(pk=world.child.pk).exists()

    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, child_id=child_id)
    assert event.user == world.admin
    assert "record destroyed after retention" in event.detail
    assert "1 SessionNote" in event.detail and "2 Addendum" in event.detail
    assert destroyed["sessions_app.SessionNote"] == 1
    assert destroyed["sessions_app.Addendum"] == 2
    assert destroyed["messaging files"] == 2


@time_machine.travel(NOW, tick=False)
def test_before_its_date_nothing_goes_by_the_purge_or_around_it(world):
    within = factories.ChildFactory(family=world.family, date_of_birth=date(2010, 5, 1))
    _a_full_record(within, world.family, world.therapist, world.parent)
    with pytest.raises(Exception, match="must be kept until 1 May 2035"):
        services.child_purge(child=within, by=world.admin)
    with pytest.raises(ValueError, match="within its retention period"):
        child_records_destroy(within)
    assert SessionNote.objects.filter(session__child=within, status="signed").exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("born", "discharged", "today", "past"),
    [
        (date(2001, 5, 1), None, date(2026, 4, 30), False),
        (date(2001, 5, 1), None, date(2026, 5, 1), True),
        (date(2001, 5, 1), date(2018, 6, 1), date(2026, 5, 1), False),  # 17 at discharge
        (date(2001, 5, 1), date(2018, 6, 1), date(2027, 5, 1), True),
        (date(2001, 5, 1), date(2018, 4, 30), date(2026, 5, 1), True),  # still 16
        (date(2000, 2, 29), None, date(2025, 2, 28), False),  # leap day, common year
        (date(2000, 2, 29), None, date(2025, 3, 1), True),
        (date(2004, 2, 29), None, date(2029, 3, 1), True),
    ],
)
def test_the_database_keeps_the_same_retention_rule(db, born, discharged, today, past):
    from families.retention import is_past_retention

    child = factories.ChildFactory(date_of_birth=born, discharged_on=discharged)
    assert is_past_retention(child, today=today) is past
    with connection.cursor() as cursor:
        cursor.execute("SELECT families_child_past_retention(%s, %s)", [child.pk, today])
        assert cursor.fetchone()[0] is past


@pytest.mark.postgres
def test_the_database_still_refuses_to_delete_a_signed_note_within_retention(world):
    from django.db import DatabaseError, transaction

    note = sign(NoteFactory(session=SessionFactory(child=world.child, family=world.family)))
    with (
        pytest.raises(DatabaseError, match="cannot be deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM sessions_app_sessionnote WHERE id = %s", [note.pk])
    assert SessionNote.objects.filter(pk=note.pk).exists()
