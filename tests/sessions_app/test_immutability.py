"""A signed note or assessment never changes: not through save(), not through
a queryset update(), not in the Django admin, and on PostgreSQL not even
through raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.urls import reverse

from sessions_app.models import (
    Addendum,
    Assessment,
    RecordStatus,
    SessionNote,
    SignedRecordError,
    StandardisedTest,
)
from tests import factories
from tests.sessions_app.factories import AssessmentFactory, NoteFactory, sign, signed_note

ORIGINAL = NoteFactory._meta.declarations["subjective"]


def test_a_draft_note_can_change(db):
    note = NoteFactory()
    note.subjective = "Changed while still a draft."
    note.save()
    note.refresh_from_db()
    assert note.subjective == "Changed while still a draft."
    SessionNote.objects.filter(pk=note.pk).update(plan="New plan")


def test_save_of_a_signed_note_is_refused(db):
    note = signed_note()
    note.subjective = "Rewritten history"
    with pytest.raises(SignedRecordError, match="signed"):
        note.save()
    note.refresh_from_db()
    assert note.subjective == ORIGINAL


def test_a_stale_copy_cannot_overwrite_a_signed_note(db):
    note = NoteFactory()
    stale = SessionNote.objects.get(pk=note.pk)
    sign(note)
    stale.plan = "Saved by a tab left open"
    with pytest.raises(SignedRecordError):
        stale.save()


def test_queryset_update_of_a_signed_note_is_refused(db):
    note = signed_note()
    with pytest.raises(SignedRecordError):
        SessionNote.objects.filter(pk=note.pk).update(family_summary="Changed")
    with pytest.raises(SignedRecordError):
        SessionNote.objects.filter(pk=note.pk).update(status=RecordStatus.DRAFT)
    # bulk_update runs in a transaction that the refusal rolls back.
    with pytest.raises(SignedRecordError), transaction.atomic():
        SessionNote.objects.bulk_update([note], ["plan"])
    note.refresh_from_db()
    assert note.is_signed and note.family_summary.startswith("Ollie")


def test_a_signed_note_cannot_be_deleted(db):
    note = signed_note()
    with pytest.raises(SignedRecordError):
        note.delete()


def test_signed_assessment_and_its_tests_are_frozen(db):
    assessment = AssessmentFactory()
    test = StandardisedTest.objects.create(
        assessment=assessment, name="Movement ABC-3", administered_on="2026-01-10", scores="5th"
    )
    sign(assessment)
    assessment.summary = "Different"
    with pytest.raises(SignedRecordError):
        assessment.save()
    with pytest.raises(SignedRecordError):
        Assessment.objects.filter(pk=assessment.pk).update(summary="Different")
    test.scores = "50th"
    with pytest.raises(SignedRecordError):
        test.save()
    with pytest.raises(SignedRecordError):
        StandardisedTest.objects.create(
            assessment=assessment, name="Added later", administered_on="2026-01-11", scores="x"
        )
    with pytest.raises(SignedRecordError):
        StandardisedTest.objects.filter(assessment=assessment).update(scores="y")
    with pytest.raises(SignedRecordError):
        assessment.tests.all().delete()


def test_addenda_are_append_only(db):
    note = signed_note()
    addendum = Addendum.objects.create(
        note=note, author=note.session.therapist, reason="Typo", text="Four, not five."
    )
    addendum.text = "Changed"
    with pytest.raises(SignedRecordError):
        addendum.save()
    with pytest.raises(SignedRecordError):
        Addendum.objects.filter(pk=addendum.pk).update(text="Changed")
    with pytest.raises(SignedRecordError):
        addendum.delete()


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
def test_the_database_refuses_raw_updates_of_a_signed_note(db):
    note = signed_note()
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        _raw("UPDATE sessions_app_sessionnote SET subjective = 'raw' WHERE id = %s", [note.pk])
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        _raw("UPDATE sessions_app_sessionnote SET status = 'draft' WHERE id = %s", [note.pk])
    with pytest.raises(DatabaseError, match="signed"), transaction.atomic():
        _raw("DELETE FROM sessions_app_sessionnote WHERE id = %s", [note.pk])
    # Bypassing the model layer's own check still meets the trigger.
    with pytest.raises(DatabaseError), transaction.atomic():
        QuerySet.update(SessionNote.objects.filter(pk=note.pk), plan="raw")
    note.refresh_from_db()
    assert note.subjective == ORIGINAL and note.is_signed


@pytest.mark.postgres
def test_the_database_still_allows_drafts_and_signing(db):
    note = NoteFactory()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sessions_app_sessionnote SET plan = 'ok' WHERE id = %s", [note.pk])
    sign(note)
    assert note.is_signed and note.plan == "ok"


@pytest.mark.postgres
def test_the_database_refuses_raw_changes_of_signed_assessments_tests_and_addenda(db):
    assessment = AssessmentFactory()
    StandardisedTest.objects.create(
        assessment=assessment, name="Sensory Profile 2", administered_on="2026-01-10", scores="x"
    )
    sign(assessment)
    note = signed_note()
    addendum = Addendum.objects.create(
        note=note, author=note.session.therapist, reason="Typo", text="Text"
    )
    statements = [
        ("UPDATE sessions_app_assessment SET summary = 'raw' WHERE id = %s", assessment.pk),
        (
            "UPDATE sessions_app_standardisedtest SET scores = 'raw' WHERE assessment_id = %s",
            assessment.pk,
        ),
        ("DELETE FROM sessions_app_standardisedtest WHERE assessment_id = %s", assessment.pk),
        ("UPDATE sessions_app_addendum SET text = 'raw' WHERE id = %s", addendum.pk),
    ]
    for sql, pk in statements:
        with pytest.raises(DatabaseError), transaction.atomic():
            _raw(sql, [pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw(
            "INSERT INTO sessions_app_standardisedtest "
            "(assessment_id, name, administered_on, scores, interpretation) "
            "VALUES (%s, 'late', '2026-01-12', 'x', '')",
            [assessment.pk],
        )


@pytest.fixture
def superuser(db):
    return factories.UserFactory(
        email="ops@example.org", is_staff=True, is_superuser=True, role="admin"
    )


def test_admin_shows_a_signed_note_read_only_and_refuses_a_post(client, superuser):
    note = signed_note()
    client.force_login(superuser)
    url = reverse("admin:sessions_app_sessionnote_change", args=[note.pk])
    page = client.get(url)
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="subjective"' not in content  # shown as text, not as a field
    assert "Save" not in content or 'name="_save"' not in content
    response = client.post(
        url,
        {
            "session": note.session_id,
            "subjective": "Changed in the admin",
            "objective": note.objective,
            "assessment": note.assessment,
            "plan": note.plan,
            "family_summary": note.family_summary,
            "_save": "Save",
        },
    )
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.subjective == ORIGINAL
    delete = client.post(
        reverse("admin:sessions_app_sessionnote_delete", args=[note.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert SessionNote.objects.filter(pk=note.pk).exists()


def test_admin_can_still_edit_a_draft_and_every_open_is_audited(client, superuser):
    from accounts.models import AuditEvent

    note = NoteFactory()
    client.force_login(superuser)
    url = reverse("admin:sessions_app_sessionnote_change", args=[note.pk])
    assert 'name="subjective"' in client.get(url).content.decode()
    assert AuditEvent.objects.filter(
        user=superuser, record_type="session_note", record_id=str(note.pk), action="view"
    ).exists()


def test_admin_shows_a_signed_assessment_read_only(client, superuser):
    assessment = sign(AssessmentFactory())
    client.force_login(superuser)
    url = reverse("admin:sessions_app_assessment_change", args=[assessment.pk])
    assert 'name="summary"' not in client.get(url).content.decode()
    response = client.post(url, {"summary": "Changed", "_save": "Save"})
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.summary.startswith("Motor planning")
