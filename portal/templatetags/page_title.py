"""`{% page_title %}…{% endpage_title %}`: the page's own title, then the
practice's name ("Book a session · Family OT Portal"), or the practice's name
alone when the page gives none. Django's language cannot ask whether a block
is empty (`self.title` is Jinja's), so this tag renders what it wraps and looks."""

from django import template
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

SEPARATOR = " · "


class PageTitleNode(template.Node):
    def __init__(self, nodelist: template.NodeList):
        self.nodelist = nodelist

    def render(self, context) -> str:
        # Titles are written over several lines in some templates. What the
        # block rendered is escaped already (autoescape), so it is marked safe
        # again after the spaces are tidied, not escaped twice.
        own = mark_safe(" ".join(self.nodelist.render(context).split()))  # noqa: S308
        practice = context.get("PRACTICE_NAME") or settings.PRACTICE_NAME
        if not own:
            return conditional_escape(practice)
        return format_html("{}{}{}", own, SEPARATOR, practice)


@register.tag
def page_title(parser, token):
    nodelist = parser.parse(("endpage_title",))
    parser.delete_first_token()
    return PageTitleNode(nodelist)
