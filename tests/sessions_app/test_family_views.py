"""What families and admins see of sessions: the family summary of signed
notes, never SOAP sections, assessments or drafts (asserted on the HTML)."""

from datetime import timedelta

import pytest
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from families.models import Caregiver
from sessions_app.permissions import get_session_for_user
from tests.sessions_app.factories import (
    AssessmentFactory,
    NoteFactory,
    SessionFactory,
    sign,
    signed_note,
)

SOAP = ("subjective", "objective", "assessment", "plan")


def _url(world):
    return reverse("sessions_app:child_sessions", args=[world.child.pk])


def _grandad(world) -> Caregiver:
    return Caregiver.objects.get(user=world.supporting)


def _signed(world, attended=(), **fields):
    session = SessionFactory(child=world.child, therapist=world.therapist, caregivers=attended)
    return signed_note(session=session, **fields)


def test_parent_sees_the_summary_of_signed_notes_only(world, client):
    signed = _signed(world)
    draft = NoteFactory(
        session=SessionFactory(child=world.child, therapist=world.therapist),
        family_summary="Draft summary not ready",
        subjective="Draft subjective text",
    )
    assessment = sign(
        AssessmentFactory(child=world.child, therapist=world.therapist, summary="Assessment inner")
    )
    client.force_login(world.parent)
    html = client.get(_url(world)).content.decode()
    assert signed.family_summary in html
    for section in SOAP:
        assert getattr(signed, section) not in html
    assert draft.family_summary not in html and draft.subjective not in html
    assert assessment.summary not in html and assessment.developmental_history not in html
    assert "1:1 therapy" in html and world.therapist.full_name in html
    # The link is on the child's page.
    child_page = client.get(world.child.get_absolute_url()).content.decode()
    assert _url(world) in child_page


def _nani(world) -> Caregiver:
    return Caregiver.objects.get(user=world.supporting_goals_only)


def test_supporting_caregivers_see_the_summaries_the_family_shares_with_them(world, client):
    there = _signed(world, attended=[_nani(world)], family_summary="Nani was there")
    not_there = _signed(world, family_summary="Only mum was there")
    # Grandad: the family shares Yusuf's session summaries with him, all of them.
    client.force_login(world.supporting)
    html = client.get(_url(world)).content.decode()
    assert there.family_summary in html and not_there.family_summary in html
    # Nani: goals and strategies only; being at a session does not share it.
    client.force_login(world.supporting_goals_only)
    html = client.get(_url(world)).content.decode()
    assert there.family_summary not in html and not_there.family_summary not in html
    assert "No sessions yet" in html


def test_a_session_opens_only_for_those_it_is_shared_with(world):
    there = _signed(world, attended=[_nani(world)])
    with pytest.raises(Http404):
        get_session_for_user(world.supporting_goals_only, there.session_id)
    _, access = get_session_for_user(world.supporting, there.session_id)
    assert access == "supporting"


def test_parents_only_consultations_show_to_parents(world, client):
    parent = Caregiver.objects.get(user=world.parent)
    session = SessionFactory(
        child=None,
        family=world.family,
        therapist=world.therapist,
        child_attended=False,
        session_type="parent_coaching",
        caregivers=[parent],
        about=[world.child],
    )
    signed_note(session=session, family_summary="We talked about bedtime routines")
    client.force_login(world.parent)
    assert "We talked about bedtime routines" in client.get(_url(world)).content.decode()
    client.force_login(world.supporting)  # Yusuf's session summaries are shared with him
    assert "We talked about bedtime routines" in client.get(_url(world)).content.decode()
    client.force_login(world.supporting_goals_only)
    assert "We talked about bedtime routines" not in client.get(_url(world)).content.decode()


def test_future_sessions_are_not_listed_as_past(world, client):
    SessionFactory(
        child=world.child, therapist=world.therapist, starts_at=timezone.now() + timedelta(days=3)
    )
    client.force_login(world.parent)
    assert "No sessions yet" in client.get(_url(world)).content.decode()


def test_admin_sees_attendance_but_no_clinical_content(world, client):
    note = _signed(world, attended=[_grandad(world)])
    client.force_login(world.admin)
    html = client.get(_url(world)).content.decode()
    assert world.supporting.full_name in html
    assert note.family_summary not in html
    detail = client.get(note.session.get_absolute_url()).content.decode()
    assert world.supporting.full_name in detail and "1:1 therapy" in detail
    for section in (*SOAP, "family_summary"):
        assert getattr(note, section) not in detail
    assert client.get(reverse("sessions_app:timeline", args=[world.child.pk])).status_code == 404


def test_other_families_see_nothing(world, client):
    _signed(world)
    client.force_login(world.other_parent)
    assert client.get(_url(world)).status_code == 404
    client.force_login(world.supporting_unlinked)
    assert client.get(_url(world)).status_code == 404
