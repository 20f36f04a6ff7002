"""Every URL, every persona: allowed ones get the page, everyone else a 404
(anonymous visitors are sent to log in); and the page a persona may open holds
no goal, strategy, win, note or message they may not see: of a child not
theirs, or of a part of a child's record the family has not shared with
them (a supporting caregiver's scope). See tests/matrix.py."""

import pytest
from django.urls import reverse

from families.permissions import children_for
from messaging.models import Topic
from messaging.permissions import conversations_for
from sessions_app.permissions import sessions_for
from tests.conftest import PERSONAS
from tests.factories import GoalFactory, HomeStrategyFactory, WinFactory
from tests.matrix import BOOKER, all_exemptions, all_routes, object_url_names
from tests.messaging.factories import ConversationFactory, MessageFactory
from tests.sessions_app.factories import SessionFactory, signed_note

ROUTES = all_routes()


def test_every_object_url_is_in_the_matrix():
    covered = {route.name for route in ROUTES} | set(all_exemptions())
    missing = object_url_names() - covered
    assert not missing, f"URLs with no permission-matrix row: {sorted(missing)}"


def _clinical_words(world) -> dict[str, tuple[str, int]]:
    """Words that only someone who may see a record may read, each with the
    record it stands for: for each child of the world, a goal, a strategy
    and a win (seen with the child), a signed note (its clinical part and its
    family summary) and a parents-only consultation about them (seen with the
    session), and a message in each of its conversations; each held by a
    therapist of the child where there is one."""
    therapists = {world.child.pk: world.therapist, world.other_child.pk: world.other_therapist}
    words = {}
    for child in (world.child, world.sibling, world.other_child):
        name = child.first_name
        therapist = therapists.get(child.pk, world.other_therapist)
        GoalFactory(child=child, title=f"goal-of-{name}")
        HomeStrategyFactory(child=child, title=f"strategy-of-{name}")
        WinFactory(child=child, text=f"win-of-{name}")
        for word in ("goal", "strategy", "win"):
            words[f"{word}-of-{name}"] = ("child", child.pk)
        session = SessionFactory(child=child, therapist=therapist)
        signed_note(
            session=session,
            subjective=f"soap-of-{name}",
            assessment=f"soap-of-{name}",
            family_summary=f"summary-of-{name}",
        )
        words[f"soap-of-{name}"] = words[f"summary-of-{name}"] = ("session", session.pk)
        consultation = SessionFactory(
            child=None,
            family=child.family,
            therapist=therapist,
            child_attended=False,
            about=[child],
        )
        signed_note(
            session=consultation,
            subjective=f"consultation-about-{name}",
            assessment=f"consultation-about-{name}",
        )
        words[f"consultation-about-{name}"] = ("session", consultation.pk)
        for topic in Topic:
            conversation = ConversationFactory(child=child, topic=topic)
            MessageFactory(
                conversation=conversation, author=therapist, body=f"{topic}-message-of-{name}"
            )
            words[f"{topic}-message-of-{name}"] = ("conversation", conversation.pk)
    return words


def _visible(user) -> dict[str, set[int]]:
    """What the user may see, by the policies: the records each word stands for."""
    return {
        "child": set(children_for(user).values_list("pk", flat=True)),
        "session": set(sessions_for(user).values_list("pk", flat=True)),
        "conversation": set(conversations_for(user).values_list("pk", flat=True)),
    }


@pytest.mark.parametrize("persona", [*PERSONAS, BOOKER])
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.id)
def test_matrix(route, persona, world, client):
    # Only a page an allowed persona reads is checked for content.
    readable = route.method == "get" and persona in route.allowed
    words = _clinical_words(world) if readable else {}
    url = reverse(route.name, kwargs=route.kwargs(world))
    user = world.persona(persona)
    if user is not None:
        client.force_login(user)
    response = getattr(client, route.method)(url, route.data(world))

    if user is None:
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    elif persona in route.allowed:
        assert response.status_code in route.ok, f"{persona} should reach {url}"
        # What the page may show: nothing of a child the persona may not see.
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/"):
            text = response.content.decode()
            visible = _visible(user)
            leaked = [
                word
                for word, (kind, record_id) in words.items()
                if record_id not in visible[kind] and word in text
            ]
            assert leaked == [], f"{persona} reads a record not theirs on {url}: {leaked}"
    else:
        assert response.status_code == 404, f"{persona} must not reach {url}"
