from django.core.exceptions import ValidationError

from accounts.models import User
from families.models import Family
from families.permissions import families_for
from goals.models import HomeStrategy
from library.models import Article, ArticleShare, StrategyArticle


def article_share(*, article: Article, family_id: int, by: User) -> ArticleShare:
    """Share with a family on the therapist's caseload; sharing twice is a no-op."""
    family = families_for(by).filter(pk=family_id).first()
    if family is None:
        raise ValidationError({"family": "Choose one of your families."})
    share, _ = ArticleShare.objects.get_or_create(
        article=article, family=family, defaults={"shared_by": by}
    )
    return share


def article_link(*, article: Article, strategy: HomeStrategy, by: User) -> StrategyArticle:
    link, _ = StrategyArticle.objects.get_or_create(
        article=article, strategy=strategy, defaults={"linked_by": by}
    )
    return link


def family_choices(user: User):
    return families_for(user).order_by("name")


assert Family  # the type families_for returns
