"""conversations_for(user) is the one statement of who takes part in which
conversation: it agrees with the page-level check for every persona, every
child and both topics, and the people a nudge may go to are its answer."""

import pytest
from django.http import Http404

from messaging.models import Conversation, Topic
from messaging.permissions import conversations_for, get_child_for_conversation, participants
from tests.conftest import PERSONAS


@pytest.fixture
def conversations(world):
    return [
        Conversation.objects.create(child=child, topic=topic)
        for child in (world.child, world.sibling, world.other_child)
        for topic in Topic
    ]


def _may_open(user, conversation) -> bool:
    try:
        get_child_for_conversation(user, conversation.child_id, Topic(conversation.topic))
    except Http404:
        return False
    return True


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_conversations_for_agrees_with_the_page_check(world, conversations, persona):
    user = world.persona(persona)
    expected = {c.pk for c in conversations if _may_open(user, c)}
    assert set(conversations_for(user).values_list("pk", flat=True)) == expected


def test_participants_are_those_conversations_for_lists(world, conversations):
    users = [world.persona(p) for p in PERSONAS if p != "anonymous"]
    for conversation in conversations:
        taking_part = {u.pk for u in users if conversations_for(u).filter(pk=conversation.pk)}
        assert {u.pk for u in participants(conversation)} == taking_part, conversation
