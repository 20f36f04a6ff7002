"""Permission-matrix rows for the intake questionnaire: the primary
caregivers write it, the child's therapist reads it; supporting caregivers
and the office never see it."""

from tests.matrix import Route

READERS = frozenset({"parent", "therapist"})
WRITERS = frozenset({"parent"})


def _child(world):
    return {"pk": world.child.pk}


def _section(world):
    return {"pk": world.child.pk, "slug": "worries"}


ROUTES = [
    Route("intake:overview", READERS, kwargs=_child),
    Route("intake:section", WRITERS, kwargs=_section),
    Route(
        "intake:section",
        WRITERS,
        kwargs=_section,
        method="post",
        data=lambda w: {"worries": "Mornings", "hopes": "Calmer mornings"},
        ok=(302,),
    ),
    Route("intake:send", WRITERS, kwargs=_child, method="post", ok=(302,)),
]
