"""Messages in reach: the main menu's "Messages" with the count of messages
waiting, for every role that has conversations; the family's Messages page;
and the thread's header naming who can read it, by the messaging policy (a
supporting caregiver's scope included)."""

import pytest
from django.urls import reverse

from families.models import SupportingLink
from messaging.models import Topic
from messaging.selectors import conversations_of_family_member, unread_count
from tests.messaging.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def _therapy_url(world) -> str:
    return reverse("messaging:conversation", args=[world.child.pk, "therapy"])


def _write(world, *, author, topic=Topic.THERAPY, child=None, n=1):
    conversation = ConversationFactory(child=child or world.child, topic=topic)
    for i in range(n):
        MessageFactory(conversation=conversation, author=author, body=f"message {i}")
    return conversation


def test_the_menu_counts_what_waits_and_reading_clears_it(world, client):
    _write(world, author=world.therapist, n=2)
    _write(world, author=world.admin, topic=Topic.BOOKINGS)
    _write(world, author=world.parent, n=3)  # the parent's own: not waiting for her
    client.force_login(world.parent)
    home = client.get(reverse("home")).text
    assert reverse("messaging:my_messages") in home
    assert '3<span class="visually-hidden"> unread</span>' in home
    assert unread_count(world.parent) == 3
    client.get(_therapy_url(world))  # read
    assert unread_count(world.parent) == 1  # the office's, in the bookings one


def test_every_role_with_conversations_gets_the_count(world, client):
    _write(world, author=world.parent, n=2)
    _write(world, author=world.parent, topic=Topic.BOOKINGS)
    assert unread_count(world.therapist) == 3
    assert unread_count(world.admin) == 1  # the office: bookings only
    assert unread_count(world.supporting) == 2  # therapy, shared with grandad
    assert unread_count(world.supporting_goals_only) == 0
    assert unread_count(world.other_therapist) == 0
    client.force_login(world.therapist)
    page = client.get(reverse("messaging:inbox")).text
    assert '3<span class="visually-hidden"> unread</span>' in page


def test_the_count_is_one_query_however_many_conversations(world, django_assert_num_queries):
    _write(world, author=world.therapist)
    with django_assert_num_queries(1):
        unread_count(world.parent)
    for child in (world.sibling,):
        _write(world, author=world.therapist, child=child, n=5)
        _write(world, author=world.admin, child=child, topic=Topic.BOOKINGS, n=5)
    with django_assert_num_queries(1):
        assert unread_count(world.parent) == 11


def test_the_family_messages_page(world, client, django_assert_num_queries):
    _write(world, author=world.therapist, n=2)
    client.force_login(world.parent)
    url = reverse("messaging:my_messages")
    with django_assert_num_queries(7) as few:  # session, user, menu count, 4 of the page
        page = client.get(url)
    assert "<title>Messages ·" in page.text
    rows = [(r.child.first_name, r.topic, r.unread) for r in page.context["rows"]]
    assert rows == [
        ("Maryam", Topic.THERAPY, 0),
        ("Maryam", Topic.BOOKINGS, 0),
        ("Yusuf", Topic.THERAPY, 2),
        ("Yusuf", Topic.BOOKINGS, 0),
    ]
    assert "Nobody has written yet" in page.text
    for child in (world.child, world.sibling):
        _write(world, author=world.admin, child=child, topic=Topic.BOOKINGS, n=4)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_a_grandparent_sees_only_the_threads_shared_with_them(world, client):
    rows = conversations_of_family_member(world.supporting)
    assert [(r.child, r.topic) for r in rows] == [(world.child, Topic.THERAPY)]
    assert conversations_of_family_member(world.supporting_goals_only) == []
    client.force_login(world.supporting_goals_only)
    page = client.get(reverse("messaging:my_messages")).text
    assert "Messages with the therapists are shared with the children's parents" in page


def test_the_thread_names_who_can_read_it(world, client, django_assert_max_num_queries):
    client.force_login(world.parent)
    page = client.get(_therapy_url(world)).text
    header = page.split('id="readers"')[1].split("</p>")[0]
    # The family (Nani has goals only: not her), the therapist; not the office.
    assert "you (parent)" in header
    assert "Tariq Ahmed (grandparent)" in header
    assert "Zainab Ahmed" not in header and "Jo Price" not in header
    assert "Nia Thomas (therapist)" in header
    bookings = client.get(reverse("messaging:conversation", args=[world.child.pk, "bookings"]))
    header = bookings.text.split('id="readers"')[1].split("</p>")[0]
    assert "Jo Price (practice office)" in header and "Tariq Ahmed" not in header

    # Shared with Nani: she is named at once, and reads it.
    SupportingLink.objects.filter(caregiver__user=world.supporting_goals_only).update(
        sees_messages=True
    )
    assert "Zainab Ahmed (grandparent)" in client.get(_therapy_url(world)).text
