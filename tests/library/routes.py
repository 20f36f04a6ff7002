"""Permission-matrix rows for the learning library. Therapists read it all;
a family reads what was shared with it or linked to a strategy of a child
they see; the office never (it is clinical advice)."""

from tests.library.factories import ArticleFactory
from tests.matrix import BOOKER, GOALS_ONLY, Route

THERAPISTS = frozenset({"therapist", "other_therapist"})


def _unshared(world):
    return {"pk": ArticleFactory().pk}


def _shared_with_family(world):
    from library.models import ArticleShare

    article = ArticleFactory()
    ArticleShare.objects.create(article=article, family=world.family)
    return {"pk": article.pk}


def _linked_to_strategy(world):
    from library.models import StrategyArticle
    from tests.factories import HomeStrategyFactory

    article = ArticleFactory()
    StrategyArticle.objects.create(article=article, strategy=HomeStrategyFactory(child=world.child))
    return {"pk": article.pk}


ROUTES = [
    Route(
        "library:index",
        frozenset(
            {"parent", "other_parent", "supporting", "supporting_unlinked", GOALS_ONLY, BOOKER}
            | THERAPISTS
        ),
    ),
    Route("library:article", THERAPISTS, kwargs=_unshared),
    # Shared with the family: everyone in it, the supporting caregivers too.
    Route(
        "library:article",
        THERAPISTS | {"parent", "supporting", "supporting_unlinked", GOALS_ONLY, BOOKER},
        kwargs=_shared_with_family,
    ),
    # Linked to Yusuf's strategy: those who see Yusuf's strategies.
    Route(
        "library:article",
        THERAPISTS | {"parent", "supporting", GOALS_ONLY, BOOKER},
        kwargs=_linked_to_strategy,
    ),
    Route(
        "library:share",
        frozenset({"therapist"}),
        kwargs=_unshared,
        method="post",
        data=lambda w: {"family": w.family.pk},
        ok=(302,),
    ),
    Route(
        "library:share",
        frozenset({"other_therapist"}),
        kwargs=_unshared,
        method="post",
        data=lambda w: {"family": w.other_family.pk},
        ok=(302,),
    ),
    Route(
        "library:link",
        THERAPISTS,
        kwargs=_unshared,
        method="post",
        data=lambda w: {"strategy": ""},
        ok=(400,),
    ),
]
