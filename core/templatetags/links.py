"""`{{ "goals:goal_detail"|url_with:goal.pk }}`: what `{% url "goals:goal_detail" goal.pk %}`
writes, for the rows of a long list (core.links)."""

from django import template

from core.links import url_with_id

register = template.Library()


@register.filter
def url_with(viewname: str, pk: int) -> str:
    return url_with_id(viewname, pk)
