from django import template

from messaging import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def conversations_for_child(context, child, access):
    """The conversations the viewer takes part in, with their unread counts."""
    return selectors.unread_by_topic(context["request"].user, child, access)


@register.filter
def can_change(message, user) -> bool:
    return message.can_change(user)
