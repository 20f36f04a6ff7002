"""Who reads which article. Therapists read the whole library (to choose
what to share); a family reads what was shared with it, or what is linked to
a strategy of a child they see. The office and outsiders: 404."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import Role, User
from families.permissions import children_for, families_for
from goals.models import HomeStrategy
from library.models import Article, ArticleShare, StrategyArticle


def articles_for(user: User) -> QuerySet[Article]:
    published = Article.objects.filter(published=True)
    if not user.is_authenticated or not user.is_active or user.role == Role.ADMIN:
        return Article.objects.none()
    if user.role == Role.THERAPIST:
        return published
    shared = ArticleShare.objects.filter(article=OuterRef("pk"), family__in=families_for(user))
    linked = StrategyArticle.objects.filter(
        article=OuterRef("pk"),
        strategy__in=HomeStrategy.objects.filter(
            child__in=children_for(user), retired_on__isnull=True
        ),
    )
    return published.filter(Q(Exists(shared)) | Q(Exists(linked)))


def get_article_for_user(user: User, pk: int) -> Article:
    article = articles_for(user).filter(pk=pk).first()
    if article is None:
        raise Http404
    return article
