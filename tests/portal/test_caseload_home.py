"""The therapist's home, the caseload: today's and tomorrow's visits, notes to
sign, unread messages and goals due for review come first, each with its
count; every child follows in a light table whose names open the child's
page. Its queries do not grow with the caseload."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from goals.models import GoalStatus
from messaging.models import ReadState, Topic
from tests import factories
from tests.bookings.factories import AppointmentFactory, BookingFactory, GroupSessionFactory
from tests.messaging.factories import ConversationFactory, MessageFactory
from tests.sessions_app.factories import SessionFactory, signed_note

pytestmark = pytest.mark.timesweep


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _section(html: str, heading_id: str) -> str:
    return html[html.index(f'id="{heading_id}"') :].split("</section>")[0]


def test_visits_of_today_and_tomorrow_come_first(world, client):
    today = timezone.localdate()
    visit = AppointmentFactory(therapist=world.therapist, starts_at=_at(today, 16))
    BookingFactory(appointment=visit, family=world.family, children=[world.child])
    tomorrow = AppointmentFactory(therapist=world.therapist, starts_at=_at(today + timedelta(1), 9))
    BookingFactory(appointment=tomorrow, family=world.family, children=[world.child])
    GroupSessionFactory(therapist=world.therapist, starts_at=_at(today + timedelta(1), 11))
    # Not shown: the day after tomorrow, a cancelled one, another therapist's.
    later = AppointmentFactory(therapist=world.therapist, starts_at=_at(today + timedelta(2), 9))
    BookingFactory(appointment=later, family=world.family, children=[world.child])
    AppointmentFactory(
        therapist=world.therapist, starts_at=_at(today, 12), status=Appointment.Status.CANCELLED
    )
    AppointmentFactory(starts_at=_at(today, 13))
    client.force_login(world.therapist)
    visits = _section(client.get(reverse("home")).content.decode(), "visits-heading")
    assert visits.count("<li") == 3
    child_link = f'<a href="{world.child.get_absolute_url()}">{world.child.display_name} '
    assert (
        visits.index("Today 16:00")
        < visits.index("Tomorrow 09:00")
        < visits.index("Tomorrow 11:00")
    )
    assert visits.count(child_link) == 2
    assert "Group: Calmer mornings" in visits


def test_notes_to_sign_unread_messages_and_goals_due_have_counts(world, client):
    now, today = timezone.now(), timezone.localdate()
    for days in (3, 5, 8):
        SessionFactory(
            child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=days)
        )
    signed_note(
        session=SessionFactory(
            child=world.child, therapist=world.therapist, starts_at=now - timedelta(days=1)
        )
    )
    therapy = ConversationFactory(child=world.child, topic=Topic.THERAPY)
    read = MessageFactory(conversation=therapy, author=world.parent)
    ReadState.objects.create(
        conversation=therapy, user=world.therapist, last_read_at=read.created_at
    )
    for _ in range(2):
        MessageFactory(
            conversation=therapy, author=world.parent, created_at=now + timedelta(seconds=1)
        )
    MessageFactory(conversation=therapy, author=world.therapist)  # their own: not unread
    agreed = today - timedelta(days=10)
    factories.GoalFactory(
        child=world.child,
        title="Shoes on",
        agreed_with_family_on=agreed,
        review_date=today + timedelta(days=2),
    )
    factories.GoalFactory(
        child=world.child,
        title="Cutlery",
        agreed_with_family_on=today - timedelta(days=120),
        review_date=today - timedelta(days=1),
    )
    factories.GoalFactory(
        child=world.child,
        title="Far off",
        agreed_with_family_on=agreed,
        review_date=today + timedelta(days=40),
    )
    factories.GoalFactory(
        child=world.child,
        title="Paused one",
        review_date=today,
        status=GoalStatus.PAUSED,
    )
    factories.GoalFactory(child=world.other_child, title="Not mine", review_date=today)
    client.force_login(world.therapist)
    html = client.get(reverse("home")).content.decode()

    notes = _section(html, "unsigned-heading")
    assert '<span class="badge text-bg-warning">3</span>' in notes
    assert notes.count("<li>") == 3
    # The menu counts them too.
    assert (
        'Notes to sign <span class="badge rounded-pill text-bg-warning">3<span class="visually-hidden"> to sign</span>'
        in html
    )

    unread = _section(html, "unread-heading")
    assert '<span class="badge text-bg-primary">2</span>' in unread
    assert "(2 unread)" in unread

    due = _section(html, "review-heading")
    assert '<span class="badge text-bg-info">2</span>' in due
    assert due.index("Cutlery") < due.index("Shoes on")
    assert "3–6 month review was due" in due and "1–2 week review, due" not in due
    assert "1–2 week review due" in due
    assert "Far off" not in due and "Paused one" not in due and "Not mine" not in due


def test_empty_sections_say_so(world, client):
    client.force_login(world.therapist)
    html = client.get(reverse("home")).content.decode()
    assert "No visits booked today or tomorrow." in html
    assert "Every note is signed." in html
    assert "Nothing unread." in html
    assert "No goal is due for review this week." in html


def test_names_open_the_childs_page(world, client):
    client.force_login(world.therapist)
    html = client.get(reverse("home")).content.decode()
    table = html[html.index("caseload-table") :]
    assert f'<a href="{world.child.get_absolute_url()}">{world.child.full_name}</a>' in table


def test_home_queries_do_not_grow_with_the_caseload(world, client, django_assert_max_num_queries):
    from tests.sessions_app.test_pages import _queries

    client.force_login(world.therapist)
    url = reverse("home")
    before = _queries(client, url)
    today, now = timezone.localdate(), timezone.now()
    for n in range(6):
        child = factories.ChildFactory(family=world.family)
        factories.CaseloadFactory(therapist=world.therapist, child=child)
        SessionFactory(
            child=child, therapist=world.therapist, starts_at=now - timedelta(days=n + 1)
        )
        factories.GoalFactory(child=child, review_date=today)
        visit = AppointmentFactory(therapist=world.therapist, starts_at=_at(today, 9 + n))
        BookingFactory(appointment=visit, family=world.family, children=[child])
        MessageFactory(conversation=ConversationFactory(child=child), author=world.parent)
    with django_assert_max_num_queries(before):
        client.get(url)
    # Session, user, caseload, next visits, notes to sign (list and a count the
    # menu shares), unread conversations, goals due, visits and groups.
    assert before <= 11  # and the menu's unread count


def test_the_admins_family_list_is_searchable_and_narrow(world, client):
    client.force_login(world.admin)
    html = client.get(reverse("home"), {"q": world.family.name}).content.decode()
    table = html[html.index("<table") :]
    assert world.family.name in table and world.other_family.name not in table
    assert f'value="{world.family.name}"' in html
    # On a phone the caregiver count gives way, so the table fits 375 px.
    assert '<th scope="col" class="d-none d-sm-table-cell">Caregivers</th>' in html
