"""Recording attendance hands the visit to the clinical record: a session per
child, ready for the therapist's note."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from families.models import Caregiver
from sessions_app.models import TherapySession
from tests.bookings.factories import AppointmentFactory, BookingFactory, ServiceFactory
from tests.factories import CaseloadFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timesweep]


def _past_visit(world, *, children, kind="therapy", escort=None):
    started = timezone.now() - timedelta(hours=2)
    appointment = AppointmentFactory(
        therapist=world.therapist,
        service=ServiceFactory(kind=kind, parent_only=not children, duration_minutes=45),
        starts_at=started,
        ends_at=started + timedelta(minutes=45),
    )
    BookingFactory(family=world.family, appointment=appointment, children=children, escort=escort)
    return appointment


def test_attended_family_visit_starts_a_session_per_child_once(world):
    CaseloadFactory(therapist=world.therapist, child=world.sibling, kind="covering")
    nanny = Caregiver.objects.get(user=world.supporting_unlinked)
    appointment = _past_visit(world, children=[world.child, world.sibling], escort=nanny)

    attendance = services.appointment_record_attendance(
        appointment=appointment, outcome="attended", by=world.admin
    )
    assert not attendance.problems
    sessions = TherapySession.objects.filter(booking_id=appointment.bookings.get().pk)
    assert {s.child for s in sessions} == {world.child, world.sibling}
    for session in sessions:
        assert session.session_type == "therapy"
        assert session.starts_at == appointment.starts_at and session.duration_minutes == 45
        assert session.child_attended and list(session.caregivers_attended.all()) == [nanny]

    # Recording it again (a correction, a double click) makes no second session.
    again = services.appointment_record_attendance(
        appointment=appointment, outcome="attended", by=world.admin
    )
    assert {s.pk for s in again.sessions} == {s.pk for s in sessions}
    assert TherapySession.objects.count() == 2


def test_parents_only_consultation_gives_one_family_session(world):
    appointment = _past_visit(world, children=[], kind="consultation")
    attendance = services.appointment_record_attendance(
        appointment=appointment, outcome="attended", by=world.admin
    )
    [session] = attendance.sessions
    assert session.child is None and session.family == world.family
    assert session.session_type == "parent_coaching"


def test_no_show_starts_no_session(world):
    appointment = _past_visit(world, children=[world.child])
    services.appointment_record_attendance(
        appointment=appointment, outcome="no_show", by=world.admin
    )
    assert not TherapySession.objects.exists()
    assert appointment.bookings.get().status == Booking.Status.NO_SHOW


def test_child_off_the_caseload_is_reported_and_attendance_still_recorded(world):
    appointment = _past_visit(world, children=[world.sibling])  # sibling: no caseload
    attendance = services.appointment_record_attendance(
        appointment=appointment, outcome="attended", by=world.admin
    )
    assert attendance.sessions == [] and len(attendance.problems) == 1
    assert appointment.bookings.get().status == Booking.Status.ATTENDED


def test_therapist_recording_attendance_lands_on_the_session_to_write_the_note(world, client):
    appointment = _past_visit(world, children=[world.child])
    client.force_login(world.therapist)
    response = client.post(
        reverse("bookings:appointment_attendance", args=[appointment.pk]), {"outcome": "attended"}
    )
    session = TherapySession.objects.get(booking_id=appointment.bookings.get().pk)
    assert response.status_code == 302 and response["Location"] == session.get_absolute_url()
