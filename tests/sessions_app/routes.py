from families.models import Caregiver
from tests.matrix import BOOKER, GOALS_ONLY, Route
from tests.sessions_app.factories import (
    AssessmentFactory,
    NoteFactory,
    SessionFactory,
    sign,
    signed_note,
)

CLINICIAN = frozenset({"therapist"})
THERAPISTS = frozenset({"therapist", "other_therapist"})


def _session(world):
    """A session of world.child, attended by the supporting grandparent."""
    supporting = Caregiver.objects.get(user=world.supporting, family=world.family)
    session = SessionFactory(child=world.child, therapist=world.therapist, caregivers=[supporting])
    return {"pk": session.pk}


def _signed_session(world):
    note = signed_note(session=SessionFactory(child=world.child, therapist=world.therapist))
    return {"pk": note.session_id}


def _draft_session(world):
    note = NoteFactory(session=SessionFactory(child=world.child, therapist=world.therapist))
    return {"pk": note.session_id}


def _assessment(world):
    return {"pk": AssessmentFactory(child=world.child, therapist=world.therapist).pk}


def _signed_assessment(world):
    return {"pk": sign(AssessmentFactory(child=world.child, therapist=world.therapist)).pk}


def _child(world):
    return {"pk": world.child.pk}


NOTE_TEXT = {
    "subjective": "Dad says bedtime is calmer.",
    "objective": "Obstacle course, 4 of 5 steps.",
    "assessment": "Improving sequencing.",
    "plan": "Same again next week.",
    "family_summary": "A great session.",
}

ROUTES = [
    Route("sessions_app:unsigned_notes", THERAPISTS),
    Route("sessions_app:timeline", CLINICIAN, kwargs=_child),
    Route(
        "sessions_app:child_sessions",
        # A page for every linked caregiver; the summaries on it only for those
        # the family shares them with (the content check proves it).
        frozenset({"parent", "supporting", GOALS_ONLY, BOOKER, "therapist", "admin"}),
        kwargs=_child,
    ),
    Route("sessions_app:session_create", CLINICIAN, kwargs=_child),
    Route(
        "sessions_app:session_create",
        CLINICIAN,
        kwargs=_child,
        method="post",
        data=lambda w: {
            "session_type": "therapy",
            "starts_at": "2026-01-05T10:00",
            "duration_minutes": 45,
            "location": "clinic",
            "child_attended": "on",
        },
        ok=(302,),
    ),
    Route("sessions_app:assessment_create", CLINICIAN, kwargs=_child),
    Route("sessions_app:session_detail", frozenset({"therapist", "admin"}), kwargs=_session),
    Route("sessions_app:session_detail", frozenset({"therapist", "admin"}), kwargs=_signed_session),
    Route("sessions_app:note_edit", CLINICIAN, kwargs=_session),
    Route("sessions_app:note_edit", CLINICIAN, kwargs=_draft_session),
    Route(
        "sessions_app:note_edit",
        CLINICIAN,
        kwargs=_draft_session,
        method="post",
        data=lambda w: {**NOTE_TEXT, "action": "save"},
        ok=(302,),
    ),
    Route("sessions_app:note_sign", CLINICIAN, kwargs=_draft_session),
    Route(
        "sessions_app:note_sign",
        CLINICIAN,
        kwargs=_draft_session,
        method="post",
        ok=(302,),
    ),
    Route(
        "sessions_app:note_autosave",
        CLINICIAN,
        kwargs=_session,
        method="post",
        data=lambda w: NOTE_TEXT,
        ok=(200,),
    ),
    Route(
        "sessions_app:note_addendum",
        CLINICIAN,
        kwargs=_signed_session,
        method="post",
        data=lambda w: {"reason": "Typo", "text": "Five steps, not four."},
        ok=(302,),
    ),
    Route("sessions_app:assessment_detail", CLINICIAN, kwargs=_assessment),
    Route("sessions_app:assessment_detail", CLINICIAN, kwargs=_signed_assessment),
    Route("sessions_app:assessment_edit", CLINICIAN, kwargs=_assessment),
    Route(
        "sessions_app:assessment_addendum",
        CLINICIAN,
        kwargs=_signed_assessment,
        method="post",
        data=lambda w: {"reason": "Score corrected", "text": "Percentile was 9th."},
        ok=(302,),
    ),
]
