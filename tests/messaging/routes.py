"""Permission-matrix rows for messages and shared media. The therapy
conversation: the family (the supporting caregiver only for the child they are
linked to) and the child's therapist; not the office. The bookings one: the
primary caregivers, the therapist and the office. Media follow what they are
attached to. Editing and deleting: the author only (everyone else 404)."""

from tests.matrix import BOOKER, GOALS_ONLY, Route
from tests.messaging.factories import MediaFileFactory, MessageFactory

THERAPY = frozenset({"parent", "supporting", "therapist"})
BOOKINGS = frozenset({"parent", "therapist", "admin"})
THERAPISTS = frozenset({"therapist", "other_therapist"})


def _therapy(world):
    return {"pk": world.child.pk, "topic": "therapy"}


def _bookings(world):
    return {"pk": world.child.pk, "topic": "bookings"}


def _own_message(author_attr):
    def make(world):
        from messaging.models import Topic
        from tests.messaging.factories import ConversationFactory

        author = getattr(world, author_attr)
        conversation = ConversationFactory(child=world.child, topic=Topic.THERAPY)
        return {"pk": MessageFactory(conversation=conversation, author=author).pk}

    return make


def _media(topic):
    def make(world):
        from tests.messaging.factories import ConversationFactory

        conversation = ConversationFactory(child=world.child, topic=topic)
        message = MessageFactory(conversation=conversation, author=world.parent)
        return {"media_id": MediaFileFactory(message=message).pk}

    return make


def _log_media(world):
    from tests.factories import HomeStrategyFactory, PracticeLogFactory
    from tests.messaging.factories import MediaFileFactory as Media

    log = PracticeLogFactory(
        strategy=HomeStrategyFactory(child=world.child), caregiver=world.parent
    )
    return {
        "media_id": Media(
            message=None, child=world.child, practice_log=log, uploaded_by=world.parent
        ).pk
    }


def _win_photo(world):
    from tests.factories import WinFactory
    from tests.messaging.factories import MediaFileFactory as Media

    win = WinFactory(child=world.child, author=world.parent)
    return {
        "media_id": Media(message=None, child=world.child, win=win, uploaded_by=world.parent).pk
    }


def _strategy(world):
    from tests.factories import HomeStrategyFactory

    return {"pk": HomeStrategyFactory(child=world.child).pk}


def _strategy_photo(world):
    """A photo the therapist took of the child's strategy, under the family's consent."""
    from tests.factories import HomeStrategyFactory
    from tests.messaging.factories import MediaFileFactory as Media
    from tests.messaging.factories import give_media_consent

    give_media_consent(world.family)
    strategy = HomeStrategyFactory(child=world.child)
    photo = Media(message=None, child=world.child, strategy=strategy, uploaded_by=world.therapist)
    return {"media_id": photo.pk}


def _library_strategy(world):
    from tests.factories import StrategyTemplateFactory

    return {"pk": StrategyTemplateFactory().pk}


def _demonstration(world):
    """The practice's demonstration on a library strategy that the child's
    strategy was made from: the child's family sees it, as do therapists."""
    from tests.factories import HomeStrategyFactory, StrategyTemplateFactory
    from tests.messaging.factories import MediaFileFactory as Media

    template = StrategyTemplateFactory()
    HomeStrategyFactory(child=world.child, template=template)
    return {
        "media_id": Media(
            message=None, child=None, template=template, uploaded_by=world.therapist
        ).pk
    }


def _child(world):
    return {"pk": world.child.pk}


def _practice_log(world):
    from tests.factories import HomeStrategyFactory, PracticeLogFactory

    log = PracticeLogFactory(
        strategy=HomeStrategyFactory(child=world.child), caregiver=world.parent
    )
    return {"pk": log.pk}


ROUTES = [
    Route("messaging:photos", THERAPY, kwargs=_child),
    # Families add photos to practice; without consent the form says why.
    Route("messaging:practice_photo", frozenset({"parent", "supporting"}), kwargs=_practice_log),
    Route("messaging:conversation", THERAPY, kwargs=_therapy),
    Route(
        "messaging:conversation",
        THERAPY,
        kwargs=_therapy,
        method="post",
        data=lambda w: {"body": "How did the buttons go?"},
        ok=(302,),
    ),
    Route("messaging:conversation", BOOKINGS, kwargs=_bookings),
    Route(
        "messaging:conversation",
        BOOKINGS,
        kwargs=_bookings,
        method="post",
        data=lambda w: {"body": "Can we move Tuesday?"},
        ok=(302,),
    ),
    # The author (here the parent) changes or deletes their own message;
    # nobody else, whatever their standing, even sees that it exists.
    Route("messaging:message_edit", frozenset({"parent"}), kwargs=_own_message("parent")),
    Route(
        "messaging:message_edit",
        frozenset({"parent"}),
        kwargs=_own_message("parent"),
        method="post",
        data=lambda w: {"body": "Changed my mind"},
        ok=(302,),
    ),
    Route(
        "messaging:message_delete",
        frozenset({"parent"}),
        kwargs=_own_message("parent"),
        method="post",
        ok=(302,),
    ),
    Route("messaging:inbox", frozenset({"therapist", "other_therapist", "admin"})),
    # Every parent and carer has the page; Nani's says the messages are her
    # parents' (and the content check proves she reads none of them).
    Route(
        "messaging:my_messages",
        frozenset(
            {"parent", "other_parent", "supporting", "supporting_unlinked", GOALS_ONLY, BOOKER}
        ),
    ),
    Route("messaging:media", THERAPY, kwargs=_media("therapy")),
    Route("messaging:media", BOOKINGS, kwargs=_media("bookings")),
    Route("messaging:media", THERAPY, kwargs=_log_media),
    # A win's photo goes with the win: every caregiver linked to the child and
    # the child's therapist (goals.permissions.wins_for).
    Route("messaging:media", THERAPY | {GOALS_ONLY, BOOKER}, kwargs=_win_photo),
    # A strategy's photos and the library's demonstrations are part of the
    # strategy, which every caregiver linked to the child sees (the family's
    # photo consent permitting), not of the therapy messages.
    Route("messaging:media", THERAPY | {GOALS_ONLY, BOOKER}, kwargs=_strategy_photo),
    Route(
        "messaging:media", THERAPY | {GOALS_ONLY, BOOKER, "other_therapist"}, kwargs=_demonstration
    ),
    Route("messaging:strategy_media", frozenset({"therapist"}), kwargs=_strategy),
    Route("messaging:template_media", THERAPISTS, kwargs=_library_strategy),
    Route(
        "messaging:strategy_media_remove",
        frozenset({"therapist"}),
        kwargs=_strategy_photo,
        method="post",
        ok=(302,),
    ),
]
