"""What keeps a child's history cheap to read is kept true by the database:
a session knows when its note is signed (set by a trigger, on SQLite and
PostgreSQL alike), and on PostgreSQL a practice log's or a rating's child must
be its strategy's or goal's child."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from sessions_app import services
from sessions_app.models import TherapySession
from tests import factories
from tests.sessions_app.factories import NoteFactory, SessionFactory, sign


def _flag(session) -> bool:
    return TherapySession.objects.values_list("note_signed", flat=True).get(pk=session.pk)


@pytest.mark.django_db
def test_signing_through_the_service_sets_the_flag(world):
    session = SessionFactory(child=world.child, therapist=world.therapist)
    note = NoteFactory(session=session)
    assert _flag(session) is False
    services.note_sign(note=note, by=world.therapist)
    assert _flag(session) is True


@pytest.mark.django_db
def test_any_signing_sets_the_flag_and_a_draft_does_not(world):
    draft = SessionFactory(child=world.child, therapist=world.therapist)
    NoteFactory(session=draft)
    signed = SessionFactory(child=world.child, therapist=world.therapist)
    sign(NoteFactory(session=signed))  # a plain UPDATE, as other code might
    assert (_flag(draft), _flag(signed)) == (False, True)


@pytest.mark.django_db
def test_notes_to_sign_and_caseload_follow_the_flag(world, client):
    session = SessionFactory(child=world.child, therapist=world.therapist)
    note = NoteFactory(session=session)
    client.force_login(world.therapist)
    unsigned_url = reverse("sessions_app:unsigned_notes")
    assert (
        reverse("sessions_app:note_edit", args=[session.pk])
        in client.get(unsigned_url).content.decode()
    )
    services.note_sign(note=note, by=world.therapist)
    assert (
        reverse("sessions_app:note_edit", args=[session.pk])
        not in client.get(unsigned_url).content.decode()
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_practice_log_child_must_be_its_strategys_child(world):
    strategy = factories.HomeStrategyFactory(child=world.child)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.PracticeLogFactory(strategy=strategy, child=world.other_child)
        # The foreign key is checked at commit, as Django's own are.
        connection.check_constraints()
    log = factories.PracticeLogFactory(strategy=strategy)
    assert log.child_id == world.child.pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rating_child_must_be_its_goals_child(world):
    goal = factories.GoalFactory(child=world.child)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ProgressRatingFactory(goal=goal, child=world.other_child)
        connection.check_constraints()
    assert factories.ProgressRatingFactory(goal=goal).child_id == world.child.pk
