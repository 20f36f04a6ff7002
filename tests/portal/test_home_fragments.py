"""The caregiver's home page is rendered from remembered fragments
(portal.fragments): what changes in the database shows at once, and the
page shows the same bookings, children and wins as it did rendered whole."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from bookings.models import Booking
from families.models import Caregiver
from tests.bookings.factories import (
    AppointmentFactory,
    BookingFactory,
    GroupSessionFactory,
    RoomFactory,
)
from tests.factories import WinFactory


def _home(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_new_win_and_booking_show_on_a_home_page_already_seen(world, login):
    client = login(world.parent)
    first = _home(client)
    assert "Coming up" in first and "Nothing booked." in first
    assert "Small wins" not in first
    WinFactory(child=world.child, text="Zipped his coat!", author=world.supporting)
    starts = timezone.now() + timedelta(days=2)
    appointment = AppointmentFactory(
        therapist=world.therapist,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        room=RoomFactory(name="Sensory room"),
    )
    BookingFactory(
        family=world.family,
        appointment=appointment,
        children=[world.sibling, world.child],
        status=Booking.Status.REQUESTED,
    )
    html = _home(client)
    assert "Zipped his coat!" in html
    assert "Yusuf · Tariq, " in html  # the child, then the author's first name
    assert "Nothing booked." not in html
    assert appointment.service.name in html and "(Sensory room)" in html
    assert "For Maryam, Yusuf · with Nia Thomas · Requested" in html


def test_group_booking_and_escort_on_the_home_page(world, login):
    group = GroupSessionFactory(therapist=world.therapist, topic="Calmer mornings")
    escort = Caregiver.objects.get(user=world.supporting)
    BookingFactory(
        family=world.family, appointment=None, group_session=group, escort=escort, children=[]
    )
    for persona in (world.parent, world.supporting):
        html = _home(login(persona))
        assert f"{group.service.name}: Calmer mornings" in html
        assert "with Nia Thomas · Tariq Ahmed is bringing them" in html
    # The unlinked nanny neither brings the child nor is a primary caregiver.
    assert "Calmer mornings" not in _home(login(world.supporting_unlinked))


def test_home_cards_follow_the_childs_record(world, login):
    client = login(world.parent)
    assert "Therapist: Nia Thomas" in _home(client)
    world.child.preferred_name = "Yus"
    world.child.school = "Ysgol y Bryn"
    world.child.save()
    html = _home(client)
    assert ">Yus</a>" in html and "Ysgol y Bryn" in html
    world.child.discharged_on = timezone.localdate()
    world.child.save()
    WinFactory(child=world.child, text="Last day with us")
    html = _home(client)
    assert ">Yus</a>" not in html  # no card once discharged...
    assert "Last day with us" in html  # ...but their wins still show


def test_caregiver_without_a_family_sees_the_empty_state(world, login):
    Caregiver.objects.filter(user=world.parent).delete()
    html = _home(login(world.parent))
    assert "You're not linked to a family yet" in html
    assert "Coming up" not in html


def test_home_children_from_memberships_are_children_for(world):
    """The home page reads a caregiver's children from their memberships
    (families.selectors.children_for_home): the same children as the
    policy's children_for, for every kind of caregiver."""
    from families.permissions import caregiver_memberships, children_for
    from families.selectors import children_for_home
    from tests import factories

    # A parent of two families, primary in one and supporting in the other.
    factories.CaregiverFactory(
        user=world.parent,
        family=world.other_family,
        access_level="supporting",
        children=[world.other_child],
    )
    factories.ChildFactory(family=world.other_family, first_name="Unlinked")
    for persona in (
        world.parent,
        world.other_parent,
        world.supporting,
        world.supporting_unlinked,
        world.therapist,
        world.admin,
    ):
        memberships = caregiver_memberships(persona)
        expected = set(children_for(persona)) if persona.role == "caregiver" else set()
        found = children_for_home(memberships)["child_names"]
        assert set(found) == {child.pk for child in expected}, persona
    assert [m.family_name for m in caregiver_memberships(world.parent)] == [
        "The Ahmed family",
        "The Jones family",
    ]


def test_home_queries_do_not_grow_with_bookings_and_wins(
    world, login, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.parent)
    BookingFactory(family=world.family, children=[world.child])
    WinFactory(child=world.child)
    with CaptureQueriesContext(connection) as first:
        _home(client)
    escort = Caregiver.objects.get(user=world.supporting)
    for _ in range(5):
        BookingFactory(family=world.family, children=[world.child, world.sibling], escort=escort)
        BookingFactory(
            family=world.family,
            appointment=None,
            group_session=GroupSessionFactory(therapist=world.therapist),
            children=[world.sibling],
        )
        WinFactory(child=world.sibling)
    # At most the group sessions' and the escorts' reads more.
    with django_assert_max_num_queries(len(first) + 2):
        _home(client)
