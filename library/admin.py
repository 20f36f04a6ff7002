from django.contrib import admin

from library.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """The practice writes its articles and handouts here."""

    list_display = ["title", "area", "kind", "published"]
    list_filter = ["area", "kind", "published"]
    search_fields = ["title", "summary"]
    exclude = ["strategies"]
