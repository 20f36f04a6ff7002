"""Writing, autosaving, signing and amending notes; who may do what; and the
audit trail each step leaves."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from families.models import Caregiver
from sessions_app import services
from sessions_app.models import NoteTemplate, RecordStatus, SessionNote, TherapySession
from tests import factories
from tests.sessions_app.factories import NoteFactory, SessionFactory, signed_note

NOTE = {
    "subjective": "Mum reports calmer mornings.",
    "objective": "Dressing board: 4 of 5 buttons independently.",
    "assessment": "Fine motor control improving.",
    "plan": "Move to buttons on his own shirt.",
    "family_summary": "Ollie did four buttons on his own! Try his school shirt after breakfast.",
}


def _events(**filters):
    return AuditEvent.objects.filter(**filters)


def test_therapist_records_a_session_and_lands_on_its_note(world, client):
    NoteTemplate.objects.create(
        session_type="therapy", name="1:1", subjective="Since last time, the family says…"
    )
    grandad = Caregiver.objects.get(user=world.supporting)
    client.force_login(world.therapist)
    response = client.post(
        reverse("sessions_app:session_create", args=[world.child.pk]),
        {
            "session_type": "therapy",
            "starts_at": "2026-01-05T10:00",
            "duration_minutes": 45,
            "location": "home",
            "child_attended": "on",
            "caregivers_attended": [grandad.pk],
            "others_attended": "Class teacher",
        },
    )
    session = TherapySession.objects.get()
    assert response["Location"] == reverse("sessions_app:note_edit", args=[session.pk])
    assert list(session.caregivers_attended.all()) == [grandad]
    assert session.family == world.family and session.therapist == world.therapist
    assert _events(action="create", record_type="session", child_id=world.child.pk).exists()
    # The note form is prefilled from the template of the session type.
    page = client.get(response["Location"]).content.decode()
    assert "Since last time, the family says…" in page
    assert 'data-autosave-url="' in page and "sessions_app.js" in page
    assert "<script>" not in page  # no inline script: the CSP forbids it


def test_session_form_keeps_input_and_shows_errors(world, client):
    client.force_login(world.therapist)
    response = client.post(
        reverse("sessions_app:session_create", args=[world.child.pk]),
        {
            "session_type": "therapy",
            "duration_minutes": 2,
            "location": "clinic",
            "others_attended": "Teacher Mrs Jones",
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Teacher Mrs Jones" in content
    assert not TherapySession.objects.exists()


def test_a_caregiver_of_another_family_cannot_be_recorded(world):
    stranger = Caregiver.objects.get(user=world.other_parent)
    with pytest.raises(ValidationError):
        services.session_create(
            by=world.therapist,
            family=world.family,
            child=world.child,
            therapist=world.therapist,
            session_type="therapy",
            starts_at=timezone.now(),
            duration_minutes=45,
            location="clinic",
            child_attended=True,
            caregivers_attended=[stranger],
        )


def test_a_parents_only_consultation_may_have_no_child(world):
    session = services.session_create(
        by=world.therapist,
        family=world.family,
        child=None,
        therapist=world.therapist,
        session_type="parent_coaching",
        starts_at=timezone.now() - timedelta(hours=1),
        duration_minutes=60,
        location="video",
        child_attended=False,
        caregivers_attended=[Caregiver.objects.get(user=world.parent)],
    )
    assert session.child is None
    with pytest.raises(ValidationError):
        services.session_create(
            by=world.other_therapist,
            family=world.family,
            child=None,
            therapist=world.other_therapist,
            session_type="parent_coaching",
            starts_at=timezone.now(),
            duration_minutes=60,
            location="video",
            child_attended=False,
        )


def test_autosave_creates_then_updates_the_draft(world, client):
    session = SessionFactory(child=world.child, therapist=world.therapist)
    client.force_login(world.therapist)
    url = reverse("sessions_app:note_autosave", args=[session.pk])
    first = client.post(url, {**NOTE, "plan": ""})
    assert first.status_code == 200
    assert first.json()["saved_at"]
    note = SessionNote.objects.get(session=session)
    assert note.status == RecordStatus.DRAFT and note.plan == ""
    client.post(url, NOTE)
    note.refresh_from_db()
    assert note.plan == NOTE["plan"]
    assert SessionNote.objects.count() == 1
    assert _events(action="create", record_type="session_note").count() == 1


def test_autosave_never_touches_a_signed_note(world, client):
    note = signed_note(session=SessionFactory(child=world.child, therapist=world.therapist))
    client.force_login(world.therapist)
    response = client.post(
        reverse("sessions_app:note_autosave", args=[note.session_id]), {**NOTE, "plan": "x"}
    )
    assert response.status_code == 409
    note.refresh_from_db()
    assert note.plan != "x"
    # The form itself sends the therapist to the signed note.
    edit = client.get(reverse("sessions_app:note_edit", args=[note.session_id]))
    assert edit.status_code == 302


def test_signing_records_who_and_when_and_freezes(world, client):
    session = SessionFactory(child=world.child, therapist=world.therapist)
    client.force_login(world.therapist)
    response = client.post(
        reverse("sessions_app:note_edit", args=[session.pk]), {**NOTE, "action": "sign"}
    )
    # "Sign" saves the draft and asks for confirmation first.
    confirm = reverse("sessions_app:note_sign", args=[session.pk])
    assert response["Location"] == confirm
    assert not SessionNote.objects.get(session=session).is_signed
    assert client.post(confirm)["Location"] == session.get_absolute_url()
    note = SessionNote.objects.get(session=session)
    assert note.is_signed and note.signed_by == world.therapist
    assert abs(note.signed_at - timezone.now()) < timedelta(minutes=1)
    assert _events(action="sign", record_type="session_note", record_id=str(note.pk)).exists()
    with pytest.raises(ValidationError):
        services.note_sign(note=note, by=world.therapist)
    with pytest.raises(ValidationError):
        services.note_save_draft(session=session, by=world.therapist, fields={"plan": "x"})


def test_signing_needs_every_section_and_keeps_the_draft(world, client):
    session = SessionFactory(child=world.child, therapist=world.therapist)
    client.force_login(world.therapist)
    response = client.post(
        reverse("sessions_app:note_edit", args=[session.pk]),
        {**NOTE, "family_summary": "", "action": "sign"},
    )
    assert response.status_code == 200
    assert "Write this section before signing." in response.content.decode()
    assert NOTE["objective"] in response.content.decode()
    note = SessionNote.objects.get(session=session)
    assert note.status == RecordStatus.DRAFT and note.objective == NOTE["objective"]


def test_only_the_treating_therapist_writes_and_signs(world, client):
    covering = factories.TherapistFactory()
    factories.CaseloadFactory(therapist=covering, child=world.child, kind="covering")
    session = SessionFactory(child=world.child, therapist=world.therapist)
    note = NoteFactory(session=session)
    with pytest.raises(ValidationError):
        services.note_sign(note=note, by=covering)
    with pytest.raises(ValidationError):
        services.note_save_draft(session=session, by=covering, fields={"plan": "mine"})
    client.force_login(covering)
    assert client.get(reverse("sessions_app:note_edit", args=[session.pk])).status_code == 404
    assert (
        client.post(reverse("sessions_app:note_autosave", args=[session.pk]), NOTE).status_code
        == 404
    )
    # The covering therapist still reads the record.
    assert client.get(session.get_absolute_url()).status_code == 200
    note.refresh_from_db()
    assert not note.is_signed


def test_addendum_goes_beneath_a_signed_note(world, client):
    note = signed_note(session=SessionFactory(child=world.child, therapist=world.therapist))
    client.force_login(world.therapist)
    response = client.post(
        reverse("sessions_app:note_addendum", args=[note.session_id]),
        {"reason": "Correction", "text": "It was four buttons, not three."},
    )
    assert response.status_code == 302
    addendum = note.addenda.get()
    assert addendum.author == world.therapist
    page = client.get(note.session.get_absolute_url()).content.decode()
    assert "It was four buttons, not three." in page and "Correction" in page
    assert _events(action="addendum", child_id=world.child.pk).exists()


def test_addendum_form_errors_are_shown(world, client):
    note = signed_note(session=SessionFactory(child=world.child, therapist=world.therapist))
    client.force_login(world.therapist)
    response = client.post(
        reverse("sessions_app:note_addendum", args=[note.session_id]),
        {"reason": "", "text": "Kept text"},
    )
    assert response.status_code == 400
    assert "Kept text" in response.content.decode()


def test_no_addendum_to_a_draft(world):
    note = NoteFactory(session=SessionFactory(child=world.child, therapist=world.therapist))
    with pytest.raises(ValidationError):
        services.addendum_add(note=note, by=world.therapist, reason="x", text="y")


def test_unsigned_notes_oldest_first(world, client):
    now = timezone.now()
    newest = SessionFactory(
        child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=1)
    )
    oldest = SessionFactory(
        child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=9)
    )
    NoteFactory(session=newest)  # a draft still counts
    signed_note(
        session=SessionFactory(
            child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=5)
        )
    )
    SessionFactory(child=world.other_child, therapist=world.other_therapist)
    client.force_login(world.therapist)
    content = client.get(reverse("sessions_app:unsigned_notes")).content.decode()
    links = [
        reverse("sessions_app:note_edit", args=[oldest.pk]),
        reverse("sessions_app:note_edit", args=[newest.pk]),
    ]
    assert content.index(links[0]) < content.index(links[1])
    assert content.count("sessions/") == 2


def test_every_view_of_a_clinical_record_is_audited(world, client):
    note = signed_note(session=SessionFactory(child=world.child, therapist=world.therapist))
    client.force_login(world.therapist)
    client.get(note.session.get_absolute_url())
    client.get(reverse("sessions_app:timeline", args=[world.child.pk]))
    views = _events(action="view", child_id=world.child.pk, user=world.therapist)
    assert {e.record_type for e in views} >= {"session_note", "clinical_timeline"}
    page = client.get(
        reverse("families:child_access_history", args=[world.child.pk])
    ).content.decode()
    assert world.therapist.full_name in page and "Viewed" in page


def _record(world, **extra):
    fields = {
        "by": world.admin,
        "family": world.family,
        "child": world.child,
        "therapist": world.therapist,
        "session_type": "therapy",
        "starts_at": timezone.now() - timedelta(hours=1),
        "duration_minutes": 45,
        "location": "clinic",
        "child_attended": True,
    }
    fields.update(extra)
    return services.session_create(**fields)


def test_bookings_hand_over_attendance_once_per_booking(world):
    session = _record(world, booking_id=41)
    assert session.booking_id == 41
    with pytest.raises(ValidationError):
        _record(world, booking_id=41)


def test_a_child_who_is_not_there_cannot_be_marked_present(world):
    with pytest.raises(ValidationError):
        _record(world, child=None, child_attended=True)
    with pytest.raises(ValidationError):
        _record(world, therapist=world.admin)


def test_the_confirmation_shows_what_signing_freezes_and_works_without_script(world, client):
    session = SessionFactory(child=world.child, therapist=world.therapist)
    goal = factories.GoalFactory(child=world.child, title="Shoes on by himself")
    client.force_login(world.therapist)
    client.post(
        reverse("sessions_app:note_edit", args=[session.pk]),
        {**NOTE, f"gas-goal_{goal.pk}_level": "1", "action": "sign"},
    )
    html = client.get(reverse("sessions_app:note_sign", args=[session.pk])).content.decode()
    assert "Sign this note?" in html
    for text in NOTE.values():
        assert text.replace("'", "&#x27;") in html
    assert "Shoes on by himself: +1" in html
    # A plain form: the confirmation needs no script.
    assert (
        f'<form method="post" action="{reverse("sessions_app:note_sign", args=[session.pk])}"'
        in html
    )
    assert "Sign and freeze the note" in html


def test_the_confirmation_of_an_unfinished_note_says_what_is_missing(world, client):
    session = SessionFactory(child=world.child, therapist=world.therapist)
    NoteFactory(session=session, plan="", family_summary="")
    client.force_login(world.therapist)
    url = reverse("sessions_app:note_sign", args=[session.pk])
    html = client.get(url).content.decode()
    assert "Plan: Write this section before signing." in html
    assert "Summary for the family: Write this section before signing." in html
    assert "Sign and freeze the note" not in html
    response = client.post(url)
    assert response.status_code == 400
    assert not SessionNote.objects.get(session=session).is_signed


def test_the_confirmation_sends_a_signed_or_unwritten_note_on(world, client):
    signed = signed_note(session=SessionFactory(child=world.child, therapist=world.therapist))
    unwritten = SessionFactory(child=world.child, therapist=world.therapist)
    client.force_login(world.therapist)
    url = reverse("sessions_app:note_sign", args=[signed.session_id])
    assert client.get(url)["Location"] == signed.session.get_absolute_url()
    assert client.post(url)["Location"] == signed.session.get_absolute_url()
    url = reverse("sessions_app:note_sign", args=[unwritten.pk])
    assert client.get(url)["Location"] == reverse("sessions_app:note_edit", args=[unwritten.pk])


def test_the_workspace_shows_the_save_state_plan_goals_and_this_weeks_practice(
    world, client, django_assert_max_num_queries
):
    now = timezone.now()
    earlier = signed_note(
        session=SessionFactory(
            child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=7)
        ),
        plan="Try the shoe station before school.",
    )
    factories.ProgressRatingFactory(
        goal=factories.GoalFactory(child=world.child, title="Shoes on"), level=0
    )
    factories.GoalFactory(child=world.child, title="Cutlery", baseline_level=-2)
    shoes = factories.HomeStrategyFactory(child=world.child, title="Shoe station")
    for outcome in ("well", "hard"):
        factories.PracticeLogFactory(strategy=shoes, outcome=outcome)
    session = SessionFactory(child=world.child, therapist=world.therapist, starts_at=now)
    NoteFactory(session=session)
    client.force_login(world.therapist)
    url = reverse("sessions_app:note_edit", args=[session.pk])
    with django_assert_max_num_queries(20):
        html = client.get(url).content.decode()
    bar = html[html.index("note-bar") :].split("</div>")[0]
    assert "Saved " in bar and 'value="save"' in bar and 'value="sign"' in bar
    panel = html[html.index('id="note-context"') :].split("</aside>")[0]
    assert earlier.plan in panel
    assert "Shoes on</a>: now 0" in panel and "Cutlery</a>: now -2 (baseline)" in panel
    assert "Shoe station: 2 times, 1 went well" in panel
    # The drawer opens from a button on phones.
    assert 'data-bs-target="#note-context"' in html
