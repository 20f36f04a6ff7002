import pytest
from django.core.management import call_command

from sessions_app.models import (
    Addendum,
    Assessment,
    GoalAddressed,
    NoteTemplate,
    SessionNote,
    StandardisedTest,
    TherapySession,
)


def _counts():
    return tuple(
        model.objects.count()
        for model in (
            TherapySession,
            SessionNote,
            Addendum,
            Assessment,
            StandardisedTest,
            NoteTemplate,
            GoalAddressed,
        )
    )


@pytest.mark.django_db
def test_demo_sessions_notes_and_assessments_are_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first

    from families.models import Child

    for child in Child.objects.all():
        assert Assessment.objects.filter(child=child, status="signed").count() == 1
        signed = SessionNote.objects.filter(session__child=child, status="signed")
        assert signed.count() >= 2
        assert all(note.family_summary for note in signed)
    assert SessionNote.objects.filter(status="draft").count() == 1
    assert Addendum.objects.count() == 1
    # Ratings in notes went through the goals app.
    assert GoalAddressed.objects.filter(progress_rating__isnull=False).exists()
    assert NoteTemplate.objects.count() == 5
