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


def test_supporting_caregiver_sees_sessions_they_attended_only(world, client):
    attended = _signed(world, attended=[_grandad(world)], family_summary="Grandad was there")
    not_attended = _signed(world, family_summary="Only mum was there")
    client.force_login(world.supporting)
    html = client.get(_url(world)).content.decode()
    assert attended.family_summary in html
    assert not_attended.family_summary not in html


def test_supporting_caregiver_sees_everything_when_the_family_shares_all(world, client):
    membership = _grandad(world)
    membership.sees_all_session_summaries = True
    membership.save()
    not_attended = _signed(world, family_summary="Only mum was there")
    client.force_login(world.supporting)
    assert not_attended.family_summary in client.get(_url(world)).content.decode()


def test_supporting_caregiver_cannot_open_a_session_they_missed(world, client):
    note = _signed(world)
    with pytest.raises(Http404):
        get_session_for_user(world.supporting, note.session_id)
    attended = _signed(world, attended=[_grandad(world)])
    _, access = get_session_for_user(world.supporting, attended.session_id)
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
    client.force_login(world.supporting)
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
