"""A supporting caregiver's empty pages say what is true of them: sessions
and bookings are the parents', not missing; "My family" is their child."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.timesweep


def test_supporting_caregiver_is_told_sessions_are_shared_with_the_parents(world, login):
    html = (
        login(world.supporting)
        .get(reverse("sessions_app:child_sessions", args=[world.child.pk]))
        .content.decode()
    )
    assert f"Sessions are shared with {world.child.display_name}&#x27;s parents" in html
    assert "No sessions yet" not in html
    parent_html = (
        login(world.parent)
        .get(reverse("sessions_app:child_sessions", args=[world.child.pk]))
        .content.decode()
    )
    assert "No sessions yet" in parent_html


def test_supporting_caregiver_is_told_bookings_are_the_parents(world, login):
    html = login(world.supporting).get(reverse("bookings:my_bookings")).content.decode()
    assert "Bookings are made by the children's parents" in html
    assert (
        "Nothing booked yet"
        in login(world.parent).get(reverse("bookings:my_bookings")).content.decode()
    )


def test_my_family_opens_the_supporting_caregivers_child_not_email_choices(world, login):
    response = login(world.supporting).get(reverse("families:my_family"))
    assert response["Location"] == reverse("families:child_detail", args=[world.child.pk])
    # Linked to two children: Today lists them.
    membership = world.family.caregivers.get(user=world.supporting)
    membership.children.add(world.sibling)
    response = login(world.supporting).get(reverse("families:my_family"))
    assert response["Location"] == f"{reverse('home')}#children"
    assert login(world.parent).get(reverse("families:my_family"))["Location"] == reverse(
        "families:family_detail", args=[world.family.pk]
    )
