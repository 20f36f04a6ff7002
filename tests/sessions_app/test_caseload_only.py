"""A therapist sees clinical content only of the children on their caseload,
never of a sibling who is another therapist's (issue 19, finding 1): not on
the family's summary, not in a parents-only consultation about the sibling.

In the world, `therapist` has Yusuf (`child`); Maryam (`sibling`) is given
to `other_therapist` here."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bookings import services as booking_services
from families.models import Caregiver, SupportingLink
from portal.summaries import period_until_now, summary_for
from sessions_app.models import TherapySession
from tests.bookings.factories import (
    AppointmentFactory,
    AvailabilityFactory,
    BookingFactory,
    ServiceFactory,
    in_days,
)
from tests.factories import (
    CaseloadFactory,
    GoalFactory,
    HomeStrategyFactory,
    PracticeLogFactory,
    WinFactory,
)
from tests.sessions_app.factories import SessionFactory, signed_note

pytestmark = pytest.mark.django_db


@pytest.fixture
def maryam_elsewhere(world):
    CaseloadFactory(therapist=world.other_therapist, child=world.sibling)
    GoalFactory(child=world.sibling, title="Maryam holds her pencil in a tripod grip")
    strategy = HomeStrategyFactory(child=world.sibling, title="Maryam's pegboard game")
    PracticeLogFactory(strategy=strategy, caregiver=world.parent)
    WinFactory(child=world.sibling, text="Maryam wrote her whole name")
    session = SessionFactory(child=world.sibling, therapist=world.other_therapist)
    signed_note(session=session, family_summary="Maryam traced shapes with a chunky crayon.")
    GoalFactory(child=world.child, title="Yusuf puts his shoes on")
    WinFactory(child=world.child, text="Yusuf zipped his coat")
    return world


SIBLING_WORDS = (
    "tripod grip",
    "pegboard game",
    "wrote her whole name",
    "chunky crayon",
)


def test_the_family_summary_shows_a_therapist_only_their_own_children(maryam_elsewhere, login):
    world = maryam_elsewhere
    page = login(world.therapist).get(reverse("summary_preview", args=[world.family.pk])).text
    assert "Yusuf zipped his coat" in page
    for words in SIBLING_WORDS:
        assert words not in page, words
    # The parent previewing the same summary sees both children.
    page = login(world.parent).get(reverse("summary_preview", args=[world.family.pk])).text
    assert "Yusuf zipped his coat" in page and "wrote her whole name" in page


def _consultation(world, *, therapist, about, words):
    parent = Caregiver.objects.get(user=world.parent)
    session = SessionFactory(
        child=None,
        family=world.family,
        therapist=therapist,
        child_attended=False,
        session_type="parent_coaching",
        caregivers=[parent],
        about=about,
    )
    signed_note(session=session, subjective=words, assessment=words, family_summary=words)
    return session


def test_a_consultation_about_a_sibling_is_not_the_therapists_to_read(maryam_elsewhere, login):
    world = maryam_elsewhere
    about_maryam = _consultation(
        world, therapist=world.other_therapist, about=[world.sibling], words="sleep for Maryam"
    )
    about_yusuf = _consultation(
        world, therapist=world.other_therapist, about=[world.child], words="mornings with Yusuf"
    )
    client = login(world.therapist)
    url = "sessions_app:session_detail"
    assert client.get(reverse(url, args=[about_maryam.pk])).status_code == 404
    assert "mornings with Yusuf" in client.get(reverse(url, args=[about_yusuf.pk])).text
    timeline = client.get(reverse("sessions_app:timeline", args=[world.child.pk])).text
    assert "mornings with Yusuf" in timeline and "sleep for Maryam" not in timeline
    # Maryam's therapist reads the one about her.
    other = login(world.other_therapist)
    assert "sleep for Maryam" in other.get(reverse(url, args=[about_maryam.pk])).text


def test_a_supporting_caregiver_is_not_told_of_a_consultation_about_an_unlinked_child(
    maryam_elsewhere, login
):
    world = maryam_elsewhere
    SupportingLink.objects.filter(caregiver__user=world.supporting).update(sees_sessions=True)
    _consultation(
        world, therapist=world.other_therapist, about=[world.sibling], words="sleep for Maryam"
    )
    _consultation(
        world, therapist=world.therapist, about=[world.child], words="mornings with Yusuf"
    )
    page = login(world.parent).get(reverse("summary_preview", args=[world.family.pk])).text
    assert "sleep for Maryam" in page and "mornings with Yusuf" in page

    grandad = Caregiver.objects.get(user=world.supporting)

    summary = summary_for(grandad, period_until_now(since=None, now=timezone.now()))
    told = [note.family_summary for note in summary.family_sessions]
    assert told == ["mornings with Yusuf"]


def test_booking_a_consultation_records_which_children_it_is_about(world):

    service = ServiceFactory(parent_only=True)
    AvailabilityFactory(therapist=world.therapist, weekday=in_days(3).weekday())
    starts_at = in_days(3, 10)
    with pytest.raises(ValidationError, match="which children the consultation is about"):
        booking_services.appointment_book(
            service=service,
            therapist=world.therapist,
            starts_at=starts_at,
            family=world.family,
            children=[],
            by=world.admin,
        )
    booking = booking_services.appointment_book(
        service=service,
        therapist=world.therapist,
        starts_at=starts_at,
        family=world.family,
        children=[world.child],
        by=world.admin,
    )
    assert list(booking.children.all()) == [world.child]


def test_attending_a_consultation_makes_one_family_session_about_the_children_booked(world):

    service = ServiceFactory(parent_only=True)
    appointment = AppointmentFactory(
        service=service, therapist=world.therapist, starts_at=in_days(-1, 10)
    )
    booking = BookingFactory(appointment=appointment, family=world.family, children=[world.child])
    attendance = booking_services.appointment_record_attendance(
        appointment=appointment, outcome="attended", by=world.admin
    )
    assert not attendance.problems
    [session] = TherapySession.objects.filter(booking_id=booking.pk)
    assert session.child_id is None
    assert list(session.about_children.all()) == [world.child]
