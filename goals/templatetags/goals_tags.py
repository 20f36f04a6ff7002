"""Small pieces of the goals app shown on other apps' pages (the child page),
so those pages need not know about goals."""

from django import template

from families.models import Child
from goals import selectors
from goals.permissions import VIEWERS

register = template.Library()


@register.simple_tag
def child_wins(child: Child, access: str, limit: int = 3) -> list:
    """The newest wins for the child page; nothing for those who may not see goals."""
    if access not in VIEWERS:
        return []
    return list(selectors.wins_for_child(child)[:limit])
