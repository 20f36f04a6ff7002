"""The practice's learning library: short articles and handouts, tagged by
OT area, shared with a family or linked to a home strategy.

Sits above goals (it links to HomeStrategy and uses its OT areas)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from families.models import Family
from goals.models import Area, HomeStrategy


class Article(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", "Article"
        HANDOUT = "handout", "Handout"

    title = models.CharField(max_length=150)
    area = models.CharField("OT area", max_length=20, choices=Area.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ARTICLE)
    summary = models.CharField(max_length=300)
    body = models.TextField(help_text="Plain text; blank lines start new paragraphs.")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    strategies = models.ManyToManyField(
        HomeStrategy, through="StrategyArticle", blank=True, related_name="+"
    )

    class Meta:
        ordering = ["area", "title"]

    def __str__(self) -> str:
        return self.title


class ArticleShare(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="shares")
    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="+")
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-shared_at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "family"], name="article_shared_once")
        ]

    def __str__(self) -> str:
        return f"{self.article} with {self.family}"


class StrategyArticle(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="strategy_links")
    strategy = models.ForeignKey(HomeStrategy, on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "strategy"], name="article_linked_once")
        ]

    def __str__(self) -> str:
        return f"{self.article} for {self.strategy}"
