"""The primary caregiver decides, per child, what each supporting caregiver
sees beyond goals and home strategies: session summaries, therapy messages and
photos, bookings. Chosen on the invitation and on the change-access page;
every change takes effect at once, is audited, and is told."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.models import AuditEvent
from families import services
from families.models import Caregiver, Invitation, Scope, SupportingLink
from messaging.permissions import conversations_for, therapy_children_for
from tests import factories
from tests.messaging.factories import ConversationFactory, MessageFactory


def _link(world, user, child=None) -> SupportingLink:
    return SupportingLink.objects.get(
        caregiver__user=user, caregiver__family=world.family, child=child or world.child
    )


def _edit_url(world, user) -> str:
    return reverse(
        "families:caregiver_edit", args=[Caregiver.objects.get(user=user, family=world.family).pk]
    )


def _therapy_url(world) -> str:
    return reverse("messaging:conversation", args=[world.child.pk, "therapy"])


def test_a_parent_takes_messages_away_and_the_thread_is_gone_at_once(
    world, client, django_capture_on_commit_callbacks
):
    conversation = ConversationFactory(child=world.child)
    MessageFactory(conversation=conversation, author=world.therapist, body="Try the wobble board")
    client.force_login(world.supporting)
    assert "Try the wobble board" in client.get(_therapy_url(world)).text

    client.force_login(world.parent)
    page = client.get(_edit_url(world, world.supporting))
    assert page.status_code == 200
    assert "Messages with the therapist" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _edit_url(world, world.supporting),
            {
                "relationship": "grandparent",
                "access_level": "supporting",
                f"child_{world.child.pk}": "on",
                f"scope_{world.child.pk}": [Scope.SESSIONS],
            },
        )
    assert response.status_code == 302
    assert _link(world, world.supporting).scope == [Scope.SESSIONS]

    # Audited, by whom and what.
    event = AuditEvent.objects.filter(
        action=AuditEvent.Action.PERMISSION, user=world.parent, record_type="caregiver"
    ).latest("pk")
    assert f"child {world.child.pk}: goals+sees_sessions" in event.detail

    # Grandad is told what he sees now; nobody else, as nothing was given.
    [notice] = mail.outbox
    assert notice.to == [world.supporting.email]
    assert "What you can see" in notice.subject
    assert "goals and home strategies and summaries of therapy sessions" in notice.body
    assert "messages" not in notice.body.split("From now on you see")[1].split("and nothing")[0]

    # And at once: the thread answers 404, the message is nowhere on his pages.
    client.force_login(world.supporting)
    assert client.get(_therapy_url(world)).status_code == 404
    child_page = client.get(world.child.get_absolute_url()).text
    assert _therapy_url(world) not in child_page
    assert "Try the wobble board" not in child_page
    assert not conversations_for(world.supporting).exists()


def test_a_parent_gives_more_and_the_other_parents_hear_of_it(
    world, client, django_capture_on_commit_callbacks
):
    second_parent = factories.CaregiverFactory(family=world.family).user
    client.force_login(world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            _edit_url(world, world.supporting_goals_only),
            {
                "relationship": "grandparent",
                "access_level": "supporting",
                f"child_{world.child.pk}": "on",
                f"scope_{world.child.pk}": [Scope.MESSAGES],
            },
        )
    assert _link(world, world.supporting_goals_only).scope == [Scope.MESSAGES]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [second_parent.email, world.supporting_goals_only.email]
    )
    to_parent = next(m for m in mail.outbox if m.to == [second_parent.email])
    assert "Zainab Ahmed" in to_parent.body and "messages with the therapist" in to_parent.body
    assert world.child in therapy_children_for(world.supporting_goals_only)
    client.force_login(world.supporting_goals_only)
    assert client.get(_therapy_url(world)).status_code == 200


def test_the_change_access_page_keeps_what_was_typed_when_something_is_missing(world, client):
    client.force_login(world.parent)
    response = client.post(
        _edit_url(world, world.supporting),
        {
            "relationship": "nanny",
            "access_level": "supporting",
            f"scope_{world.child.pk}": [Scope.BOOKINGS],
        },
    )
    assert response.status_code == 200
    assert "Choose at least one child they will help with." in response.text
    form = response.context["form"]
    assert form["relationship"].value() == "nanny"
    assert form[f"scope_{world.child.pk}"].value() == [Scope.BOOKINGS]
    # Nothing changed.
    assert _link(world, world.supporting).scope == [Scope.SESSIONS, Scope.MESSAGES]


def test_the_family_page_shows_each_persons_scope(world, client, django_assert_max_num_queries):
    client.force_login(world.parent)
    url = reverse("families:family_detail", args=[world.family.pk])
    with django_assert_max_num_queries(20) as before:
        page = client.get(url).text
    assert (
        "goals and home strategies, summaries of therapy sessions and messages with the "
        "therapist, and photos and videos from home" in page
    )
    assert "<strong>Yusuf</strong>: goals and home strategies</li>" in page  # Nani
    # More people and links cost no more queries.
    for _ in range(3):
        factories.CaregiverFactory(
            family=world.family,
            access_level="supporting",
            children=[world.child, world.sibling],
            scope=[Scope.BOOKINGS],
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)


def test_an_invitation_says_what_it_gives_and_the_grandparent_joins_with_it(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.parent)
    page = client.get(reverse("families:invitation_create", args=[world.family.pk])).text
    assert "Goals and home strategies are always included" in page
    assert "Booking and cancelling stay with you" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("families:invitation_create", args=[world.family.pk]),
            {
                "full_name": "Grace Ahmed",
                "email": "grace@example.org",
                "relationship": "grandparent",
                "access_level": "supporting",
                "children": [world.child.pk, world.sibling.pk],
                "scope": [Scope.BOOKINGS],
            },
        )
    invitation = Invitation.objects.get(email="grace@example.org")
    assert invitation.scope_flags == {
        "sees_sessions": False,
        "sees_messages": False,
        "sees_bookings": True,
        "makes_bookings": False,
    }
    family_page = client.get(reverse("families:family_detail", args=[world.family.pk])).text
    assert "goals and home strategies and appointments and bookings" in family_page

    user = factories.UserFactory(email="grace@example.org")
    raw, token_hash = Invitation.new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash)
    acceptance = services.invitation_accept(raw_token=raw, user=user)
    links = {link.child_id: link.scope for link in acceptance.caregiver.links.all()}
    assert links == {world.child.pk: [Scope.BOOKINGS], world.sibling.pk: [Scope.BOOKINGS]}


def test_a_therapists_invitation_gives_goals_and_strategies_only(world, client):
    client.force_login(world.therapist)
    page = client.get(reverse("families:invitation_create", args=[world.family.pk]))
    assert "scope" not in page.context["form"].fields
    assert "the family's parents can let them see more" in page.text
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(
            family=world.family,
            by=world.therapist,
            email="teacher@example.org",
            full_name="Mr Price",
            relationship="teacher",
            access_level="supporting",
            children=[world.child],
            scope=[Scope.MESSAGES],
        )
    assert "Only the family's parents" in str(refused.value)


def test_the_scope_comes_from_what_the_invitation_page_promised(transactional_db):
    """Existing supporting caregivers keep goals and home strategies only,
    plus every session summary where a parent had ticked the one thing the
    portal offered beyond them ("Can read the summaries of every session")."""
    before = [("families", "0006_caregiver_text_and_push_choices")]
    after = [("families", "0007_supporting_link_scope")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    User = old.get_model("accounts", "User")
    Family = old.get_model("families", "Family")
    Child = old.get_model("families", "Child")
    OldCaregiver = old.get_model("families", "Caregiver")
    family = Family.objects.create(name="The Test family")
    child = Child.objects.create(
        family=family, first_name="Ada", last_name="Test", date_of_birth="2020-01-01"
    )
    ticked, plain = (
        OldCaregiver.objects.create(
            user=User.objects.create(email=f"{name}@example.org", role="caregiver"),
            family=family,
            relationship="grandparent",
            access_level="supporting",
            sees_all_session_summaries=name == "ticked",
        )
        for name in ("ticked", "plain")
    )
    ticked.children.add(child)
    plain.children.add(child)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    Link = new.get_model("families", "SupportingLink")
    flags = ("sees_sessions", "sees_messages", "sees_bookings")
    assert Link.objects.filter(caregiver_id=ticked.pk).values_list(*flags).get() == (
        True,
        False,
        False,
    )
    assert Link.objects.filter(caregiver_id=plain.pk).values_list(*flags).get() == (
        False,
        False,
        False,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


# --- Booking and cancelling for a child (Scope.MAKES_BOOKINGS) ------------------------------


def test_booking_for_a_child_is_offered_and_explained_on_both_pages(world, client):
    client.force_login(world.parent)
    invitation_page = client.get(reverse("families:invitation_create", args=[world.family.pk]))
    change_page = client.get(_edit_url(world, world.supporting))
    for page in (invitation_page, change_page):
        assert "Booking and cancelling appointments" in page.text
        assert "They can book appointments and places in groups for the child" in page.text
        assert "What else they can see or do" in page.text


def test_an_invitation_to_book_brings_seeing_the_bookings(
    world, client, django_capture_on_commit_callbacks
):
    client.force_login(world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("families:invitation_create", args=[world.family.pk]),
            {
                "full_name": "Dana Price",
                "email": "dana@example.org",
                "relationship": "childminder",
                "access_level": "supporting",
                "children": [world.child.pk],
                # Booking alone is ticked: seeing the bookings comes with it.
                "scope": [Scope.MAKES_BOOKINGS],
            },
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="dana@example.org")
    assert invitation.sees_bookings and invitation.makes_bookings
    assert not invitation.sees_sessions and not invitation.sees_messages
    words = "goals and home strategies and appointments and bookings (booking and cancelling too)"
    assert invitation.scope_words == words
    assert words in client.get(reverse("families:family_detail", args=[world.family.pk])).text
    event = AuditEvent.objects.filter(record_type="invitation", record_id=invitation.pk).get()
    assert "seeing goals+makes_bookings+sees_bookings" in event.detail

    user = factories.UserFactory(email="dana@example.org")
    raw, token_hash = Invitation.new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash)
    acceptance = services.invitation_accept(raw_token=raw, user=user)
    [link] = acceptance.caregiver.links.all()
    assert link.scope == [Scope.BOOKINGS, Scope.MAKES_BOOKINGS]


def test_a_parent_lets_nani_book_and_takes_it_back_audited_and_told(
    world, client, django_capture_on_commit_callbacks
):
    nani = world.supporting_goals_only
    client.force_login(world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            _edit_url(world, nani),
            {
                "relationship": "grandparent",
                "access_level": "supporting",
                f"child_{world.child.pk}": "on",
                f"scope_{world.child.pk}": [Scope.MAKES_BOOKINGS],
            },
        )
    assert _link(world, nani).scope == [Scope.BOOKINGS, Scope.MAKES_BOOKINGS]
    event = AuditEvent.objects.filter(
        action=AuditEvent.Action.PERMISSION, user=world.parent, record_type="caregiver"
    ).latest("pk")
    assert f"child {world.child.pk}: goals+makes_bookings+sees_bookings" in event.detail
    [notice] = [m for m in mail.outbox if m.to == [nani.email]]
    assert "appointments and bookings (booking and cancelling too)" in notice.body
    circle = client.get(reverse("families:family_detail", args=[world.family.pk])).text
    assert (
        "<strong>Yusuf</strong>: goals and home strategies and appointments and bookings "
        "(booking and cancelling too)</li>" in circle
    )
    client.force_login(nani)
    assert client.get(reverse("bookings:book_start")).status_code == 200

    # Taken back (seeing the bookings kept): at once, audited.
    client.force_login(world.parent)
    client.post(
        _edit_url(world, nani),
        {
            "relationship": "grandparent",
            "access_level": "supporting",
            f"child_{world.child.pk}": "on",
            f"scope_{world.child.pk}": [Scope.BOOKINGS],
        },
    )
    assert _link(world, nani).scope == [Scope.BOOKINGS]
    event = AuditEvent.objects.filter(record_type="caregiver").latest("pk")
    assert event.detail.endswith(f"child {world.child.pk}: goals+sees_bookings")
    client.force_login(nani)
    assert client.get(reverse("bookings:book_start")).status_code == 404


def test_the_database_refuses_booking_without_seeing_the_bookings(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SupportingLink.objects.filter(caregiver__user=world.supporting).update(
            makes_bookings=True, sees_bookings=False
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.make_invitation(family=world.family, makes_bookings=True)


def test_a_therapist_cannot_let_anyone_book(world):
    with pytest.raises(ValidationError):
        services.invitation_create(
            family=world.family,
            by=world.therapist,
            email="teacher@example.org",
            full_name="Mr Price",
            relationship="teacher",
            access_level="supporting",
            children=[world.child],
            scope=[Scope.MAKES_BOOKINGS],
        )
