"""Each role lands on its own home page, showing only its own people, in a
number of queries that does not grow with the size of the practice."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.timesweep


def _grow_practice(world, extra: int) -> None:
    for _ in range(extra):
        family = factories.FamilyFactory()
        child = factories.ChildFactory(family=family)
        factories.CaregiverFactory(family=family)
        factories.CaseloadFactory(therapist=world.therapist, child=child)
        factories.ChildFactory(family=world.family)


def test_parent_home_shows_own_children_only(world, client):
    client.force_login(world.parent)
    content = client.get(reverse("home")).content.decode()
    assert world.child.first_name in content and world.sibling.first_name in content
    assert world.other_child.first_name not in content


def test_supporting_home_shows_linked_children_only(world, client):
    client.force_login(world.supporting)
    content = client.get(reverse("home")).content.decode()
    assert world.child.first_name in content
    assert world.sibling.first_name not in content


def test_therapist_home_shows_caseload_only(world, client):
    client.force_login(world.therapist)
    content = client.get(reverse("home")).content.decode()
    assert world.child.last_name in content
    assert world.other_child.first_name not in content


def test_admin_home_lists_the_practice(world, client):
    client.force_login(world.admin)
    content = client.get(reverse("home")).content.decode()
    assert world.family.name in content and world.other_family.name in content


def _count(client, django_assert_max_num_queries, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


LIMITS = {"parent": 14, "therapist": 11, "admin": 9}


def test_home_queries_do_not_grow(world, client, django_assert_max_num_queries):
    for persona in ("parent", "therapist", "admin"):
        client.force_login(getattr(world, persona))
        before = _count(client, django_assert_max_num_queries, reverse("home"))
        # 9: the upcoming bookings read the parent's memberships first, so
        # that finding them does not grow with the practice (issue 9). A
        # parent's Today adds what needs them now, the week and progress
        # (tests/portal/test_today.py). A therapist's caseload: the caseload, next
        # visits, today's and tomorrow's visits and groups, notes to sign (list and
        # count), unread conversations and goals due (issue 22).
        assert before <= LIMITS[persona], f"{persona} home runs {before} queries"
    _grow_practice(world, 12)
    for persona in ("parent", "therapist", "admin"):
        client.force_login(getattr(world, persona))
        with django_assert_max_num_queries(LIMITS[persona]):
            client.get(reverse("home"))


def test_family_pages_queries_do_not_grow(world, client, django_assert_max_num_queries):
    client.force_login(world.admin)
    factories.make_invitation(
        family=world.family, email="first@example.org", children=[world.child]
    )
    urls = [
        world.family.get_absolute_url(),
        reverse("families:family_list"),
        world.child.get_absolute_url(),
    ]
    counts = [_count(client, django_assert_max_num_queries, url) for url in urls]
    _grow_practice(world, 10)
    for _ in range(5):
        factories.make_invitation(
            family=world.family, email=f"x{_}@example.org", children=[world.child]
        )
    assert [_count(client, django_assert_max_num_queries, url) for url in urls] == counts


def test_error_pages_use_the_site_layout(world, client):
    client.force_login(world.parent)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()
    assert "Skip to main content" in response.content.decode()


def test_therapist_caseload_shows_each_childs_next_visit_in_constant_queries(
    world, client, django_assert_max_num_queries
):
    from datetime import timedelta

    from django.utils import timezone

    from tests.bookings.factories import AppointmentFactory, BookingFactory

    def visit(child, days):
        starts = timezone.now() + timedelta(days=days)
        appointment = AppointmentFactory(
            therapist=world.therapist, starts_at=starts, ends_at=starts + timedelta(hours=1)
        )
        BookingFactory(family=child.family, appointment=appointment, children=[child])
        return appointment

    first = visit(world.child, 2)
    visit(world.child, 9)
    client.force_login(world.therapist)
    with django_assert_max_num_queries(11):
        content = client.get(reverse("home")).content.decode()
    local = timezone.localtime(first.starts_at)
    assert local.strftime("%a %-d %b, %H:%M") in content
    for days in range(3, 8):
        visit(world.child, days + 10)
        child = factories.ChildFactory()
        factories.CaseloadFactory(therapist=world.therapist, child=child)
        visit(child, days + 20)
    with django_assert_max_num_queries(11):
        client.get(reverse("home"))
