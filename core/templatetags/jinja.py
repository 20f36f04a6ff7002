"""`{% jinja "goals/goal_cards.jinja" goals=goals is_therapist=is_therapist %}`:
a Jinja2 partial (core/jinja.py) drawn inside a page of Django's template
language, with exactly the values named (and the request, for `csrf_input`).

The page's frame stays Django's (its blocks, menus and context processors);
only a long read-only part is Jinja2. The partial is announced with Django's
`template_rendered` signal, as Django's own templates are in the tests, so
the test client's `response.templates` lists it (nothing listens in
production, where sending costs nothing).
"""

from django import template
from django.template import Context, engines
from django.test.signals import template_rendered
from django.utils.safestring import mark_safe

register = template.Library()


class JinjaNode(template.Node):
    def __init__(self, name: template.base.FilterExpression, values: dict):
        self.name = name
        self.values = values

    def render(self, context: template.Context) -> str:
        partial = engines["jinja2"].get_template(self.name.resolve(context))
        values = {key: value.resolve(context) for key, value in self.values.items()}
        request = context.get("request")
        template_rendered.send(sender=self, template=partial.template, context=Context(values))
        # Jinja2 escaped every value as it wrote it (autoescape, core.jinja).
        return mark_safe(partial.render(values, request))  # noqa: S308


@register.tag
def jinja(parser: template.base.Parser, token: template.base.Token) -> JinjaNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError('{% jinja "name.jinja" key=value … %}')
    values = template.base.token_kwargs(bits[2:], parser, support_legacy=False)
    if len(values) != len(bits) - 2:
        raise template.TemplateSyntaxError("{% jinja %} takes the partial's name, then key=value")
    return JinjaNode(parser.compile_filter(bits[1]), values)
