import factory

from goals.models import Area
from library.models import Article


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Why heavy work calms {n}")
    area = Area.SENSORY
    summary = "Pushing, pulling and carrying help a busy body settle."
    body = "Heavy work means using the big muscles.\n\nTry carrying the shopping."
