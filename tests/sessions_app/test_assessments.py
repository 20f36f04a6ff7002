"""The initial assessment: written as a draft with its tests and the goals
that came of it, signed by the therapist who did it, then frozen."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounts.models import AuditEvent
from sessions_app import services
from sessions_app.models import Assessment, AssessmentGoal, SignedRecordError
from tests import factories
from tests.sessions_app.factories import AssessmentFactory, sign


def _edit_data(goal, **extra):
    data = {
        "assessed_on": "2026-01-10",
        "developmental_history": "Walked at 18 months.",
        "concerns_parent": "Dressing.",
        "concerns_school": "Handwriting.",
        "concerns_other": "",
        "observed_home": "on",
        "observed_school": "on",
        "observations": "Watched the morning routine.",
        "strengths": "Persistent.",
        "summary": "DCD profile.",
        "recommendations": "Weekly 1:1.",
        "goals": [goal.pk],
        "tests-TOTAL_FORMS": "2",
        "tests-INITIAL_FORMS": "0",
        "tests-MIN_NUM_FORMS": "0",
        "tests-MAX_NUM_FORMS": "1000",
        "tests-0-name": "Movement ABC-3",
        "tests-0-administered_on": "2026-01-10",
        "tests-0-scores": "Total 5th percentile",
        "tests-0-interpretation": "",
        "tests-1-name": "",
        "tests-1-administered_on": "",
        "tests-1-scores": "",
        "tests-1-interpretation": "",
    }
    data.update(extra)
    return data


def test_therapist_writes_and_signs_an_assessment(world, client):
    goal = factories.GoalFactory(child=world.child)
    client.force_login(world.therapist)
    response = client.post(
        reverse("sessions_app:assessment_create", args=[world.child.pk]),
        {"assessed_on": "2026-01-10", "developmental_history": "Walked at 18 months."},
    )
    assessment = Assessment.objects.get()
    assert response["Location"] == reverse("sessions_app:assessment_edit", args=[assessment.pk])
    edit = reverse("sessions_app:assessment_edit", args=[assessment.pk])
    assert client.post(edit, _edit_data(goal, action="save")).status_code == 302
    assessment.refresh_from_db()
    assert assessment.tests.get().name == "Movement ABC-3"
    assert list(assessment.goals.all()) == [goal]
    assert assessment.settings_observed == ["home", "school"]
    assert client.post(edit, _edit_data(goal, action="sign")).status_code == 302
    assessment.refresh_from_db()
    assert assessment.is_signed and assessment.signed_by == world.therapist
    html = client.get(assessment.get_absolute_url()).content.decode()
    assert "Movement ABC-3" in html and goal.title in html and "DCD profile." in html
    assert client.get(edit).status_code == 302  # signed: back to the record
    assert AuditEvent.objects.filter(
        record_type="assessment", action="sign", child_id=world.child.pk
    ).exists()


def test_signing_needs_the_key_sections(world, client):
    goal = factories.GoalFactory(child=world.child)
    assessment = AssessmentFactory(child=world.child, therapist=world.therapist)
    client.force_login(world.therapist)
    response = client.post(
        reverse("sessions_app:assessment_edit", args=[assessment.pk]),
        _edit_data(goal, summary="", action="sign"),
    )
    assert response.status_code == 200
    assert "Write this section before signing." in response.content.decode()
    assessment.refresh_from_db()
    assert not assessment.is_signed


def test_only_the_assessing_therapist_signs(world):
    covering = factories.TherapistFactory()
    factories.CaseloadFactory(therapist=covering, child=world.child, kind="covering")
    assessment = AssessmentFactory(child=world.child, therapist=world.therapist)
    with pytest.raises(ValidationError):
        services.assessment_sign(assessment=assessment, by=covering)


def test_goals_of_another_child_are_refused(world):
    assessment = AssessmentFactory(child=world.child, therapist=world.therapist)
    with pytest.raises(ValidationError):
        services.assessment_save_draft(
            assessment=assessment,
            by=world.therapist,
            fields={},
            goals=[factories.GoalFactory(child=world.other_child)],
        )


def test_addendum_to_a_signed_assessment(world, client):
    assessment = sign(AssessmentFactory(child=world.child, therapist=world.therapist))
    client.force_login(world.therapist)
    client.post(
        reverse("sessions_app:assessment_addendum", args=[assessment.pk]),
        {"reason": "Score corrected", "text": "The percentile was 9th."},
    )
    html = client.get(assessment.get_absolute_url()).content.decode()
    assert "The percentile was 9th." in html


def test_goal_links_freeze_with_the_assessment(world):
    goal = factories.GoalFactory(child=world.child)
    assessment = AssessmentFactory(child=world.child, therapist=world.therapist)
    link = AssessmentGoal.objects.create(assessment=assessment, goal=goal)
    sign(assessment)
    with pytest.raises(SignedRecordError):
        link.delete()
    with pytest.raises(SignedRecordError):
        AssessmentGoal.objects.create(
            assessment=assessment, goal=factories.GoalFactory(child=world.child)
        )
    with pytest.raises(SignedRecordError):
        assessment.goal_links.all().delete()


@pytest.mark.postgres
def test_the_database_freezes_goal_links_of_a_signed_assessment(world):
    goal = factories.GoalFactory(child=world.child)
    assessment = sign(AssessmentFactory(child=world.child, therapist=world.therapist))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sessions_app_assessmentgoal (assessment_id, goal_id) VALUES (%s, %s)",
            [assessment.pk, goal.pk],
        )
